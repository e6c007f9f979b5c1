import Foundation
import GRDB

extension TollGuardDatabase {
    /// Makes this store's quotas and raises those of its cluster (`quotas`, `raises`).
    ///
    /// They are what a node's live view and `quota list --local` then apply. Not journaled: the cluster journals
    /// each change where it is made. Returns whether anything changed.
    @discardableResult
    package func mirror(clusterQuotas quotas: [QuotaEntry], raises: [QuotaRaise]) async throws -> Bool {
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
        // Compared under a read: asked every few seconds, the writer (an edge's ingest) is taken
        // only for a change.
        let held = try await writer.read { db in
            (
                Set(try QuotaEntry.fetchAll(db)),
                Set(try Self.allRaises(db))
            )
        }
        guard held.0 != storedQuotas || held.1 != storedRaises else { return false }
        try await writer.write { db in
            try QuotaEntry.deleteAll(db)
            try db.execute(sql: "DELETE FROM quota_raises")
            for quota in storedQuotas { try quota.insert(db) }
            for raise in raises { try Self.upsert(raise, db) }
        }
        return true
    }

    /// Every raise, oldest day first: what a node copies into its cluster's once.
    package func allQuotaRaises() throws -> [QuotaRaise] {
        try writer.read { db in try Self.allRaises(db) }
    }

    private static func allRaises(_ db: Database) throws -> [QuotaRaise] {
        try Row.fetchAll(db, sql: "SELECT * FROM quota_raises ORDER BY day, account").map { try QuotaRaise(row: $0) }
    }
}
