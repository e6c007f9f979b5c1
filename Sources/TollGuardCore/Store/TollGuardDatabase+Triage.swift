import Foundation
import GRDB

extension TollGuardDatabase {
    /// Snoozes an open or acknowledged alert until `snooze` says, journaled as `alert.snoozed`.
    package func snoozeAlert(id: Int64, _ snooze: AlertSnooze, actor: String, comment: String?, now: Date = Date())
        throws(AlertStateError) -> StoredAlert
    {
        try changeAlert(id: id, now: now) { db, alert in
            guard alert.state == .open || alert.state == .acknowledged else {
                throw AlertStateError.notSnoozable(id: id, state: alert.state)
            }
            try db.execute(
                sql: """
                    UPDATE alerts SET snoozed_until_utc = ?, snooze_cost_micros = ?, snooze_calls = ?, updated_utc = ?
                    WHERE id = ?
                    """,
                arguments: [
                    StoredTime.optionalText(snooze.until), snooze.worseThanCostMicros, snooze.worseAtCalls,
                    StoredTime.text(now), id,
                ])
            return JournalEntry(
                at: now, actor: actor, action: "alert.snoozed", subjectType: "alert", subject: String(id),
                after: snooze.description, note: comment)
        }
    }

    /// Ends an alert's snooze now, journaled as `alert.unsnoozed`.
    package func unsnoozeAlert(id: Int64, actor: String, comment: String?, now: Date = Date())
        throws(AlertStateError) -> StoredAlert
    {
        try changeAlert(id: id, now: now) { db, alert in
            try Self.clearSnooze(id, db)
            return JournalEntry(
                at: now, actor: actor, action: "alert.unsnoozed", subjectType: "alert", subject: String(id),
                before: alert.snooze?.description, note: comment)
        }
    }

    /// Assigns an alert to `assignee` (nil: to no one), journaled as `alert.assigned`.
    package func assignAlert(id: Int64, to assignee: String?, actor: String, now: Date = Date())
        throws(AlertStateError) -> StoredAlert
    {
        try changeAlert(id: id, now: now) { db, alert in
            try db.execute(
                sql: "UPDATE alerts SET assignee = ?, updated_utc = ? WHERE id = ?",
                arguments: [assignee, StoredTime.text(now), id])
            return JournalEntry(
                at: now, actor: actor, action: "alert.assigned", subjectType: "alert", subject: String(id),
                before: alert.assignee, after: assignee ?? "no one")
        }
    }

    static func clearSnooze(_ id: Int64, _ db: Database) throws {
        try db.execute(
            sql:
                "UPDATE alerts SET snoozed_until_utc = NULL, snooze_cost_micros = NULL, snooze_calls = NULL WHERE id = ?",
            arguments: [id])
    }

    /// Runs `change` on alert `id` in one transaction with its journal entry; returns the alert after.
    private func changeAlert(
        id: Int64, now: Date, _ change: @escaping (Database, StoredAlert) throws -> JournalEntry
    ) throws(AlertStateError) -> StoredAlert {
        do {
            return try writer.write { db in
                guard let alert = try StoredAlert.fetchOne(db, key: id) else { throw AlertStateError.noSuchAlert(id) }
                var entry = try change(db, alert)
                try entry.insert(db)
                return try StoredAlert.fetchOne(db, key: id) ?? alert
            }
        } catch let error as AlertStateError {
            throw error
        } catch {
            throw AlertStateError.store("\(error)")
        }
    }
}
