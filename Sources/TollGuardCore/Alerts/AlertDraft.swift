import Foundation

/// The findings of one continuing pattern, merged: what becomes (or updates) one alert.
package struct AlertDraft: Sendable {
    package var rule: AnalysisRule
    package var subject: Subject
    package var windowKey: String?
    package var severity: Severity
    package var firstSeen: Date
    package var lastSeen: Date
    /// The headline of the most severe (then latest) finding.
    package var headline: String
    package var metrics: [String: MetricValue]
    /// Evidence calls, first ones first, up to the store's cap.
    package var calls: [EvidenceCall] = []
    /// Every distinct call seen, counted even beyond the cap.
    package var callCount = 0
    package var costMicros: Int64 = 0
    /// Evidence log lines, first ones first, up to the store's cap.
    package var lines: [EvidenceLogLine] = []
    /// Every distinct line seen, counted even beyond the cap.
    package var lineCount = 0
    private var keys: Set<String> = []
    /// Keys of calls counted while they were up: their cost is counted when their end tells it.
    private var costUnknown: Set<String> = []
    private var lineKeys: Set<EvidenceLogLine.Key> = []

    package init(_ finding: Finding) {
        rule = finding.rule
        subject = finding.subject
        windowKey = finding.windowKey
        severity = finding.severity
        firstSeen = finding.time
        lastSeen = finding.time
        headline = finding.headline
        metrics = finding.metrics
    }

    /// The draft of an alert stored before: `keys` are the keys of every call it counted
    /// (beyond the evidence cap too), so a later finding's calls are not counted twice.
    package init(
        rule: AnalysisRule, subject: Subject, windowKey: String?, severity: Severity, firstSeen: Date, lastSeen: Date,
        headline: String, metrics: [String: MetricValue], calls: [EvidenceCall], callCount: Int, costMicros: Int64,
        keys: Set<String>
    ) {
        self.rule = rule
        self.subject = subject
        self.windowKey = windowKey
        self.severity = severity
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.headline = headline
        self.metrics = metrics
        self.calls = calls
        self.callCount = callCount
        self.costMicros = costMicros
        self.keys = keys
    }

    /// The keys of every call counted.
    package var callKeys: Set<String> { keys }

    /// Counts the cost of call `key`, counted while it was up, now that its end tells it;
    /// false when the alert has no such call.
    @discardableResult
    package mutating func settle(_ key: String, costMicros cost: Int64) -> Bool {
        guard costUnknown.remove(key) != nil else { return false }
        if let index = calls.firstIndex(where: { $0.key == key }) {
            costMicros += cost - calls[index].costMicros
            calls[index].costMicros = cost
            calls[index].costKnown = true
        } else {
            costMicros += cost
        }
        return true
    }

    /// Takes the calls of `keys` this alert counted as still up (an alert read back from a
    /// store, whose calls are still up): their cost is counted when their end tells it.
    package mutating func countAsUp(_ keys: some Sequence<String>) {
        for key in keys where self.keys.contains(key) { costUnknown.insert(key) }
    }

    /// Keys of the calls counted while up, whose cost is still to come.
    package var callsUpCounted: Set<String> { costUnknown }

    /// Adds a finding of the same rule, subject and window.
    package mutating func merge(_ finding: Finding, evidenceLimit: Int) {
        firstSeen = min(firstSeen, finding.time)
        lastSeen = max(lastSeen, finding.time)
        if finding.severity >= severity {
            severity = finding.severity
            headline = finding.headline
            metrics = finding.metrics
        }
        for call in finding.calls {
            guard keys.insert(call.key).inserted else {
                if call.costKnown { settle(call.key, costMicros: call.costMicros) }
                continue
            }
            callCount += 1
            costMicros += call.costMicros
            if !call.costKnown { costUnknown.insert(call.key) }
            firstSeen = min(firstSeen, call.time)
            if calls.count < evidenceLimit { calls.append(call) }
        }
        for line in finding.lines where lineKeys.insert(line.key).inserted {
            lineCount += 1
            firstSeen = min(firstSeen, line.time)
            if lines.count < evidenceLimit { lines.append(line) }
        }
    }
}

/// Merges a run's findings into drafts: one per (rule, subject, window), where the window is
/// the finding's fixed window (a quota day) or, for the other rules, a pattern that keeps going
/// with gaps no longer than the rule's merge gap.
package struct AlertAggregator: Sendable {
    private struct Key: Hashable {
        var rule: AnalysisRule
        var subject: Subject
        var windowKey: String?
    }

    package private(set) var drafts: [AlertDraft] = []
    private var open: [Key: Int] = [:]
    private let evidenceLimit: Int

    package init(evidenceLimit: Int = 1000) { self.evidenceLimit = evidenceLimit }

    package mutating func add(_ finding: Finding) {
        let key = Key(rule: finding.rule, subject: finding.subject, windowKey: finding.windowKey)
        if let index = open[key],
            finding.windowKey != nil
                || finding.time.timeIntervalSince(drafts[index].lastSeen) <= finding.rule.mergeGapSeconds
        {
            drafts[index].merge(finding, evidenceLimit: evidenceLimit)
            return
        }
        var draft = AlertDraft(finding)
        draft.merge(finding, evidenceLimit: evidenceLimit)
        open[key] = drafts.count
        drafts.append(draft)
    }
}
