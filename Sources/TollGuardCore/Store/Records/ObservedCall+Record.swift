import Foundation
import GRDB

/// A stored call as the analyzers see it: read from `calls` in start order.
///
/// The analysis replays every call of its period and its warm-up through this reader (a million
/// calls in a nightly run of a busy site), so columns are read by position, and a value that
/// cannot be read is reported with its column's name only then.
extension ObservedCall: FetchableRecord {
    /// The columns read, in the order of ``started(from:to:)``.
    private static let columns = [
        "id", "dedup_key", "account", "source_ip", "trunk", "context", "destination", "dest_scope", "dest_e164",
        "dest_region", "dest_type", "dest_risk", "dest_hotspot", "rate_per_min_micros", "cost_micros", "start_utc",
        "answer_utc", "end_utc", "billsec", "disposition", "caller_number",
    ]

    /// The calls that started in `[from, to)`, in order of start.
    package static func started(from: Date, to: Date) -> SQLRequest<ObservedCall> {
        SQLRequest(
            sql: "SELECT " + columns.joined(separator: ", ")
                + " FROM calls WHERE start_utc >= ? AND start_utc < ? ORDER BY start_utc, id",
            arguments: [StoredTime.text(from), StoredTime.text(to)])
    }

    package init(row: Row) throws {
        let id: Int64 = try Self.required(row, 0)
        func failure(_ index: Int, _ reason: String) -> StoredValueError {
            StoredValueError(table: "calls", column: Self.columns[index], row: "id \(id)", reason: reason)
        }
        func text(_ index: Int) -> String? { row[index] }
        func known<Value: RawRepresentable>(_ index: Int, _ type: Value.Type) throws -> Value?
        where Value.RawValue == String {
            guard let stored = text(index) else { return nil }
            guard let value = Value(rawValue: stored) else {
                throw failure(index, "\(stored.debugDescription) is not a known \(Value.self)")
            }
            return value
        }
        func time(_ index: Int) throws -> Date? {
            if row.hasNull(atIndex: index) { return nil }
            let date = try row.withUnsafeData(atIndex: index) { bytes in
                bytes.flatMap { $0.withUnsafeBytes { CivilTime.parseUTC(bytes: $0.bindMemory(to: UInt8.self)) } }
            }
            guard let date else {
                let stored: String? = row[index]
                throw failure(index, "\((stored ?? "").debugDescription) is not a UTC time")
            }
            return date
        }
        guard let startedAt = try time(15) else { throw failure(15, "NULL where a time is needed") }
        guard let disposition = try known(19, CallDisposition.self) else {
            throw failure(19, "NULL where a disposition is needed")
        }
        self.init(
            rowID: id, key: try Self.required(row, 1), account: try Self.required(row, 2),
            callerNumber: try Self.required(row, 20), sourceIP: text(3), trunk: text(4),
            context: try Self.required(row, 5), dialed: try Self.required(row, 6),
            // A call stored before classification existed (or never repriced) has no scope: unclassified.
            scope: try known(7, CallScope.self) ?? .invalid, e164: text(8), region: text(9),
            numberType: try known(10, NumberType.self), risk: text(11).map(RiskFlags.init(storedText:)) ?? [],
            hotspot: text(12), ratePerMinuteMicros: row[13] ?? 0, costMicros: row[14] ?? 0, startedAt: startedAt,
            answeredAt: try time(16), endedAt: try time(17), billsec: try Self.required(row, 18),
            disposition: disposition)
    }

    /// The value at `index` of a column that may not be NULL.
    private static func required<Value: DatabaseValueConvertible & StatementColumnConvertible>(
        _ row: Row, _ index: Int
    ) throws -> Value {
        guard let value: Value = row[index] else {
            let id: Int64? = row[0]
            throw StoredValueError(
                table: "calls", column: columns[index], row: "id \(id.map(String.init) ?? "?")",
                reason: "NULL where a value is needed")
        }
        return value
    }
}
