import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// A call of the cluster store as the analyzer consumes it: the call, and which edge shipped it
/// under which of its numbers.
package struct ArrivedCall: Sendable {
    package var source: String
    package var sequence: Int64
    package var call: ObservedCall
    /// The switch's own id of the call (a live uuid, an Asterisk Uniqueid; may be empty).
    package var callID: String
}

extension ClusterStore {
    /// The columns read, in this order.
    private static let arrivedColumns = """
        source_id, source_sequence, switch_name, dedup_key, account, caller_number, source_ip, trunk, context,
        destination, dest_scope, dest_e164, dest_region, dest_type, dest_risk, dest_hotspot, rate_per_min_micros,
        cost_micros, start_utc, answer_utc, end_utc, billsec, disposition, call_id
        """

    /// The calls `source` shipped numbered in `(after, through]`, in its order.
    package func calls(of source: String, after: Int64, through: Int64) async throws -> [ArrivedCall] {
        try await calls(in: [(source, after, through)])
    }

    /// The calls each source of `ranges` shipped numbered in its `(after, through]`, by source
    /// and in each source's order — in one round trip (an analyzer step reads every edge's).
    package func calls(in ranges: [(source: String, after: Int64, through: Int64)]) async throws -> [ArrivedCall] {
        guard !ranges.isEmpty else { return [] }
        var binds = PostgresBindings()
        var branches: [String] = []
        for range in ranges {
            binds.append(range.source)
            binds.append(range.after)
            binds.append(range.through)
            let last = binds.count
            branches.append(
                "(SELECT \(Self.arrivedColumns) FROM calls WHERE source_id = $\(last - 2) "
                    + "AND source_sequence > $\(last - 1) AND source_sequence <= $\(last))")
        }
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: branches.joined(separator: " UNION ALL ") + " ORDER BY source_id, source_sequence",
                binds: binds), logger: logger)
        return try await Self.arrived(rows)
    }

    /// The calls that started in `[from, to)` among those consumed by `offsets` (per edge, the
    /// last number consumed), in order of start.
    package func consumedCalls(from: Date?, to: Date?, offsets: [String: Int64]) async throws -> [ArrivedCall] {
        var calls: [ArrivedCall] = []
        try await forEachConsumedCall(from: from, to: to, offsets: offsets) { calls.append($0) }
        return calls
    }

    /// ``consumedCalls(from:to:offsets:)`` one at a time, as the server sends them: a week of a
    /// carrier's calls is never held at once.
    ///
    /// Ends with `CancellationError` when its task is cancelled (postgres-nio's rows stop): a
    /// standby's first rebuild, hours of a carrier's calls, ends when `serve` stops.
    package func forEachConsumedCall(
        from: Date?, to: Date?, offsets: [String: Int64], _ body: (ArrivedCall) throws -> Void
    ) async throws {
        let json = String(decoding: try JSONEncoder().encode(offsets), as: UTF8.self)
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: "SELECT \(Self.arrivedColumns) FROM calls JOIN jsonb_each_text($1::jsonb) AS consumed "
                    + "ON consumed.key = calls.source_id AND calls.source_sequence <= consumed.value::bigint "
                    // Times go as timestamptz; the columns hold UTC without a zone.
                    + "WHERE ($2::timestamptz IS NULL OR start_utc >= ($2::timestamptz AT TIME ZONE 'UTC')) "
                    + "AND ($3::timestamptz IS NULL OR start_utc < ($3::timestamptz AT TIME ZONE 'UTC')) "
                    + "ORDER BY start_utc, switch_name, dedup_key",
                binds: Self.binds(json, from, to)), logger: logger)
        for try await row in rows { try body(try Self.arrived(row)) }
    }

    private static func binds(_ values: (any PostgresDynamicTypeEncodable)?...) -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values {
            if let value { bindings.append(value) } else { bindings.appendNull() }
        }
        return bindings
    }

    private static func arrived(_ rows: PostgresRowSequence) async throws -> [ArrivedCall] {
        var calls: [ArrivedCall] = []
        for try await row in rows { calls.append(try arrived(row)) }
        return calls
    }

    /// The call of a row that starts with ``arrivedColumns``.
    private static func arrived(_ row: PostgresRow) throws -> ArrivedCall {
        let cells = CallRowCells(row)
        guard let disposition = try cells.known(22, CallDisposition.self) else {
            throw ClusterCallError(column: "disposition", reason: "NULL where a disposition is needed")
        }
        var call = ObservedCall(
            key: try cells.required(3), account: try cells.required(4), callerNumber: try cells.required(5),
            sourceIP: try cells.text(6),
            trunk: try cells.text(7), context: try cells.required(8), dialed: try cells.required(9),
            scope: try cells.known(10, CallScope.self) ?? .invalid, e164: try cells.text(11),
            region: try cells.text(12),
            numberType: try cells.known(13, NumberType.self), risk: RiskFlags(storedText: try cells.text(14) ?? ""),
            hotspot: try cells.text(15), ratePerMinuteMicros: try cells.cells[16].decode(Int64?.self) ?? 0,
            costMicros: try cells.cells[17].decode(Int64?.self) ?? 0,
            startedAt: try cells.cells[18].decode(Date.self),
            answeredAt: try cells.cells[19].decode(Date?.self), endedAt: try cells.cells[20].decode(Date.self),
            billsec: Int(try cells.cells[21].decode(Int64.self)), disposition: disposition)
        call.switchName = try cells.required(2)
        return ArrivedCall(
            source: try cells.required(0), sequence: try cells.cells[1].decode(Int64.self), call: call,
            callID: try cells.required(23))
    }
}

/// A call in the cluster store that cannot be read.
package struct ClusterCallError: Error, CustomStringConvertible {
    package var column: String
    package var reason: String

    package var description: String { "a call in the cluster store cannot be read: \(column): \(reason)" }

    /// `stored` as a `Value`; nil for NULL, an error naming `column` for an unknown one.
    static func known<Value: RawRepresentable>(_ stored: String?, _ type: Value.Type, column: String) throws -> Value?
    where Value.RawValue == String {
        guard let stored else { return nil }
        guard let value = Value(rawValue: stored) else {
            throw ClusterCallError(column: column, reason: "\(stored.debugDescription) is not a known \(Value.self)")
        }
        return value
    }
}

/// A row of calls read by position, each value's reason to be refused naming its column.
struct CallRowCells {
    let cells: PostgresRandomAccessRow

    init(_ row: PostgresRow) { cells = row.makeRandomAccess() }

    func text(_ index: Int) throws -> String? { try cells[index].decode(String?.self) }

    func required(_ index: Int) throws -> String {
        guard let value = try text(index) else {
            throw ClusterCallError(column: cells[index].columnName, reason: "NULL where a value is needed")
        }
        return value
    }

    func known<Value: RawRepresentable>(_ index: Int, _ type: Value.Type) throws -> Value?
    where Value.RawValue == String {
        try ClusterCallError.known(try text(index), Value.self, column: cells[index].columnName)
    }
}
