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
    /// The live switch the call came from; nil for files and posts.
    package var switchName: String?

    /// The columns read, in this order (by position: a report reads every call of its day).
    private static let columns = [
        "id", "account", "start_utc", "billsec", "disposition", "cost_micros", "dest_region", "dest_scope",
        "caller_number", "context", "switch_name",
    ]

    package init(
        account: String, callerNumber: String, context: String, startedAt: Date, billsec: Int, isAnswered: Bool,
        costMicros: Int64, region: String?, scope: CallScope?, switchName: String?
    ) {
        self.account = account
        self.callerNumber = callerNumber
        self.context = context
        self.startedAt = startedAt
        self.billsec = billsec
        self.isAnswered = isAnswered
        self.costMicros = costMicros
        self.region = region
        self.scope = scope
        self.switchName = switchName
    }

    package init(row: Row) throws {
        func failure(_ index: Int, _ reason: String) -> StoredValueError {
            let id: Int64? = row[0]
            return StoredValueError(
                table: "calls", column: Self.columns[index], row: "id \(id.map(String.init) ?? "?")", reason: reason)
        }
        func required<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ index: Int) throws -> Value {
            guard let value: Value = row[index] else { throw failure(index, "NULL where a value is needed") }
            return value
        }
        func known<Value: RawRepresentable>(_ index: Int, _ type: Value.Type) throws -> Value?
        where Value.RawValue == String {
            guard let stored: String = row[index] else { return nil }
            guard let value = Value(rawValue: stored) else {
                throw failure(index, "\(stored.debugDescription) is not a known \(Value.self)")
            }
            return value
        }
        let started = try row.withUnsafeData(atIndex: 2) { bytes in
            bytes.flatMap { $0.withUnsafeBytes { CivilTime.parseUTC(bytes: $0.bindMemory(to: UInt8.self)) } }
        }
        guard let started else {
            let stored: String? = row[2]
            throw failure(2, "\((stored ?? "NULL").debugDescription) is not a UTC time")
        }
        guard let disposition = try known(4, CallDisposition.self) else {
            throw failure(4, "NULL where a disposition is needed")
        }
        account = try required(1)
        callerNumber = try required(8)
        context = try required(9)
        startedAt = started
        billsec = try required(3)
        isAnswered = disposition == .answered
        costMicros = row[5] ?? 0
        region = row[6]
        scope = try known(7, CallScope.self)
        switchName = row[10]
    }

    /// The calls that started in `[from, to)`.
    package static func started(from: Date, to: Date) -> SQLRequest<ReportedCall> {
        SQLRequest(
            sql: "SELECT " + columns.joined(separator: ", ") + " FROM calls WHERE start_utc >= ? AND start_utc < ?",
            arguments: [StoredTime.text(from), StoredTime.text(to)])
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
