import Foundation
import GRDB

extension TollGuardDatabase {
    /// Calls that started in `[from, to)`, in order of start, as the analyzers see them.
    package func forEachObservedCall(
        from: Date, to: Date, _ body: (ObservedCall) throws -> Void
    ) throws {
        try writer.read { db in try ObservedCall.forEachStarted(in: db, from: from, to: to, body) }
    }

    /// Spend per account of calls that started in `[from, to)`, largest first.
    ///
    /// A caller of one of
    /// `publicContexts` whose account is only its caller ID is a `.caller`, apart from the account
    /// of the same name (the rule of `Subject.account(_:callerNumber:context:publicContexts:)`).
    package func spendByAccount(from: Date, to: Date, publicContexts: [String], limit: Int? = nil) throws -> [(
        subject: Subject, calls: Int, costMicros: Int64
    )] {
        try writer.read { db in
            try AccountSpend.during(from: from, to: to, publicContexts: publicContexts, limit: limit).fetchAll(db)
                .map { ($0.subject, $0.calls, $0.costMicros) }
        }
    }

    /// Records a finished analysis run.
    package func recordAnalysisRun(
        from: Date, to: Date, started: Date, finished: Date, calls: Int, findings: Int, changes: AlertChanges
    ) throws {
        try writer.write { db in
            try AnalysisRunRow(
                from: from, to: to, started: started, finished: finished, calls: calls, findings: findings,
                newAlerts: changes.newCount, updatedAlerts: changes.updatedCount
            ).insert(db)
        }
    }
}

extension TollGuardDatabase {
    /// Sets (or replaces) an account's daily quota, journaled with the value before and `reason`.
    package func setQuota(
        account: String, dailyMicros: Int64, currency: String, setBy: String, reason: String? = nil,
        now: Date = Date()
    ) throws {
        try writer.write { db in
            let before = try QuotaEntry.fetchOne(db, key: account)
            let quota = QuotaEntry(
                account: account, dailyMicros: dailyMicros, currency: currency, setBy: setBy, setAt: now)
            try quota.upsert(db)
            var entry = JournalEntry.quotaSet(quota, before: before, reason: reason)
            try entry.insert(db)
        }
    }

    /// Removes an account's quota (the default applies again), journaled; false when it had none.
    package func removeQuota(account: String, removedBy actor: String = "", reason: String? = nil, now: Date = Date())
        throws -> Bool
    {
        try writer.write { db in
            guard let before = try QuotaEntry.fetchOne(db, key: account) else { return false }
            try before.delete(db)
            var entry = JournalEntry.quotaRemoved(before, by: actor, at: now, reason: reason)
            try entry.insert(db)
            return true
        }
    }

    /// The daily quotas in micro-units by account, as the engine takes them.
    package func quotaTable() throws -> [String: Int64] {
        Dictionary(try quotas().map { ($0.account, $0.dailyMicros) }, uniquingKeysWith: { $1 })
    }

    /// The daily quotas by account, without holding a thread of the cooperative pool.
    package func quotaTable() async throws -> [String: Int64] {
        let quotas = try await writer.read { db in try QuotaEntry.order(QuotaEntry.Columns.account).fetchAll(db) }
        return Dictionary(quotas.map { ($0.account, $0.dailyMicros) }, uniquingKeysWith: { $1 })
    }

    /// Each account quota with what its account spent in `[from, to)` (a local day): what
    /// `quota list` shows, and a review page will.
    package func quotaStatus(from: Date, to: Date, publicContexts: [String]) throws -> [(
        quota: QuotaEntry, spentMicros: Int64
    )] {
        let quotas = try quotas()
        guard !quotas.isEmpty else { return [] }
        let spend = Dictionary(
            try spendByAccount(from: from, to: to, publicContexts: publicContexts)
                .filter { $0.subject.kind == .account }.map { ($0.subject.value, $0.costMicros) },
            uniquingKeysWith: { $1 })
        return quotas.map { ($0, spend[$0.account] ?? 0) }
    }

    /// All quotas, by account.
    package func quotas() throws -> [QuotaEntry] {
        try writer.read { db in try QuotaEntry.order(QuotaEntry.Columns.account).fetchAll(db) }
    }

    /// The first and last call start in `[from, to)`, or nil when no call started then.
    package func callStartRange(from: Date, to: Date) throws -> (first: Date, last: Date)? {
        try writer.read { db in
            let row = try Row.fetchOne(
                db,
                SQLRequest<Row>(
                    sql: """
                        SELECT min(start_utc) AS first, max(start_utc) AS last FROM calls
                        WHERE start_utc >= ? AND start_utc < ?
                        """, arguments: [StoredTime.text(from), StoredTime.text(to)]))
            guard let row else { return nil }
            let stored = StoredRow(row, table: "calls", key: "first")
            guard let first = try stored.optionalDate("first"), let last = try stored.optionalDate("last") else {
                return nil
            }
            return (first, last)
        }
    }
}

extension TollGuardDatabase {
    /// Whether any stored call is of `account` (`quota set` warns about an account never seen).
    ///
    /// Scans `calls` until the first match: an interactive command's price for no index on accounts.
    package func hasCalls(ofAccount account: String) throws -> Bool {
        try writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM calls WHERE account = ?)", arguments: [account])
                ?? false
        }
    }
}
