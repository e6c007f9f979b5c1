import Foundation
import Logging
import PostgresNIO

extension ClusterStore {
    /// Drops the calls of every UTC day that ended by `cutoff`; returns the days dropped
    /// (`YYYY-MM-DD`), oldest first.
    ///
    /// Each day's partition is detached without holding readers or shipments back (`DETACH
    /// PARTITION … CONCURRENTLY`), then dropped, and those days' dedup keys deleted.
    /// A detach that an earlier pass left unfinished (a node that died in it) is finished first.
    /// A call of a dropped day shipped again later (an edge back after longer than the days kept)
    /// is stored again, in a new partition of its day, and dropped at the next pass.
    package func dropCalls(before cutoff: Date) async throws -> [String] {
        var partitions: [(name: String, day: String, pending: Bool)] = []
        let rows = try await client.query(
            """
            SELECT c.relname::text, i.inhdetachpending FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'calls'::regclass ORDER BY c.relname
            """, logger: logger)
        for try await (name, pending) in rows.decode((String, Bool).self) {
            // Only the partitions this store made (`calls_YYYYMMDD`): their names alone reach the SQL.
            guard let day = Self.partitionDay(name) else { continue }
            partitions.append((name, day, pending))
        }
        let firstKept = Self.dayFormat.string(from: cutoff)
        var dropped: [String] = []
        for partition in partitions where partition.day < firstKept {
            let detach = partition.pending ? "FINALIZE" : "CONCURRENTLY"
            try await client.query(
                PostgresQuery(unsafeSQL: "ALTER TABLE calls DETACH PARTITION \(partition.name) \(detach)"),
                logger: logger)
            try await client.query(PostgresQuery(unsafeSQL: "DROP TABLE \(partition.name)"), logger: logger)
            dropped.append(partition.day)
        }
        if !dropped.isEmpty {
            try await client.query(
                "DELETE FROM call_keys WHERE start_utc < (\(firstKept)::date)::timestamp", logger: logger)
        }
        return dropped
    }

    /// The day of a partition this store names (`partitionName(forDay:)`); nil for any other name.
    static func partitionDay(_ name: String) -> String? {
        let digits = Array(name.utf8.dropFirst("calls_".utf8.count))
        guard name.hasPrefix("calls_"), digits.count == 8, digits.allSatisfy({ (48...57).contains($0) }) else {
            return nil
        }
        let text = String(decoding: digits, as: UTF8.self)
        return "\(text.prefix(4))-\(text.dropFirst(4).prefix(2))-\(text.suffix(2))"
    }
}
