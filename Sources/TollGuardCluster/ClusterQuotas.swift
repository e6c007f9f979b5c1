import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The cluster's daily quotas and their raises: what `tollguard quota` sets on any node of a
/// cluster and what the leading analyzer's engine takes, so that every analyzer node applies the
/// same ones and a takeover keeps them. Each change is journaled in `cluster_journal` as the
/// single box journals it.
extension ClusterStore {
    /// Sets (or replaces) `quota.account`'s daily quota, journaled with the value before and `reason`.
    package func setQuota(_ quota: QuotaEntry, reason: String?) async throws {
        let logger = self.logger
        try await client.inTransaction(logger: logger) { connection in
            let before = try await Self.quota(of: quota.account, lockedOn: connection, logger: logger)
            try await connection.answer(
                """
                INSERT INTO cluster_quotas (account, daily_micros, currency, set_by, set_utc)
                VALUES (\(quota.account), \(quota.dailyMicros), \(quota.currency), \(quota.setBy), \(quota.setAt))
                ON CONFLICT (account) DO UPDATE SET daily_micros = excluded.daily_micros,
                    currency = excluded.currency, set_by = excluded.set_by, set_utc = excluded.set_utc
                """, logger: logger)
            try await Self.journal(.quotaSet(quota, before: before, reason: reason), on: connection, logger: logger)
        }
    }

    /// Removes `account`'s quota (the configured default applies again), journaled; false when it had none.
    package func removeQuota(account: String, removedBy actor: String, reason: String?, now: Date = Date())
        async throws -> Bool
    {
        let logger = self.logger
        return try await client.inTransaction(logger: logger) { connection in
            guard let before = try await Self.quota(of: account, lockedOn: connection, logger: logger) else {
                return false
            }
            try await connection.answer("DELETE FROM cluster_quotas WHERE account = \(account)", logger: logger)
            try await Self.journal(
                .quotaRemoved(before, by: actor, at: now, reason: reason), on: connection, logger: logger)
            return true
        }
    }

    /// Raises `raise.account`'s quota for `raise.day` (replacing an earlier raise of that day),
    /// journaled as `quota.raised` with the quota it replaces that day (an earlier raise, else
    /// the standing quota under `analysis`) and the reason.
    package func raiseQuota(_ raise: QuotaRaise, analysis: AnalysisSettings) async throws {
        let logger = self.logger
        try await client.inTransaction(logger: logger) { connection in
            let standing = try await Self.quota(of: raise.account, lockedOn: connection, logger: logger)
            var earlier: Int64?
            for try await micros in try await connection.answer(
                """
                SELECT daily_micros FROM cluster_quota_raises
                WHERE account = \(raise.account) AND day = \(raise.day)::date FOR UPDATE
                """, logger: logger
            ).decode(Int64.self) {
                earlier = micros
            }
            try await connection.answer(
                """
                INSERT INTO cluster_quota_raises (account, day, daily_micros, currency, reason, set_by, set_utc)
                VALUES (\(raise.account), \(raise.day)::date, \(raise.dailyMicros), \(raise.currency), \(raise.reason),
                    \(raise.setBy), \(raise.setAt))
                ON CONFLICT (account, day) DO UPDATE SET daily_micros = excluded.daily_micros,
                    currency = excluded.currency, reason = excluded.reason, set_by = excluded.set_by,
                    set_utc = excluded.set_utc
                """, logger: logger)
            let replaced =
                earlier
                ?? PolicyResolver.standingQuota(
                    of: raise.account, analysis: analysis,
                    quotas: standing.map { [$0.account: $0.dailyMicros] } ?? [:])
            try await Self.journal(.quotaRaised(raise, replaced: replaced), on: connection, logger: logger)
        }
    }

    /// Every quota, by account.
    package func quotas() async throws -> [QuotaEntry] {
        let rows = try await client.query(
            "SELECT account, daily_micros, currency, set_by, set_utc FROM cluster_quotas ORDER BY account",
            logger: logger)
        var quotas: [QuotaEntry] = []
        for try await (account, micros, currency, setBy, setAt) in rows.decode(
            (String, Int64, String, String, Date).self)
        {
            quotas.append(
                QuotaEntry(account: account, dailyMicros: micros, currency: currency, setBy: setBy, setAt: setAt))
        }
        return quotas
    }

    /// The daily quotas in micro-units by account, as the engine takes them.
    package func quotaTable() async throws -> [String: Int64] {
        Dictionary(try await quotas().map { ($0.account, $0.dailyMicros) }, uniquingKeysWith: { $1 })
    }

    /// The raises of `day` (`YYYY-MM-DD`, site time), by account.
    package func quotaRaises(onDay day: String) async throws -> [String: QuotaRaise] {
        Dictionary(try await raises(onDay: day).map { ($0.account, $0) }, uniquingKeysWith: { $1 })
    }

    /// Every raise, as the engine takes them.
    package func quotaRaises() async throws -> QuotaRaises {
        var raises: QuotaRaises = [:]
        for raise in try await self.raises(onDay: nil) {
            raises[raise.account, default: [:]][raise.dayNumber] = raise.dailyMicros
        }
        return raises
    }

    /// Copies `quotas` and `raises` (a node's own store's) into the cluster's, once per `node`.
    ///
    /// What the cluster has already wins. Nil when the node's were copied before; else how many
    /// of each were new.
    package func importQuotas(of node: String, quotas: [QuotaEntry], raises: [QuotaRaise], now: Date = Date())
        async throws -> (quotas: Int, raises: Int)?
    {
        let logger = self.logger
        return try await client.inTransaction(logger: logger) { connection in
            let claimed = try await Self.rowCount(
                connection.answer(
                    """
                    INSERT INTO cluster_quota_imports (node, at_utc, quotas, raises) VALUES (\(node), \(now), 0, 0)
                    ON CONFLICT (node) DO NOTHING RETURNING node
                    """, logger: logger))
            guard claimed > 0 else { return nil }
            var added = (quotas: 0, raises: 0)
            for quota in quotas {
                added.quotas += try await Self.rowCount(
                    connection.answer(
                        """
                        INSERT INTO cluster_quotas (account, daily_micros, currency, set_by, set_utc)
                        VALUES (\(quota.account), \(quota.dailyMicros), \(quota.currency), \(quota.setBy),
                            \(quota.setAt))
                        ON CONFLICT (account) DO NOTHING RETURNING account
                        """, logger: logger))
            }
            for raise in raises {
                added.raises += try await Self.rowCount(
                    connection.answer(
                        """
                        INSERT INTO cluster_quota_raises (account, day, daily_micros, currency, reason, set_by, set_utc)
                        VALUES (\(raise.account), \(raise.day)::date, \(raise.dailyMicros), \(raise.currency),
                            \(raise.reason), \(raise.setBy), \(raise.setAt))
                        ON CONFLICT (account, day) DO NOTHING RETURNING account
                        """, logger: logger))
            }
            try await connection.answer(
                """
                UPDATE cluster_quota_imports SET quotas = \(added.quotas), raises = \(added.raises)
                WHERE node = \(node)
                """, logger: logger)
            return added
        }
    }

    /// The raises of `day` (`YYYY-MM-DD`), or every raise (nil).
    package func raises(onDay day: String?) async throws -> [QuotaRaise] {
        let rows = try await client.query(
            """
            SELECT account, day::text, daily_micros, currency, reason, set_by, set_utc FROM cluster_quota_raises
            WHERE \(day)::date IS NULL OR day = \(day)::date ORDER BY account, day
            """, logger: logger)
        var raises: [QuotaRaise] = []
        for try await (account, day, micros, currency, reason, setBy, setAt)
            in rows.decode((String, String, Int64, String, String, String, Date).self)
        {
            raises.append(
                QuotaRaise(
                    account: account, day: day, dailyMicros: micros, currency: currency, reason: reason,
                    setBy: setBy, setAt: setAt))
        }
        return raises
    }

    /// `account`'s quota, its row locked until the transaction ends; nil when it has none.
    private static func quota(of account: String, lockedOn connection: PostgresConnection, logger: Logger)
        async throws -> QuotaEntry?
    {
        let rows = try await connection.answer(
            """
            SELECT daily_micros, currency, set_by, set_utc FROM cluster_quotas WHERE account = \(account) FOR UPDATE
            """, logger: logger)
        for try await (micros, currency, setBy, setAt) in rows.decode((Int64, String, String, Date).self) {
            return QuotaEntry(account: account, dailyMicros: micros, currency: currency, setBy: setBy, setAt: setAt)
        }
        return nil
    }
}
