import Foundation
import GRDB

/// A stored call as an edge ships it to the cluster's store: numbered by its row id, its
/// columns as the text SQLite holds.
package struct ShippedCall: Sendable, Equatable {
    /// The call's row id in the edge's store: its number in the edge's journal, rising.
    package var sequence: Int64
    /// The switch that carried the call: its own column, else the edge's switch.
    package var switchName: String
    /// The day the call started, `YYYY-MM-DD` (UTC).
    package var startDay: String
    /// The values of ``TollGuardDatabase/shippedColumns``, in order; nil for NULL.
    package var fields: [String?]

    package init(sequence: Int64, switchName: String, startDay: String, fields: [String?]) {
        self.sequence = sequence
        self.switchName = switchName
        self.startDay = startDay
        self.fields = fields
    }
}

extension TollGuardDatabase {
    /// The columns of `calls` an edge ships, after the switch name, in this order: the call as
    /// every source stores it, without what only this store means (its row id, dedup slot, file).
    package static let shippedColumns = [
        "dedup_key", "call_id", "account", "caller_number", "caller_name", "destination", "context", "source_ip",
        "trunk", "start_utc", "answer_utc", "end_utc", "duration", "billsec", "disposition", "hangup_cause",
        "user_agent", "source_format", "dest_scope", "dest_e164", "dest_region", "dest_calling_code", "dest_type",
        "dest_risk", "dest_hotspot", "rate_prefix", "cost_micros", "rate_per_min_micros",
    ]

    /// Up to `limit` calls stored after row `sequence`, in the order they were stored; a call
    /// without a switch of its own is `switchName`'s.
    package func calls(after sequence: Int64, limit: Int, switchName: String) async throws -> [ShippedCall] {
        let columns = Self.shippedColumns.joined(separator: ", ")
        return try await writer.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, coalesce(switch_name, ?) AS switch_name, \(columns)
                    FROM calls WHERE id > ? ORDER BY id LIMIT ?
                    """,
                arguments: [switchName, sequence, limit])
            var calls: [ShippedCall] = []
            while let row = try rows.next() {
                let fields = (0..<Self.shippedColumns.count).map { index -> String? in
                    switch (row[index + 2] as DatabaseValue).storage {
                    case .null: nil
                    case .int64(let number): String(number)
                    case .double(let number): String(number)
                    case .string(let text): text
                    case .blob(let data): String(decoding: data, as: UTF8.self)
                    }
                }
                let start = fields[Self.shippedColumns.firstIndex(of: "start_utc") ?? 0] ?? ""
                calls.append(
                    ShippedCall(
                        sequence: row[0], switchName: row[1], startDay: String(start.prefix(10)), fields: fields))
            }
            return calls
        }
    }

    /// The row id of the last call stored, 0 when none is.
    package func lastCallSequence() async throws -> Int64 {
        try await writer.read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM calls") ?? 0 }
    }
}
