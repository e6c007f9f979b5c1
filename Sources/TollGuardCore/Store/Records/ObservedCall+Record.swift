import Foundation
import GRDB
import GRDBSQLite

/// A stored call as the analyzers see it: read from `calls` in start order.
///
/// The analysis replays every call of its period and its warm-up through this reader (a million
/// calls in a nightly run of a busy site), so it steps SQLite's statement itself and reads the
/// columns by position — GRDB's row decoding costs ~8 % of a nightly `analyze` — and still
/// reads strictly: a value that cannot be read stops the run with a ``StoredValueError`` naming
/// its column and row.
extension ObservedCall {
    /// The columns read, in this order.
    private static let columns = [
        "id", "dedup_key", "account", "source_ip", "trunk", "context", "destination", "dest_scope", "dest_e164",
        "dest_region", "dest_type", "dest_risk", "dest_hotspot", "rate_per_min_micros", "cost_micros", "start_utc",
        "answer_utc", "end_utc", "billsec", "disposition", "caller_number",
    ]

    /// Calls `body` with each call that started in `[from, to)`, in order of start.
    static func forEachStarted(
        in db: Database, from: Date, to: Date, _ body: (ObservedCall) throws -> Void
    ) throws {
        let statement = try db.cachedStatement(
            sql: "SELECT " + columns.joined(separator: ", ")
                + " FROM calls WHERE start_utc >= ? AND start_utc < ? ORDER BY start_utc, id")
        try statement.setArguments([StoredTime.text(from), StoredTime.text(to)])
        var reader = Reader(handle: statement.sqliteStatement)
        while true {
            let step = sqlite3_step(reader.handle)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: step),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            try body(reader.call())
        }
    }

    /// Reads the current row of the statement.
    private struct Reader {
        let handle: OpaquePointer
        /// Risk texts repeat (a few dozen distinct in a million calls): parsed once each.
        var risks: [String: RiskFlags] = [:]

        init(handle: OpaquePointer) {
            self.handle = handle
        }

        mutating func call() throws -> ObservedCall {
            let id = sqlite3_column_int64(handle, 0)
            func failure(_ index: Int32, _ reason: String) -> StoredValueError {
                StoredValueError(table: "calls", column: columns[Int(index)], row: "id \(id)", reason: reason)
            }
            func text(_ index: Int32) -> String? {
                guard let pointer = sqlite3_column_text(handle, index) else { return nil }
                return String(cString: pointer)
            }
            func required(_ index: Int32) throws -> String {
                guard let value = text(index) else { throw failure(index, "NULL where a value is needed") }
                return value
            }
            func known<Value: RawRepresentable>(_ index: Int32, _ type: Value.Type) throws -> Value?
            where Value.RawValue == String {
                guard let stored = text(index) else { return nil }
                guard let value = Value(rawValue: stored) else {
                    throw failure(index, "\(stored.debugDescription) is not a known \(Value.self)")
                }
                return value
            }
            func time(_ index: Int32) throws -> Date? {
                guard let pointer = sqlite3_column_text(handle, index) else { return nil }
                let count = Int(sqlite3_column_bytes(handle, index))
                guard let date = CivilTime.parseUTC(bytes: UnsafeBufferPointer(start: pointer, count: count)) else {
                    throw failure(index, "\(String(cString: pointer).debugDescription) is not a UTC time")
                }
                return date
            }
            func integer(_ index: Int32) throws -> Int64 {
                guard sqlite3_column_type(handle, index) == SQLITE_INTEGER else {
                    if sqlite3_column_type(handle, index) == SQLITE_NULL {
                        throw failure(index, "NULL where a value is needed")
                    }
                    throw failure(index, "\((text(index) ?? "").debugDescription) is not an integer")
                }
                return sqlite3_column_int64(handle, index)
            }
            guard let startedAt = try time(15) else { throw failure(15, "NULL where a time is needed") }
            guard let disposition = try known(19, CallDisposition.self) else {
                throw failure(19, "NULL where a disposition is needed")
            }
            var risk: RiskFlags = []
            if let riskText = text(11) {
                if let parsed = risks[riskText] {
                    risk = parsed
                } else {
                    risk = RiskFlags(storedText: riskText)
                    risks[riskText] = risk
                }
            }
            return ObservedCall(
                rowID: id, key: try required(1), account: try required(2), callerNumber: try required(20),
                sourceIP: text(3), trunk: text(4), context: try required(5), dialed: try required(6),
                // A call stored before classification existed (or never repriced) has no scope: unclassified.
                scope: try known(7, CallScope.self) ?? .invalid, e164: text(8), region: text(9),
                numberType: try known(10, NumberType.self), risk: risk, hotspot: text(12),
                ratePerMinuteMicros: sqlite3_column_int64(handle, 13), costMicros: sqlite3_column_int64(handle, 14),
                startedAt: startedAt, answeredAt: try time(16), endedAt: try time(17), billsec: Int(try integer(18)),
                disposition: disposition)
        }
    }
}
