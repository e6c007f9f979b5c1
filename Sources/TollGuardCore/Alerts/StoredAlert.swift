import Foundation

/// Where an alert is in its life: `open` → `acknowledged` → `resolved`, or `false_positive`.
package enum AlertState: String, Sendable, Hashable, CaseIterable, Codable {
    case open
    case acknowledged
    case resolved
    case falsePositive = "false_positive"

    /// States an alert may move to from this one.
    package var successors: Set<AlertState> {
        switch self {
        case .open: [.acknowledged, .resolved, .falsePositive]
        case .acknowledged: [.open, .resolved, .falsePositive]
        case .resolved: [.open, .falsePositive]
        case .falsePositive: [.open]
        }
    }
}

/// An alert as stored.
package struct StoredAlert: Sendable, Hashable {
    package var id: Int64
    package var rule: String
    package var severity: Severity
    package var subject: Subject
    package var windowKey: String?
    package var firstSeen: Date
    package var lastSeen: Date
    package var summary: String
    package var headline: String
    package var metrics: [String: MetricValue]
    package var callCount: Int
    package var costMicros: Int64
    /// How many countries its evidence calls reach.
    package var countryCount = 0
    package var state: AlertState
    package var stateBy: String?
    package var stateAt: Date?
    package var stateComment: String?
    /// Kept out of the queue until a time or until it gets worse; nil when not snoozed.
    package var snooze: AlertSnooze? = nil
    /// Who is working it; nil when no one.
    package var assignee: String? = nil

    package init(
        id: Int64, rule: String, severity: Severity, subject: Subject, windowKey: String?, firstSeen: Date,
        lastSeen: Date, summary: String, headline: String, metrics: [String: MetricValue], callCount: Int,
        costMicros: Int64, countryCount: Int = 0, state: AlertState, stateBy: String? = nil, stateAt: Date? = nil,
        stateComment: String? = nil
    ) {
        self.id = id
        self.rule = rule
        self.severity = severity
        self.subject = subject
        self.windowKey = windowKey
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.summary = summary
        self.headline = headline
        self.metrics = metrics
        self.callCount = callCount
        self.costMicros = costMicros
        self.countryCount = countryCount
        self.state = state
        self.stateBy = stateBy
        self.stateAt = stateAt
        self.stateComment = stateComment
    }

    /// Whether the alert is out of the queue at `now`: snoozed, and neither the time nor the
    /// worsening it waits for has come.
    package func isSnoozed(at now: Date) -> Bool {
        snooze?.holds(costMicros: costMicros, callCount: callCount, countryCount: countryCount, at: now) ?? false
    }
}

/// What a snoozed alert waits for: a time, or getting worse (more money, more calls).
package struct AlertSnooze: Sendable, Hashable, CustomStringConvertible {
    /// Back in the queue at this time.
    package var until: Date?
    /// Back in the queue once its calls cost more than this.
    package var worseThanCostMicros: Int64?
    /// Back in the queue once it has this many calls.
    package var worseAtCalls: Int?
    /// Back in the queue once its calls reach more countries than this.
    package var worseAtCountries: Int?

    package init(
        until: Date? = nil, worseThanCostMicros: Int64? = nil, worseAtCalls: Int? = nil, worseAtCountries: Int? = nil
    ) {
        self.until = until
        self.worseThanCostMicros = worseThanCostMicros
        self.worseAtCalls = worseAtCalls
        self.worseAtCountries = worseAtCountries
    }

    /// Whether it still holds at `now` for an alert of these figures: neither the time nor the
    /// worsening it waits for has come.
    package func holds(costMicros: Int64, callCount: Int, countryCount: Int, at now: Date) -> Bool {
        if let until, now >= until { return false }
        if let worseThanCostMicros, costMicros > worseThanCostMicros { return false }
        if let worseAtCalls, callCount >= worseAtCalls { return false }
        if let worseAtCountries, countryCount > worseAtCountries { return false }
        return true
    }

    /// Whether it waits for anything at all.
    package var isEmpty: Bool {
        until == nil && worseThanCostMicros == nil && worseAtCalls == nil && worseAtCountries == nil
    }

    /// `until 2026-12-03 18:00:00 UTC`, `until it costs more than 12.50 or reaches 9 calls`.
    package var description: String {
        var parts: [String] = []
        if let until { parts.append("until \(StoredTime.text(until)) UTC") }
        var worse: [String] = []
        if let worseThanCostMicros { worse.append("costs more than \(Money.format(worseThanCostMicros, decimals: 2))") }
        if let worseAtCalls { worse.append("reaches \(worseAtCalls) calls") }
        if worseAtCountries != nil { worse.append("calls a new country") }
        if !worse.isEmpty { parts.append("until it " + worse.joined(separator: " or ")) }
        return parts.joined(separator: ", ")
    }

    /// The SQL condition (on `alerts`) under which a snooze still holds at the bound time `?`.
    ///
    /// Its first term is the condition of the partial index `alerts_snoozed` (migration
    /// v17-review-counts), word for word, so the tab counts read that index.
    static let holdsSQL = """
        (snoozed_until_utc IS NOT NULL OR snooze_cost_micros IS NOT NULL OR snooze_calls IS NOT NULL
            OR snooze_countries IS NOT NULL)
        AND (snoozed_until_utc IS NULL OR snoozed_until_utc > ?)
        AND (snooze_cost_micros IS NULL OR cost_micros <= snooze_cost_micros)
        AND (snooze_calls IS NULL OR call_count < snooze_calls)
        AND (snooze_countries IS NULL OR country_count <= snooze_countries)
        """
}

/// One evidence call of an alert, with what the store knows of it.
package struct AlertCall: Sendable, Hashable {
    package var key: String
    package var time: Date
    package var number: String
    package var region: String?
    package var costMicros: Int64
    /// From `calls`, when the call is stored there.
    package var account: String?
    package var dialed: String?
    package var destinationClass: String?
    package var numberType: String?
    package var risk: String?
    package var billsec: Int?
    package var disposition: String?
    /// The caller name the CDR carries: attacker-controlled text.
    package var callerName: String? = nil
    /// The switch that carried the call, when it came from a live switch.
    package var switchName: String? = nil

    package init(
        key: String, time: Date, number: String, region: String?, costMicros: Int64, account: String? = nil,
        dialed: String? = nil, destinationClass: String? = nil, numberType: String? = nil, risk: String? = nil,
        billsec: Int? = nil, disposition: String? = nil, callerName: String? = nil, switchName: String? = nil
    ) {
        self.key = key
        self.time = time
        self.number = number
        self.region = region
        self.costMicros = costMicros
        self.account = account
        self.dialed = dialed
        self.destinationClass = destinationClass
        self.numberType = numberType
        self.risk = risk
        self.billsec = billsec
        self.disposition = disposition
        self.callerName = callerName
        self.switchName = switchName
    }
}

extension [AlertCall] {
    /// Calls and cost per switch, in the order the switches first appear.
    ///
    /// An account that calls through several switches is one subject; this shows what each
    /// switch carried. Calls of no named switch are left out; empty unless two switches or more
    /// appear.
    package var totalsBySwitch: [(switchName: String, calls: Int, costMicros: Int64)] {
        var totals: [(switchName: String, calls: Int, costMicros: Int64)] = []
        for call in self {
            guard let name = call.switchName else { continue }
            if let index = totals.firstIndex(where: { $0.switchName == name }) {
                totals[index].calls += 1
                totals[index].costMicros += call.costMicros
            } else {
                totals.append((name, 1, call.costMicros))
            }
        }
        return totals.count > 1 ? totals : []
    }
}

/// A change of state, with who made it and why.
package struct AlertStateChange: Sendable, Hashable {
    package var state: AlertState
    package var actor: String
    package var at: Date
    package var comment: String?
}

/// Which alerts to list.
package struct AlertFilter: Sendable {
    package var states: Set<AlertState> = []
    package var minimumSeverity: Severity?
    /// Alerts last seen at or after this.
    package var since: Date?
    /// Alerts first seen before this.
    package var before: Date?
    package var limit: Int?

    package init(
        states: Set<AlertState> = [], minimumSeverity: Severity? = nil, since: Date? = nil, before: Date? = nil,
        limit: Int? = nil
    ) {
        self.states = states
        self.minimumSeverity = minimumSeverity
        self.since = since
        self.before = before
        self.limit = limit
    }
}

/// What applying a run's drafts did to the alerts.
package struct AlertChanges: Sendable, Hashable {
    package var new: [Severity: Int] = [:]
    package var updated: [Severity: Int] = [:]
    package var unchanged = 0
    package var suppressed = 0
    package var newIDs: [Int64] = []

    package init() {}

    package var newCount: Int { new.values.reduce(0, +) }
    package var updatedCount: Int { updated.values.reduce(0, +) }
}
