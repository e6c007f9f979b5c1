import Foundation
import GRDB

/// A daily quota set with `tollguard quota set`: a row of `quotas`.
package struct QuotaEntry: Sendable, Hashable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "quotas"

    /// The columns of `quotas`.
    package enum Columns {
        package static let account = Column("account")
        package static let dailyMicros = Column("daily_micros")
        package static let currency = Column("currency")
        package static let setBy = Column("set_by")
        package static let setAt = Column("set_utc")
    }

    package var account: String
    package var dailyMicros: Int64
    package var currency: String
    package var setBy: String
    package var setAt: Date

    package init(account: String, dailyMicros: Int64, currency: String, setBy: String, setAt: Date) {
        self.account = account
        self.dailyMicros = dailyMicros
        self.currency = currency
        self.setBy = setBy
        self.setAt = setAt
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "account")
        account = try stored("account")
        dailyMicros = try stored("daily_micros")
        currency = try stored("currency")
        setBy = try stored("set_by")
        setAt = try stored.date("set_utc")
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.account] = account
        container[Columns.dailyMicros] = dailyMicros
        container[Columns.currency] = currency
        container[Columns.setBy] = setBy
        container[Columns.setAt] = StoredTime.text(setAt)
    }
}

/// A row of `analysis_runs`: one finished `analyze`.
package struct AnalysisRunRow: PersistableRecord {
    package static let databaseTableName = "analysis_runs"

    package var from: Date
    package var to: Date
    package var started: Date
    package var finished: Date
    package var calls: Int
    package var findings: Int
    package var newAlerts: Int
    package var updatedAlerts: Int

    package func encode(to container: inout PersistenceContainer) {
        container["from_utc"] = StoredTime.text(from)
        container["to_utc"] = StoredTime.text(to)
        container["started_utc"] = StoredTime.text(started)
        container["finished_utc"] = StoredTime.text(finished)
        container["calls"] = calls
        container["findings"] = findings
        container["new_alerts"] = newAlerts
        container["updated_alerts"] = updatedAlerts
    }
}

/// What one spender (an account, or a caller of a public context) spent over a period.
package struct AccountSpend: Sendable, Hashable, FetchableRecord {
    package var subject: Subject
    package var calls: Int
    package var costMicros: Int64

    package init(row: Row) throws {
        let stored = StoredRow(row, table: "calls", key: "account")
        let isCaller: Bool? = try stored.optional("is_caller")
        subject = Subject(isCaller == true ? .caller : .account, try stored("account"))
        calls = try stored("calls")
        costMicros = try stored("spend")
    }

    /// Spend per account of the calls that started in `[from, to)`, largest first (`limit` of them).
    package static func during(from: Date, to: Date, publicContexts: [String], limit: Int?) -> SQLRequest<AccountSpend>
    {
        let contexts = Array(repeating: "?", count: publicContexts.count).joined(separator: ", ")
        return SQLRequest(
            sql: """
                SELECT account, account = caller_number AND context IN (\(contexts)) AS is_caller, count(*) AS calls,
                    coalesce(sum(cost_micros), 0) AS spend
                FROM calls WHERE start_utc >= ? AND start_utc < ?
                GROUP BY account, is_caller ORDER BY spend DESC, account, is_caller LIMIT ?
                """,
            arguments: StatementArguments(publicContexts) + [StoredTime.text(from), StoredTime.text(to), limit ?? -1])
    }
}
