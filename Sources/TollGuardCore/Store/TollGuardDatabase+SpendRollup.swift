import Foundation
import GRDB

/// Each account's calls and spend by quarter hour (UTC), rolled up from `calls` up to a mark: the
/// last call id rolled up.
///
/// Calls are only ever added (ids only grow), so the rollup plus the calls past the mark is exact
/// at any time, and the ingest hot path pays nothing for it: an index on
/// `calls(account, start_utc)` instead made a million-call ingest 1.7x slower (4.44 → 7.39 s
/// beside `sqlite3 .import` at 4.2 s, 2026-12-03). Every time zone's offset is a whole number of
/// quarter hours, so a site's day is whole quarters.
enum SpendRollup {
    static let mark = "account_spend"
    /// A stored start time's quarter hour, `2026-11-18 11:15`.
    static let quarterSQL =
        "substr(start_utc, 1, 14) || printf('%02d', (CAST(substr(start_utc, 15, 2) AS INTEGER) / 15) * 15)"

    /// The quarter hour `date` falls in, as stored.
    static func quarter(_ date: Date) -> String {
        let text = StoredTime.text(date)
        let minute = (Int(text.dropFirst(14).prefix(2)) ?? 0) / 15 * 15
        return text.prefix(14) + (minute < 10 ? "0" : "") + String(minute)
    }

    /// The rolled-up mark.
    static func mark(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT last_call_id FROM rollup_marks WHERE name = ?", arguments: [mark]) ?? 0
    }

    /// `account`'s calls and spend from `from` up to `to` (both whole quarter hours).
    static func spend(_ db: Database, account: String, from: Date, to: Date, mark: Int64) throws -> (
        calls: Int, micros: Int64
    ) {
        try spends(db, in: [Range(account: account, span: Span(from: from, to: to))], mark: mark)[0]
    }

    /// From one whole quarter hour up to another, with the stored text of each.
    struct Span: Sendable, Hashable {
        var from: Date
        var to: Date
        var fromQuarter: String
        var toQuarter: String

        init(from: Date, to: Date) {
            self.from = from
            self.to = to
            fromQuarter = SpendRollup.quarter(from)
            toQuarter = SpendRollup.quarter(to)
        }
    }

    /// An account's spend over a span.
    struct Range: Sendable, Hashable {
        var account: String
        var span: Span
    }

    /// Ranges asked for in one statement (four arguments each, well under SQLite's limit).
    static let rangesPerStatement = 2_000

    /// The calls and spend of each of `ranges`, in their order: the rollup's, a statement for up
    /// to `perStatement` of them, plus the calls past `mark` in one pass.
    static func spends(
        _ db: Database, in ranges: [Range], mark: Int64, perStatement: Int = rangesPerStatement
    ) throws -> [(calls: Int, micros: Int64)] {
        var spent = [(calls: Int, micros: Int64)](repeating: (0, 0), count: ranges.count)
        for chunkStart in stride(from: 0, to: ranges.count, by: max(perStatement, 1)) {
            let chunk = ranges[chunkStart..<min(ranges.count, chunkStart + max(perStatement, 1))]
            var arguments = StatementArguments()
            for (index, range) in zip(chunk.indices, chunk) {
                arguments += [index, range.account, range.span.fromQuarter, range.span.toQuarter]
            }
            let rolled = try Row.fetchCursor(
                db,
                sql: """
                    WITH wanted(position, account, from_quarter, to_quarter) AS (VALUES \(
                        Array(repeating: "(?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")))
                    SELECT position, coalesce(sum(s.calls), 0), coalesce(sum(s.cost_micros), 0)
                    FROM wanted LEFT JOIN account_spend AS s
                        ON s.account = wanted.account AND s.quarter_utc >= wanted.from_quarter
                            AND s.quarter_utc < wanted.to_quarter
                    GROUP BY position
                    """, arguments: arguments)
            while let row = try rolled.next() {
                let index: Int = row[0]
                spent[index] = (row[1], row[2])
            }
        }
        var rangesOfAccount: [String: [Int]] = [:]
        for (index, range) in ranges.enumerated() { rangesOfAccount[range.account, default: []].append(index) }
        let recent = try Row.fetchCursor(
            db, sql: "SELECT account, start_utc, cost_micros FROM calls WHERE id > ?", arguments: [mark])
        while let row = try recent.next() {
            let account: String = row[0], startText: String = row[1]
            guard let indices = rangesOfAccount[account], let start = StoredTime.date(startText) else { continue }
            for index in indices where ranges[index].span.from <= start && start < ranges[index].span.to {
                spent[index].calls += 1
                spent[index].micros += row[2]
            }
        }
        return spent
    }
}

extension TollGuardDatabase {
    /// Rolls up the calls stored since the last rollup; returns whether calls are left.
    ///
    /// At most `limit` ids go in one transaction. A store opened read-only is left as it is
    /// (its readers sum the calls past the mark).
    @discardableResult
    package func rollUpSpend(limit: Int64 = 2_000_000) throws -> Bool {
        guard !writer.configuration.readonly else { return false }
        let behind = try writer.read { db in
            (try Int64.fetchOne(db, sql: "SELECT max(id) FROM calls") ?? 0) > (try SpendRollup.mark(db))
        }
        guard behind else { return false }
        return try writer.write { db in
            let mark = try SpendRollup.mark(db)
            let top = try Int64.fetchOne(db, sql: "SELECT max(id) FROM calls") ?? 0
            guard top > mark else { return false }
            let end = min(top, mark + limit)
            try db.execute(
                sql: """
                    INSERT INTO account_spend (account, quarter_utc, calls, cost_micros)
                    SELECT account, \(SpendRollup.quarterSQL), count(*), coalesce(sum(cost_micros), 0)
                    FROM calls WHERE id > ? AND id <= ? GROUP BY 1, 2
                    ON CONFLICT (account, quarter_utc) DO UPDATE
                    SET calls = calls + excluded.calls, cost_micros = cost_micros + excluded.cost_micros
                    """, arguments: [mark, end])
            try db.execute(
                sql: """
                    INSERT INTO rollup_marks (name, last_call_id) VALUES (?, ?)
                    ON CONFLICT (name) DO UPDATE SET last_call_id = excluded.last_call_id
                    """, arguments: [SpendRollup.mark, end])
            return end < top
        }
    }

    /// `account`'s calls and spend from `from` up to `to` (whole quarter hours), as stored now:
    /// the rollup, and the calls past its mark (those of another process, or stored since).
    package func accountSpend(account: String, from: Date, to: Date) throws -> (calls: Int, micros: Int64) {
        try writer.read { db in
            try SpendRollup.spend(db, account: account, from: from, to: to, mark: try SpendRollup.mark(db))
        }
    }
}
