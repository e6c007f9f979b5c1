import Foundation

/// What a person does to an alert, from the console, the JSON API or the CLI.
package enum AlertChange: Sendable, Hashable {
    /// Someone is on it.
    case acknowledge
    /// Done with, and how it ended.
    case resolve(AlertDisposition)
    /// Not fraud: the rule stays quiet for the subject a while (the exception); with
    /// `closingMatching`, the other open alerts of the same rule and subject close with it.
    case falsePositive(FalsePositiveReason, closingMatching: Bool)
    /// Back to open (a false positive's exception ends).
    case reopen
    /// Out of the queue until a time, or until it gets worse than it is now.
    case snooze(SnoozeRequest)
    /// Back in the queue now.
    case unsnooze
    /// Someone works it (nil: no one).
    case assign(String?)
    /// A note in its timeline, nothing else.
    case comment

    /// The journal's name for it (`alert.acknowledged`, `alert.snoozed`…).
    package var action: String {
        switch self {
        case .acknowledge: "alert.acknowledged"
        case .resolve: "alert.resolved"
        case .falsePositive: "alert.false_positive"
        case .reopen: "alert.open"
        case .snooze: "alert.snoozed"
        case .unsnooze: "alert.unsnoozed"
        case .assign: "alert.assigned"
        case .comment: "alert.commented"
        }
    }

    /// The state it moves an alert to, when it moves one.
    package var state: AlertState? {
        switch self {
        case .acknowledge: .acknowledged
        case .resolve: .resolved
        case .falsePositive: .falsePositive
        case .reopen: .open
        case .snooze, .unsnooze, .assign, .comment: nil
        }
    }
}

/// How a resolved alert ended.
package enum AlertDisposition: String, Sendable, Hashable, CaseIterable, Codable {
    /// Fraud, stopped (suspended, blocked, password changed).
    case fraudStopped = "fraud_stopped"
    /// Fraud, and it cost money before it stopped.
    case fraudLoss = "fraud_loss"
    /// The customer confirmed the calls.
    case customerConfirmed = "customer_confirmed"
    /// Another alert covers it.
    case duplicate
    /// None of these.
    case other

    /// How people read it.
    package var label: String {
        switch self {
        case .fraudStopped: "fraud, stopped"
        case .fraudLoss: "fraud, with a loss"
        case .customerConfirmed: "customer confirmed the calls"
        case .duplicate: "duplicate of another alert"
        case .other: "other"
        }
    }
}

/// Why an alert was not fraud.
package enum FalsePositiveReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// The account's usual business (a call centre, a traveller).
    case expectedTraffic = "expected_traffic"
    /// Calls placed to test the switch or the detector.
    case testCalls = "test_calls"
    /// The rule's limit is too low for this subject.
    case thresholdTooLow = "threshold_too_low"
    /// The destination is known and wanted.
    case knownDestination = "known_destination"
    /// None of these.
    case other

    /// How people read it.
    package var label: String {
        switch self {
        case .expectedTraffic: "expected traffic"
        case .testCalls: "test calls"
        case .thresholdTooLow: "threshold too low"
        case .knownDestination: "known destination"
        case .other: "other"
        }
    }
}

/// What a snooze waits for, before it is fixed against an alert: a time, or getting worse than
/// the alert is when snoozed.
package struct SnoozeRequest: Sendable, Hashable {
    /// Back at this time.
    package var until: Date?
    /// Back once the alert costs this much more than now.
    package var moreCostMicros: Int64?
    /// Back once it has this many more calls.
    package var moreCalls: Int?
    /// Back once its calls reach a country they did not.
    package var newCountry = false

    package init(until: Date? = nil, moreCostMicros: Int64? = nil, moreCalls: Int? = nil, newCountry: Bool = false) {
        self.until = until
        self.moreCostMicros = moreCostMicros
        self.moreCalls = moreCalls
        self.newCountry = newCountry
    }

    /// Until it gets worse in any way: more money, five more calls, a new country.
    package static let untilWorse = SnoozeRequest(moreCostMicros: 0, moreCalls: 5, newCountry: true)

    /// The snooze of `alert`: its thresholds counted from what it is now.
    package func snooze(of alert: StoredAlert) -> AlertSnooze {
        AlertSnooze(
            until: until, worseThanCostMicros: moreCostMicros.map { alert.costMicros + max(0, $0) },
            worseAtCalls: moreCalls.map { alert.callCount + max(1, $0) },
            worseAtCountries: newCountry ? alert.countryCount : nil)
    }
}
