import Foundation

/// What a person's change does to one alert, decided before a store writes it: the alert as it
/// will be, its journal entry, and what becomes of the quiet time a false positive gives its
/// rule for its subject.
///
/// The single box's store and the cluster's write the same plan, so triage means the same on both.
package struct PlannedAlertChange: Sendable, Hashable {
    /// What becomes of the rule's quiet time for the alert's subject.
    package enum Quiet: Sendable, Hashable {
        /// Nothing changes.
        case unchanged
        /// The rule stays quiet for the subject over this span (a false positive).
        case starts(from: Date, until: Date)
        /// The quiet time this alert gave ends (reopened).
        case ends
    }

    package var after: StoredAlert
    package var entry: JournalEntry
    package var quiet: Quiet
    /// Whether the alert's state moves (and its history gets a line).
    package var movesState: Bool
}

extension AlertChange {
    /// The plan of this change to `alert`, or why it does not fit.
    ///
    /// A state moves only where `alert`'s state allows it, and a person's decision ends any
    /// snooze; only an open or acknowledged alert snoozes; a false positive keeps its rule quiet
    /// for its subject from the alert's first call until `suppressFor` after now (or after its
    /// last call, when that is later).
    package func planned(
        for alert: StoredAlert, actor: String, comment: String?, suppressFor: TimeInterval, now: Date
    ) throws(AlertStateError) -> PlannedAlertChange {
        var after = alert
        var entry = JournalEntry(
            at: now, actor: actor, action: action, subjectType: "alert", subject: String(alert.id), note: comment)
        var quiet = PlannedAlertChange.Quiet.unchanged
        if let state {
            guard alert.state.successors.contains(state) else {
                throw AlertStateError.notAllowed(id: alert.id, from: alert.state, to: state)
            }
            (after.state, after.stateBy, after.stateAt, after.stateComment) = (state, actor, now, comment)
            after.snooze = nil
            entry.before = alert.state.rawValue
            entry.after = state.rawValue
            switch self {
            case .reopen:
                quiet = .ends
            case .falsePositive(let reason, _):
                entry.after = "\(state.rawValue) (\(reason.label))"
                quiet = .starts(from: alert.firstSeen, until: max(now, alert.lastSeen).addingTimeInterval(suppressFor))
            case .resolve(let disposition):
                entry.after = "\(state.rawValue) (\(disposition.label))"
            default:
                break
            }
            return PlannedAlertChange(after: after, entry: entry, quiet: quiet, movesState: true)
        }
        switch self {
        case .snooze(let request):
            guard alert.state == .open || alert.state == .acknowledged else {
                throw AlertStateError.notSnoozable(id: alert.id, state: alert.state)
            }
            let snooze = request.snooze(of: alert)
            guard !snooze.isEmpty else { throw AlertStateError.notSnoozable(id: alert.id, state: alert.state) }
            after.snooze = snooze
            entry.after = snooze.description
        case .unsnooze:
            after.snooze = nil
            entry.before = alert.snooze?.description
        case .assign(let assignee):
            after.assignee = assignee
            entry.before = alert.assignee
            entry.after = assignee ?? "no one"
        default:
            break  // a comment: the journal entry is all
        }
        return PlannedAlertChange(after: after, entry: entry, quiet: quiet, movesState: false)
    }

    /// The change a false positive closing matching alerts makes to each of the others.
    package func closingWith(_ id: Int64, comment: String?) -> (change: AlertChange, comment: String)? {
        guard case .falsePositive(let reason, closingMatching: true) = self else { return nil }
        return (
            .falsePositive(reason, closingMatching: false),
            "closed with alert \(id)" + (comment.map { ": " + $0 } ?? "")
        )
    }
}
