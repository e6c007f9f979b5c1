import Foundation
import GRDB

/// Where a watcher of the alerts table last looked: the highest alert id, and the latest
/// `updated_utc` with the alerts already seen at that second (times are stored to the second).
package struct AlertChangeMark: Sendable, Hashable {
    package var maxID: Int64
    package var updated: String
    package var seenAtUpdated: Set<Int64>
    /// The alerts changed lately and the change of each seen (a store whose changes may commit
    /// out of their time order looks back over them; the SQLite store writes one at a time).
    package var recent: [Int64: String] = [:]

    package init(maxID: Int64, updated: String, seenAtUpdated: Set<Int64> = [], recent: [Int64: String] = [:]) {
        self.maxID = maxID
        self.updated = updated
        self.seenAtUpdated = seenAtUpdated
        self.recent = recent
    }
}

/// What the console's live updates read: the alerts raised or changed since a mark, and the
/// tabs' counts after them.
package protocol AlertChangeFeed: Sendable {
    /// The mark of the alerts as they are now.
    func alertChangeMark() async throws -> AlertChangeMark
    /// The alerts raised or changed since `mark` (nothing when nil), at most `limit`, and the mark
    /// to ask with next.
    func alertsChanged(since mark: AlertChangeMark?, limit: Int) async throws -> (
        [AlertChangeSinceMark], AlertChangeMark
    )
    /// The alerts raised after alert `id`, oldest first, at most `limit`.
    func alerts(raisedAfter id: Int64, limit: Int) async throws -> [StoredAlert]
    /// How many alerts each tab holds for `user` at `now`.
    func reviewCounts(user: String, now: Date) async throws -> [ReviewTab: Int]
}

/// An alert raised or changed since a mark.
package struct AlertChangeSinceMark: Sendable, Hashable {
    package var alert: StoredAlert
    /// Raised since the mark (else changed: merged by analysis, or by a person).
    package var isNew: Bool

    package init(alert: StoredAlert, isNew: Bool) {
        self.alert = alert
        self.isNew = isNew
    }
}

extension TollGuardDatabase {
    /// The newest alert's id (0 when there is none).
    package func newestAlertID() throws -> Int64 {
        try writer.read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM alerts") ?? 0 }
    }

    /// The alerts raised after alert `id`, oldest first, at most `limit`.
    package func alerts(raisedAfter id: Int64, limit: Int) throws -> [StoredAlert] {
        try writer.read { db in
            try StoredAlert.filter(StoredAlert.Columns.id > id).order(StoredAlert.Columns.id).limit(limit).fetchAll(db)
        }
    }

    /// The mark of the alerts table as it is now.
    package func alertChangeMark() throws -> AlertChangeMark {
        try writer.read { db in
            let maxID = try Int64.fetchOne(db, sql: "SELECT max(id) FROM alerts") ?? 0
            let updated = try String.fetchOne(db, sql: "SELECT max(updated_utc) FROM alerts") ?? ""
            let seen = try Int64.fetchSet(db, sql: "SELECT id FROM alerts WHERE updated_utc = ?", arguments: [updated])
            return AlertChangeMark(maxID: maxID, updated: updated, seenAtUpdated: seen)
        }
    }

    /// The alerts raised or changed since `mark` (everything from now on when nil), at most
    /// `limit`, and the mark to ask with next.
    ///
    /// A change made twice within one second of the mark is seen once.
    package func alertsChanged(since mark: AlertChangeMark?, limit: Int = 200) throws
        -> ([AlertChangeSinceMark], AlertChangeMark)
    {
        guard let mark else { return ([], try alertChangeMark()) }
        return try writer.read { db in
            // The alerts already seen at the mark's second stay out in SQL: an analysis that
            // changes more than `limit` alerts in one second would otherwise fill every answer
            // with them, and no later change would ever be seen.
            let seen = "[" + mark.seenAtUpdated.sorted().map(String.init).joined(separator: ",") + "]"
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM alerts
                    WHERE id > ? OR updated_utc > ?
                       OR (updated_utc = ? AND id NOT IN (SELECT value FROM json_each(?)))
                    ORDER BY updated_utc, id LIMIT ?
                    """, arguments: [mark.maxID, mark.updated, mark.updated, seen, limit])
            var next = mark
            var changes: [AlertChangeSinceMark] = []
            for row in rows {
                let alert = try StoredAlert(row: row)
                let updated: String = row["updated_utc"] ?? ""
                let isNew = alert.id > mark.maxID
                changes.append(AlertChangeSinceMark(alert: alert, isNew: isNew))
                next.maxID = max(next.maxID, alert.id)
                if updated > next.updated {
                    next.updated = updated
                    next.seenAtUpdated = [alert.id]
                } else if updated == next.updated {
                    next.seenAtUpdated.insert(alert.id)
                }
            }
            return (changes, next)
        }
    }
}
