import Foundation

/// The one analyzer engine: takes call events in time order, resolves each call's subjects
/// and their limits, and hands the events to every analyzer.
///
/// Fed live events by the streaming service, or completed calls by `replay(_:)` (the nightly
/// `analyze`), which turns each call into the same started/answered/ended events at the
/// call's own times, so batch and stream find the same things.
package struct AnalysisEngine: Sendable {
    var analyzers: [any Analyzer]
    var resolver: PolicyResolver
    private let disabledRules: Set<AnalysisRule>
    private let strongHotspots: Set<String>?
    var pending = TimeOrderedQueue<CallEvent>()
    /// What shapes the analyzers' memory (settings, time zone, hotspots), written out.
    ///
    /// A snapshot taken under another is not taken back. Nil for an engine assembled by hand.
    package private(set) var configuration: String?

    /// `strongHotspots`: the hotspot prefixes that count as evidence; others are ignored
    /// (nil: every hotspot counts).
    package init(
        analyzers: [any Analyzer], resolver: PolicyResolver, disabledRules: Set<AnalysisRule> = [],
        strongHotspots: Set<String>? = nil
    ) {
        self.analyzers = analyzers
        self.resolver = resolver
        self.disabledRules = disabledRules
        self.strongHotspots = strongHotspots
    }

    /// All fourteen analyzers with the configured settings.
    package static func standard(
        settings: AnalysisSettings, timeZone: TimeZone, fraudLists: FraudLists = .none, quotas: [String: Int64] = [:],
        raises: QuotaRaises = [:], strongHotspots: Set<String>? = nil
    ) -> AnalysisEngine {
        let clock = LocalClock(timeZone: timeZone)
        let analyzers: [any Analyzer] = [
            VelocityAnalyzer(), ConcurrencyAnalyzer(), QuotaAnalyzer(clock: clock), DestinationClassAnalyzer(),
            FraudListAnalyzer(lists: fraudLists), DestinationRuleAnalyzer(), PumpingAnalyzer(), RouteScanAnalyzer(),
            BehaviourAnalyzer(clock: clock, historyDays: settings.historyDays, minHistoryDays: settings.minHistoryDays),
            FraudScoreAnalyzer(),
            PublicContextAnalyzer(
                publicContexts: settings.publicContexts, ownNumberPrefixes: settings.ownNumberPrefixes),
            LongCallAnalyzer(),
            WangiriAnalyzer(
                publicContexts: settings.publicContexts, ringSeconds: settings.wangiriRingSeconds,
                memoryHours: settings.wangiriMemoryHours, campaignCalls: settings.wangiriCampaignCalls),
            SlowDripAnalyzer(
                clock: clock, historyDays: settings.historyDays, minHistoryDays: settings.minHistoryDays,
                publicContexts: settings.publicContexts, memoryHours: settings.wangiriMemoryHours),
        ]
        var engine = AnalysisEngine(
            analyzers: analyzers, resolver: PolicyResolver(settings: settings, quotas: quotas, raises: raises),
            disabledRules: Set(settings.disabledRules.compactMap(AnalysisRule.init(rawValue:))),
            strongHotspots: strongHotspots)
        engine.configuration = configuration(settings: settings, timeZone: timeZone, strongHotspots: strongHotspots)
        return engine
    }

    /// How far before a period replay must start for every analyzer's state to be complete.
    package var reach: TimeInterval { analyzers.map(\.reach).max() ?? 0 }

    /// Feeds one event whose subjects are resolved.
    package mutating func observe(_ event: CallEvent) -> [Finding] {
        var findings: [Finding] = []
        for index in analyzers.indices {
            let found = analyzers[index].observe(event)
            if !found.isEmpty {
                findings += disabledRules.isEmpty ? found : found.filter { !disabledRules.contains($0.rule) }
            }
        }
        return findings
    }

    /// Replays one completed call, given in order of start time: first the answer and end
    /// events of earlier calls that happened before it starts, then its start; its own answer
    /// and end wait until their time comes (or `finish()`).
    package mutating func replay(_ call: ObservedCall) -> [Finding] {
        var call = call
        admit(&call)
        var findings = flush(before: call.startedAt)
        let event = CallEvent(kind: .started, call: call, subjects: resolver.subjects(of: call))
        findings += observe(event)
        if let answeredAt = call.answeredAt {
            pending.insert(CallEvent(kind: .answered, call: call, subjects: event.subjects), at: answeredAt)
        }
        pending.insert(
            CallEvent(kind: .ended, call: call, subjects: event.subjects),
            at: max(call.endedAt ?? call.startedAt, call.answeredAt ?? call.startedAt))
        return findings
    }

    // MARK: Live

    /// Starts a live call: the call is prepared and its subjects resolved once, and the same
    /// subjects go with its later `answered` and `ended` events.
    package mutating func start(_ call: inout ObservedCall) -> (subjects: CallSubjects, findings: [Finding]) {
        admit(&call)
        let subjects = resolver.subjects(of: call)
        return (subjects, observe(CallEvent(kind: .started, call: call, subjects: subjects)))
    }

    /// Feeds the answer or end of a live call started with ``start(_:)``.
    package mutating func observe(_ kind: CallEvent.Kind, _ call: ObservedCall, subjects: CallSubjects) -> [Finding] {
        var call = call
        admit(&call)
        return observe(CallEvent(kind: kind, call: call, subjects: subjects))
    }

    // MARK: Live calls among replayed ones (a cluster's analyzer)

    /// Starts a call still up among calls replayed in order of start.
    ///
    /// A cluster's analyzer, told of the call by its edge before it ended: the waiting events
    /// before its start first, as ``replay(_:)`` plays them. Its answer and end follow with
    /// ``schedule(_:_:subjects:)``.
    package mutating func begin(_ call: inout ObservedCall) -> (subjects: CallSubjects, findings: [Finding]) {
        admit(&call)
        var findings = flush(before: call.startedAt)
        let subjects = resolver.subjects(of: call)
        findings += observe(CallEvent(kind: .started, call: call, subjects: subjects))
        return (subjects, findings)
    }

    /// Schedules the answer or the end of a call begun with ``begin(_:)`` at its own time, as
    /// ``replay(_:)`` schedules a replayed call's.
    package mutating func schedule(_ kind: CallEvent.Kind, _ call: ObservedCall, subjects: CallSubjects) {
        var call = call
        admit(&call)
        let event = CallEvent(kind: kind, call: call, subjects: subjects)
        switch kind {
        case .started: pending.insert(event, at: call.startedAt)
        case .answered: pending.insert(event, at: call.answeredAt ?? call.startedAt)
        case .ended:
            pending.insert(event, at: max(call.endedAt ?? call.startedAt, call.answeredAt ?? call.startedAt))
        }
    }

    /// What the calls still up amount to at `time` (the quota rule's running cost).
    package mutating func project(at time: Date) -> [Finding] {
        var findings: [Finding] = []
        for index in analyzers.indices {
            let found = analyzers[index].project(at: time)
            findings += disabledRules.isEmpty ? found : found.filter { !disabledRules.contains($0.rule) }
        }
        return findings
    }

    /// Takes the quota table and the day raises as they are now (`tollguard quota set` or a
    /// raise in the console while `serve` runs): calls that start from now on are judged by them.
    package mutating func updateQuotas(_ quotas: [String: Int64], raises: QuotaRaises = [:]) {
        resolver = resolver.replacingQuotas(quotas, raises: raises)
    }

    /// Prepares a call for the analyzers, once, before its first event: a hotspot too few
    /// sources name is dropped, so it raises no severity.
    package func admit(_ call: inout ObservedCall) {
        if let strongHotspots, let hotspot = call.hotspot, !strongHotspots.contains(hotspot) {
            call.hotspot = nil
        }
    }

    /// Plays the answer and end events still waiting.
    package mutating func finish() -> [Finding] {
        flush(before: .distantFuture)
    }

    /// Plays the waiting answer and end events before `time` (and the ends at it), when no call
    /// still to come starts before `time`: a cluster's analyzer, whose sources promise that
    /// every call started before it has arrived.
    package mutating func advance(to time: Date) -> [Finding] {
        flush(before: time)
    }

    /// Plays the waiting events that happened before `time`, and the ends at `time`: a call that
    /// ends exactly when another starts is over before it.
    private mutating func flush(before time: Date) -> [Finding] {
        var findings: [Finding] = []
        while let next = pending.first, next < time || (next == time && pending.firstElement?.kind == .ended) {
            guard let event = pending.removeFirst() else { break }
            findings += observe(event)
        }
        return findings
    }
}
