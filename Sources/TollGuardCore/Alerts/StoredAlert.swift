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
    package var state: AlertState
    package var stateBy: String?
    package var stateAt: Date?
    package var stateComment: String?
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
