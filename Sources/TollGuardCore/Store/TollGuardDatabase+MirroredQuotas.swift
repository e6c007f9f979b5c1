import Foundation
import GRDB

extension TollGuardDatabase {
    /// Makes this store's quotas and raises those of its cluster (`quotas`, `raises`).
    ///
    /// They are what a node's live view and `quota list --local` then apply. Not journaled: the cluster journals
    /// each change where it is made. Returns whether anything changed.
    @discardableResult
    package func mirror(clusterQuotas quotas: [QuotaEntry], raises: [QuotaRaise]) async throws -> Bool {
        try await writer.write { db in
            // As stored: whole seconds.
            let storedQuotas = Set(
                quotas.map {
                    QuotaEntry(
                        account: $0.account, dailyMicros: $0.dailyMicros, currency: $0.currency, setBy: $0.setBy,
                        setAt: StoredTime.date(StoredTime.text($0.setAt)) ?? $0.setAt)
                })
            let storedRaises = Set(
                raises.map { raise in
                    var stored = raise
                    stored.setAt = StoredTime.date(StoredTime.text(raise.setAt)) ?? raise.setAt
                    return stored
                })
            let held = Set(try QuotaEntry.fetchAll(db))
            let heldRaises = Set(
                try Row.fetchAll(db, sql: "SELECT * FROM quota_raises").map { try QuotaRaise(row: $0) })
            guard held != storedQuotas || heldRaises != storedRaises else { return false }
            try QuotaEntry.deleteAll(db)
            try db.execute(sql: "DELETE FROM quota_raises")
            for quota in storedQuotas { try quota.insert(db) }
            for raise in raises {
                try db.execute(
                    sql: """
                        INSERT INTO quota_raises (account, day, daily_micros, currency, reason, set_by, set_utc)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        raise.account, raise.day, raise.dailyMicros, raise.currency, raise.reason, raise.setBy,
                        StoredTime.text(raise.setAt),
                    ])
            }
            return true
        }
    }

    /// Every raise, oldest day first: what a node copies into its cluster's once.
    package func allQuotaRaises() throws -> [QuotaRaise] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM quota_raises ORDER BY day, account").map {
                try QuotaRaise(row: $0)
            }
        }
    }
}
