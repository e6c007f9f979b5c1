import Foundation
import GRDB
import GRDBSQLite

/// A daily quota set with `tollguard quota set`.
package struct QuotaEntry: Sendable, Hashable {
    package var account: String
    package var dailyMicros: Int64
    package var currency: String
    package var setBy: String
    package var setAt: Date
}

extension TollGuardDatabase {
    /// Calls that started in `[from, to)`, in order of start, as the analyzers see them.
    ///
    /// Reads straight from SQLite's columns: one pass, no per-row `Row` boxing.
    package func forEachObservedCall(
        from: Date, to: Date, _ body: (ObservedCall) throws -> Void
    ) throws {
        try writer.read { db in
            let statement = try db.makeStatement(
                sql: """
                    SELECT id, dedup_key, account, source_ip, trunk, context, destination, dest_scope, dest_e164,
                           dest_region, dest_type, dest_risk, dest_hotspot, rate_per_min_micros, cost_micros,
                           start_utc, answer_utc, end_utc, billsec, disposition, caller_number
                    FROM calls WHERE start_utc >= ? AND start_utc < ? ORDER BY start_utc, id
                    """)
            try statement.setArguments([CivilTime.utcText(from), CivilTime.utcText(to)])
            let handle = statement.sqliteStatement
            var risks: [String: RiskFlags] = [:]
            while true {
                let step = sqlite3_step(handle)
                if step == SQLITE_DONE { break }
                guard step == SQLITE_ROW else {
                    throw DatabaseError(
                        resultCode: ResultCode(rawValue: step),
                        message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                guard let startedAt = Self.date(handle, 15) else { continue }
                let riskText = Self.text(handle, 11)
                let risk: RiskFlags
                if let riskText {
                    if let known = risks[riskText] {
                        risk = known
                    } else {
                        risk = RiskFlags(storedText: riskText)
                        risks[riskText] = risk
                    }
                } else {
                    risk = []
                }
                let call = ObservedCall(
                    rowID: sqlite3_column_int64(handle, 0), key: Self.text(handle, 1) ?? "",
                    account: Self.text(handle, 2) ?? "", callerNumber: Self.text(handle, 20) ?? "",
                    sourceIP: Self.text(handle, 3), trunk: Self.text(handle, 4),
                    context: Self.text(handle, 5) ?? "", dialed: Self.text(handle, 6) ?? "",
                    scope: Self.text(handle, 7).flatMap(CallScope.init(rawValue:)) ?? .invalid,
                    e164: Self.text(handle, 8),
                    region: Self.text(handle, 9), numberType: Self.text(handle, 10).flatMap(NumberType.init(rawValue:)),
                    risk: risk, hotspot: Self.text(handle, 12), ratePerMinuteMicros: sqlite3_column_int64(handle, 13),
                    costMicros: sqlite3_column_int64(handle, 14), startedAt: startedAt,
                    answeredAt: Self.date(handle, 16),
                    endedAt: Self.date(handle, 17), billsec: Int(sqlite3_column_int64(handle, 18)),
                    disposition: Self.text(handle, 19).flatMap(CallDisposition.init(rawValue:)) ?? .failed)
                try body(call)
            }
        }
    }

    private static func text(_ handle: OpaquePointer, _ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: pointer)
    }

    private static func date(_ handle: OpaquePointer, _ column: Int32) -> Date? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return CivilTime.parseUTC(bytes: UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Spend per account of calls that started in `[from, to)`, largest first.
    ///
    /// A caller of one of
    /// `publicContexts` whose account is only its caller ID is a `.caller`, apart from the account
    /// of the same name (the rule of `Subject.account(_:callerNumber:context:publicContexts:)`).
    package func spendByAccount(from: Date, to: Date, publicContexts: [String], limit: Int? = nil) throws -> [(
        subject: Subject, calls: Int, costMicros: Int64
    )] {
        let contexts = Array(repeating: "?", count: publicContexts.count).joined(separator: ", ")
        return try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT account, account = caller_number AND context IN (\(contexts)) AS is_caller, count(*),
                        coalesce(sum(cost_micros), 0) AS spend
                    FROM calls WHERE start_utc >= ? AND start_utc < ?
                    GROUP BY account, is_caller ORDER BY spend DESC, account, is_caller LIMIT ?
                    """,
                arguments: StatementArguments(publicContexts)
                    + [CivilTime.utcText(from), CivilTime.utcText(to), limit ?? -1]
            ).map { (Subject(($0[1] as Bool?) == true ? .caller : .account, $0[0]), $0[2], $0[3]) }
        }
    }

    /// Records a finished analysis run.
    package func recordAnalysisRun(
        from: Date, to: Date, started: Date, finished: Date, calls: Int, findings: Int, changes: AlertChanges
    ) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO analysis_runs (from_utc, to_utc, started_utc, finished_utc, calls, findings, new_alerts, updated_alerts)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    CivilTime.utcText(from), CivilTime.utcText(to), CivilTime.utcText(started),
                    CivilTime.utcText(finished),
                    calls, findings, changes.newCount, changes.updatedCount,
                ])
        }
    }
}

extension TollGuardDatabase {
    /// Sets (or replaces) an account's daily quota.
    package func setQuota(account: String, dailyMicros: Int64, currency: String, setBy: String, now: Date = Date())
        throws
    {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO quotas (account, daily_micros, currency, set_by, set_utc) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(account) DO UPDATE SET daily_micros = excluded.daily_micros, currency = excluded.currency,
                        set_by = excluded.set_by, set_utc = excluded.set_utc
                    """, arguments: [account, dailyMicros, currency, setBy, CivilTime.utcText(now)])
        }
    }

    /// Removes an account's quota (the default applies again); false when it had none.
    package func removeQuota(account: String) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM quotas WHERE account = ?", arguments: [account])
            return db.changesCount > 0
        }
    }

    /// All quotas, by account.
    ///
    /// The daily quotas in micro-units by account, as the engine takes them.
    package func quotaTable() throws -> [String: Int64] {
        Dictionary(try quotas().map { ($0.account, $0.dailyMicros) }, uniquingKeysWith: { $1 })
    }

    package func quotas() throws -> [QuotaEntry] {
        try writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT account, daily_micros, currency, set_by, set_utc FROM quotas ORDER BY account"
            )
            .map { row in
                QuotaEntry(
                    account: row[0], dailyMicros: row[1], currency: row[2], setBy: row[3],
                    setAt: CivilTime.parseUTC(dateOrDateTime: row[4] as String) ?? Date(timeIntervalSince1970: 0))
            }
        }
    }

    /// The first and last call start in `[from, to)`, or nil when no call started then.
    package func callStartRange(from: Date, to: Date) throws -> (first: Date, last: Date)? {
        try writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT min(start_utc), max(start_utc) FROM calls WHERE start_utc >= ? AND start_utc < ?",
                    arguments: [CivilTime.utcText(from), CivilTime.utcText(to)]),
                let first = (row[0] as String?).flatMap(CivilTime.parseUTC(dateOrDateTime:)),
                let last = (row[1] as String?).flatMap(CivilTime.parseUTC(dateOrDateTime:))
            else { return nil }
            return (first, last)
        }
    }
}
