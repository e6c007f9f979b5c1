import Foundation
import GRDB

/// Daily quotas raised for single local days, by account, then day (days since 1970 in the
/// site's zone), in micro-units.
package typealias QuotaRaises = [String: [Int: Int64]]

/// An account's quota raised until the end of one site-local day: a row of `quota_raises`.
package struct QuotaRaise: Sendable, Hashable, Encodable {
    package var account: String
    /// `YYYY-MM-DD` in the site's zone.
    package var day: String
    package var dailyMicros: Int64
    package var currency: String
    package var reason: String
    package var setBy: String
    package var setAt: Date

    /// Days since 1970 of ``day``.
    package var dayNumber: Int { Self.dayNumber(of: day) ?? 0 }

    /// Days since 1970 of `text` (`YYYY-MM-DD`); nil when it is no date.
    package static func dayNumber(of text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 3, let year = parts[0], let month = parts[1], let day = parts[2],
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        return CivilTime.daysFromCivil(year: year, month: month, day: day)
    }

    init(row: Row) throws {
        let stored = StoredRow(row, table: "quota_raises", key: "account")
        account = try stored("account")
        day = try stored("day")
        guard Self.dayNumber(of: day) != nil else { throw stored.error("day", "\"\(day)\" is not YYYY-MM-DD") }
        dailyMicros = try stored("daily_micros")
        currency = try stored("currency")
        reason = try stored("reason")
        setBy = try stored("set_by")
        setAt = try stored.date("set_utc")
    }

    package init(
        account: String, day: String, dailyMicros: Int64, currency: String, reason: String, setBy: String,
        setAt: Date
    ) {
        self.account = account
        self.day = day
        self.dailyMicros = dailyMicros
        self.currency = currency
        self.reason = reason
        self.setBy = setBy
        self.setAt = setAt
    }

    enum CodingKeys: String, CodingKey {
        case account, day, currency, reason
        case dailyMicros = "daily_micros"
        case setBy = "set_by"
        case setAt = "set_utc"
    }
}

extension TollGuardDatabase {
    /// `account`'s standing daily quota, as analysis applies it: the quota table's, else
    /// `analysis`'s (the account's own, its groups', the default); nil without one.
    package func standingQuota(of account: String, analysis: AnalysisSettings) throws -> Int64? {
        try writer.read { db in try Self.standingQuota(of: account, analysis: analysis, db) }
    }

    private static func standingQuota(of account: String, analysis: AnalysisSettings, _ db: Database) throws
        -> Int64?
    {
        let table = try QuotaEntry.filter(QuotaEntry.Columns.account == account).fetchAll(db)
        return PolicyResolver.standingQuota(
            of: account, analysis: analysis,
            quotas: Dictionary(table.map { ($0.account, $0.dailyMicros) }, uniquingKeysWith: { $1 }))
    }

    /// Raises `raise.account`'s quota to `raise.dailyMicros` for `raise.day` (replacing an earlier
    /// raise of that day), journaled as `quota.raised` with the quota it replaces that day (an
    /// earlier raise, else the standing quota under `analysis`) and the reason.
    package func raiseQuota(_ raise: QuotaRaise, analysis: AnalysisSettings) throws {
        try writer.write { db in
            let before = try Self.raise(account: raise.account, day: raise.day, db)
            try Self.upsert(raise, db)
            let replaced = try before?.dailyMicros ?? Self.standingQuota(of: raise.account, analysis: analysis, db)
            var entry = JournalEntry.quotaRaised(raise, replaced: replaced)
            try entry.insert(db)
        }
    }

    /// Writes `raise`, replacing a raise of the same account and day.
    static func upsert(_ raise: QuotaRaise, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO quota_raises (account, day, daily_micros, currency, reason, set_by, set_utc)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (account, day) DO UPDATE SET daily_micros = excluded.daily_micros,
                    currency = excluded.currency, reason = excluded.reason, set_by = excluded.set_by,
                    set_utc = excluded.set_utc
                """,
            arguments: [
                raise.account, raise.day, raise.dailyMicros, raise.currency, raise.reason, raise.setBy,
                StoredTime.text(raise.setAt),
            ])
    }

    /// The raises of local `day` (`YYYY-MM-DD`), by account.
    package func quotaRaises(onDay day: String) throws -> [String: QuotaRaise] {
        try writer.read { db in
            Dictionary(
                try Row.fetchAll(db, sql: "SELECT * FROM quota_raises WHERE day = ?", arguments: [day])
                    .map { try QuotaRaise(row: $0) }.map { ($0.account, $0) },
                uniquingKeysWith: { $1 })
        }
    }

    /// Every raise, as the engine takes them.
    package func quotaRaises() throws -> QuotaRaises {
        try writer.read { db in try Self.raises(db) }
    }

    /// Every raise, without holding a thread of the cooperative pool.
    package func quotaRaises() async throws -> QuotaRaises {
        try await writer.read { db in try Self.raises(db) }
    }

    static func raises(_ db: Database) throws -> QuotaRaises {
        var raises: QuotaRaises = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM quota_raises") {
            let raise = try QuotaRaise(row: row)
            raises[raise.account, default: [:]][raise.dayNumber] = raise.dailyMicros
        }
        return raises
    }

    private static func raise(account: String, day: String, _ db: Database) throws -> QuotaRaise? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM quota_raises WHERE account = ? AND day = ?", arguments: [account, day]
        ).map { try QuotaRaise(row: $0) }
    }
}
