import Foundation
import GRDB

/// What a report counts of a stored call.
package struct ReportedCall: Sendable, FetchableRecord {
    package var account: String
    package var callerNumber: String
    package var context: String
    package var startedAt: Date
    package var billsec: Int
    package var isAnswered: Bool
    /// Unpriced calls count as zero.
    package var costMicros: Int64
    package var region: String?
    /// Unclassified calls have none.
    package var scope: CallScope?

    package init(row: Row) throws {
        let stored = StoredRow(row, table: "calls")
        account = try stored("account")
        callerNumber = try stored("caller_number")
        context = try stored("context")
        startedAt = try stored.date("start_utc")
        billsec = try stored("billsec")
        isAnswered = try stored.value("disposition", as: CallDisposition.self) == .answered
        costMicros = try stored.optional("cost_micros") ?? 0
        region = try stored.optional("dest_region")
        scope = try stored.optionalValue("dest_scope", as: CallScope.self)
    }

    /// The calls that started in `[from, to)`.
    package static func started(from: Date, to: Date) -> SQLRequest<ReportedCall> {
        SQLRequest(
            sql: """
                SELECT id, account, start_utc, billsec, disposition, cost_micros, dest_region, dest_scope,
                    caller_number, context
                FROM calls WHERE start_utc >= ? AND start_utc < ?
                """, arguments: [StoredTime.text(from), StoredTime.text(to)])
    }
}

/// Which call a stored row is: the switch's call id, the dedup key, the start.
package struct CallIdentity: Sendable, FetchableRecord {
    package var callID: String
    package var dedupKey: String
    package var startedAt: Date

    package init(row: Row) throws {
        let stored = StoredRow(row, table: "calls")
        callID = try stored("call_id")
        dedupKey = try stored("dedup_key")
        startedAt = try stored.date("start_utc")
    }

    /// Every stored call, in storage order.
    package static let everyCall = SQLRequest<CallIdentity>(sql: "SELECT id, call_id, dedup_key, start_utc FROM calls")
}
