import Foundation
import GRDB

/// One alert a person's change reached: as it was, as it is, and its journal entry.
package struct AlertChangeOutcome: Sendable, Hashable {
    package var before: StoredAlert
    package var after: StoredAlert
    package var entry: JournalEntry

    package init(before: StoredAlert, after: StoredAlert, entry: JournalEntry) {
        self.before = before
        self.after = after
        self.entry = entry
    }
}

/// What a change asked of several alerts did: the alerts changed (those a false positive closed
/// with it included) and the ones refused, with why.
package struct TriageResult: Sendable {
    package var changed: [AlertChangeOutcome] = []
    package var refused: [(id: Int64, error: AlertStateError)] = []

    package init() {}
}

extension TollGuardDatabase {
    /// Applies `change` to every alert of `ids` in one transaction, each journaled; an alert the
    /// change does not fit (closed and asked to snooze, say) is refused, the others change.
    package func changeAlerts(
        _ ids: [Int64], _ change: AlertChange, actor: String, comment: String?, suppressFor: TimeInterval,
        now: Date = Date()
    ) throws -> TriageResult {
        try writer.write { db in
            try AlertTriage.change(
                ids, change, actor: actor, comment: comment, suppressFor: suppressFor, hooks: [], now: now, db)
        }
    }

    /// Moves an alert to `state`, recording who, when and why.
    ///
    /// Marking it a false positive also keeps its rule quiet for its subject from the alert's
    /// first call until `suppressFor` after now; reopening it (`open`) ends that quiet time.
    package func setAlertState(
        id: Int64, to state: AlertState, actor: String, comment: String?, suppressFor: TimeInterval, now: Date = Date()
    ) throws(AlertStateError) -> StoredAlert {
        let change: AlertChange =
            switch state {
            case .open: .reopen
            case .acknowledged: .acknowledge
            case .resolved: .resolve(.other)
            case .falsePositive: .falsePositive(.other, closingMatching: false)
            }
        return try changeAlert(id, change, actor: actor, comment: comment, suppressFor: suppressFor, now: now)
    }

    /// Snoozes an open or acknowledged alert until `snooze` says, journaled as `alert.snoozed`.
    package func snoozeAlert(id: Int64, _ snooze: SnoozeRequest, actor: String, comment: String?, now: Date = Date())
        throws(AlertStateError) -> StoredAlert
    {
        try changeAlert(id, .snooze(snooze), actor: actor, comment: comment, suppressFor: 0, now: now)
    }

    /// Ends an alert's snooze now, journaled as `alert.unsnoozed`.
    package func unsnoozeAlert(id: Int64, actor: String, comment: String?, now: Date = Date())
        throws(AlertStateError) -> StoredAlert
    {
        try changeAlert(id, .unsnooze, actor: actor, comment: comment, suppressFor: 0, now: now)
    }

    /// Assigns an alert to `assignee` (nil: to no one), journaled as `alert.assigned`.
    package func assignAlert(id: Int64, to assignee: String?, actor: String, now: Date = Date())
        throws(AlertStateError) -> StoredAlert
    {
        try changeAlert(id, .assign(assignee), actor: actor, comment: nil, suppressFor: 0, now: now)
    }

    /// One alert's change; its refusal thrown.
    private func changeAlert(
        _ id: Int64, _ change: AlertChange, actor: String, comment: String?, suppressFor: TimeInterval, now: Date
    ) throws(AlertStateError) -> StoredAlert {
        let result: TriageResult
        do {
            result = try changeAlerts([id], change, actor: actor, comment: comment, suppressFor: suppressFor, now: now)
        } catch {
            throw AlertStateError.store("\(error)")
        }
        if let refused = result.refused.first { throw refused.error }
        guard let outcome = result.changed.first(where: { $0.after.id == id }) else {
            throw AlertStateError.noSuchAlert(id)
        }
        return outcome.after
    }
}

/// Triage inside a transaction: each change journaled, and — for the hooks given — an
/// `alert_changed` event queued in the same transaction.
package enum AlertTriage {
    /// Applies `change` to each alert of `ids`; see ``TollGuardDatabase/changeAlerts(_:_:actor:comment:suppressFor:now:)``.
    package static func change(
        _ ids: [Int64], _ change: AlertChange, actor: String, comment: String?, suppressFor: TimeInterval,
        hooks: [HookSettings], now: Date, _ db: Database
    ) throws -> TriageResult {
        var result = TriageResult()
        let comment = comment.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        var seen: Set<Int64> = []
        for id in ids where seen.insert(id).inserted {
            guard let alert = try StoredAlert.fetchOne(db, key: id) else {
                result.refused.append((id, .noSuchAlert(id)))
                continue
            }
            do {
                result.changed.append(
                    try apply(change, to: alert, actor: actor, comment: comment, suppressFor: suppressFor, now: now, db)
                )
            } catch let error as AlertStateError {
                result.refused.append((id, error))
                continue
            }
            if let closing = change.closingWith(id, comment: comment) {
                for other in try StoredAlert.matchingOpen(alert).fetchAll(db) where seen.insert(other.id).inserted {
                    result.changed.append(
                        try apply(
                            closing.change, to: other, actor: actor, comment: closing.comment,
                            suppressFor: suppressFor, now: now, db))
                }
            }
        }
        let subscribed = hooks.filter { $0.events.contains(.alertChanged) }
        if !subscribed.isEmpty {
            for outcome in result.changed {
                try Outbox.enqueue(HookEvent.about(outcome, now: now), hooks: subscribed, now: now, db)
            }
        }
        return result
    }

    private static func apply(
        _ change: AlertChange, to alert: StoredAlert, actor: String, comment: String?, suppressFor: TimeInterval,
        now: Date, _ db: Database
    ) throws -> AlertChangeOutcome {
        let plan = try change.planned(for: alert, actor: actor, comment: comment, suppressFor: suppressFor, now: now)
        let (id, after) = (alert.id, plan.after)
        if change != .comment {
            let snooze = after.snooze
            try db.execute(
                sql: """
                    UPDATE alerts SET state = ?, state_by = ?, state_utc = ?, state_comment = ?,
                        snoozed_until_utc = ?, snooze_cost_micros = ?, snooze_calls = ?, snooze_countries = ?,
                        assignee = ?, updated_utc = ?
                    WHERE id = ?
                    """,
                arguments: [
                    after.state.rawValue, after.stateBy, StoredTime.optionalText(after.stateAt), after.stateComment,
                    StoredTime.optionalText(snooze?.until), snooze?.worseThanCostMicros, snooze?.worseAtCalls,
                    snooze?.worseAtCountries, after.assignee, StoredTime.text(now), id,
                ])
        }
        if plan.movesState {
            try AlertHistoryRow(
                alertID: id, change: AlertStateChange(state: after.state, actor: actor, at: now, comment: comment)
            ).insert(db)
        }
        switch plan.quiet {
        case .unchanged:
            break
        case .ends:
            try AlertSuppressionRow.filter(AlertSuppressionRow.Columns.alertID == id).deleteAll(db)
        case .starts(let from, let until):
            try AlertSuppressionRow(rule: alert.rule, subject: alert.subject, from: from, until: until, alertID: id)
                .insert(db, onConflict: .ignore)
        }
        var entry = plan.entry
        try entry.insert(db)
        return AlertChangeOutcome(before: alert, after: try StoredAlert.fetchOne(db, key: id) ?? after, entry: entry)
    }
}
