import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The cluster's fraud lists: what `tollguard lists` imports and removes on any node of a
/// cluster. Every node copies them into its own store (``ClusterQuotaAndListMirror``), where
/// its engines take them.
extension ClusterStore {
    /// Stores `list` under its name, replacing a list of that name, in one transaction.
    package func saveFraudList(_ list: FraudList, sourcePath: String, imported: Date = Date()) async throws {
        let logger = self.logger
        try await client.inTransaction(logger: logger) { connection in
            guard
                try await Self.save(
                    list, sourcePath: sourcePath, imported: imported, replacing: true, on: connection, logger: logger)
            else {
                throw FraudListNotWritten(name: list.name)
            }
        }
    }

    /// Removes the list `name`; false when there was none of that name.
    package func removeFraudList(named name: String) async throws -> Bool {
        let rows = try await client.query(
            "DELETE FROM cluster_fraud_lists WHERE name = \(name) RETURNING name", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Every list with its entries, by name (entries in order).
    package func fraudLists() async throws -> [FraudList] {
        try await fraudLists(named: nil)
    }

    /// The list `name` with its entries; nil when there is none.
    package func fraudList(named name: String) async throws -> FraudList? {
        try await fraudLists(named: name).first
    }

    /// Each list's summary with its count of entries.
    package func fraudListVersions() async throws -> [FraudListVersion] {
        let rows = try await client.query(
            """
            SELECT l.name, l.source_path, l.imported_utc, count(e.value)
            FROM cluster_fraud_lists l LEFT JOIN cluster_fraud_list_entries e ON e.list_name = l.name
            GROUP BY l.name, l.source_path, l.imported_utc ORDER BY l.name
            """, logger: logger)
        var versions: [FraudListVersion] = []
        for try await (name, source, imported, entries) in rows.decode((String, String, Date, Int64).self) {
            versions.append(
                FraudListVersion(
                    summary: FraudListSummary(name: name, source: source, imported: imported), entries: Int(entries)))
        }
        return versions
    }

    /// Copies `lists` (a node's own store's, with their summaries) into the cluster's, once per
    /// `node`.
    ///
    /// A list the cluster has by that name wins. Nil when the node's were copied before; else
    /// how many lists were new.
    package func importFraudLists(
        of node: String, lists: [(list: FraudList, summary: FraudListSummary)], now: Date = Date()
    ) async throws -> Int? {
        let logger = self.logger
        return try await client.inTransaction(logger: logger) { connection in
            let claimed = try await Self.rowCount(
                connection.answer(
                    """
                    INSERT INTO cluster_list_imports (node, at_utc, lists) VALUES (\(node), \(now), 0)
                    ON CONFLICT (node) DO NOTHING RETURNING node
                    """, logger: logger))
            guard claimed > 0 else { return nil }
            var added = 0
            for (list, summary) in lists {
                if try await Self.save(
                    list, sourcePath: summary.source, imported: summary.imported, replacing: false, on: connection,
                    logger: logger)
                {
                    added += 1
                }
            }
            try await connection.answer(
                "UPDATE cluster_list_imports SET lists = \(added) WHERE node = \(node)", logger: logger)
            return added
        }
    }

    /// The first key of the advisory lock a list's writer takes (the second: its name's hash).
    package static let fraudListLock: Int32 = 7_401_927

    /// Writes `list` on `connection`; returns whether it was written.
    ///
    /// Unless `replacing`, a list of that name stays as it is.
    private static func save(
        _ list: FraudList, sourcePath: String, imported: Date, replacing: Bool, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Bool {
        // Two imports of one list at once on two nodes: the second's DELETE would not see the
        // first's new row, and its INSERT would then write nothing — a lost import reported as
        // done. The lock makes the second wait and replace the first's whole.
        try await connection.answer(
            "SELECT pg_advisory_xact_lock(\(fraudListLock), hashtext(\(list.name)))", logger: logger)
        // The version it replaces (source, whole second of import, count): nodes copy a list when
        // its version changes, so a list imported again within the same second from the same file
        // with as many entries (a corrected number) must not keep it.
        var replaced: (source: String, imported: Date, entries: Int64)?
        if replacing {
            for try await version in try await connection.answer(
                """
                SELECT l.source_path, l.imported_utc, count(e.value)
                FROM cluster_fraud_lists l LEFT JOIN cluster_fraud_list_entries e ON e.list_name = l.name
                WHERE l.name = \(list.name) GROUP BY l.source_path, l.imported_utc
                """, logger: logger
            ).decode((String, Date, Int64).self) {
                replaced = version
            }
            try await connection.answer("DELETE FROM cluster_fraud_lists WHERE name = \(list.name)", logger: logger)
        }
        let written = try await rowCount(
            connection.answer(
                """
                INSERT INTO cluster_fraud_lists (name, source_path, imported_utc)
                VALUES (\(list.name), \(sourcePath), \(imported))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """, logger: logger))
        guard written > 0 else { return false }
        // One statement per kind, the values as an array: a list of 100,000 numbers is one round trip.
        for (kind, values) in [("number", list.numbers), ("ip", list.ipRanges.map(\.text))] where !values.isEmpty {
            try await connection.answer(
                """
                INSERT INTO cluster_fraud_list_entries (list_name, kind, value)
                SELECT \(list.name), \(kind), value FROM unnest(\(values)::text[]) AS value
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        if let replaced {
            // The same version as the list it replaced: its import time moves a second past.
            try await connection.answer(
                """
                UPDATE cluster_fraud_lists
                SET imported_utc = date_trunc('second', \(replaced.imported)::timestamptz) + interval '1 second'
                WHERE name = \(list.name) AND source_path = \(replaced.source)
                    AND date_trunc('second', imported_utc) = date_trunc('second', \(replaced.imported)::timestamptz)
                    AND (SELECT count(*) FROM cluster_fraud_list_entries WHERE list_name = \(list.name))
                        = \(replaced.entries)
                """, logger: logger)
        }
        return true
    }

    private func fraudLists(named name: String?) async throws -> [FraudList] {
        let rows = try await client.query(
            """
            SELECT l.name, e.kind, e.value
            FROM cluster_fraud_lists l LEFT JOIN cluster_fraud_list_entries e ON e.list_name = l.name
            WHERE \(name)::text IS NULL OR l.name = \(name)
            ORDER BY l.name, e.value
            """, logger: logger)
        var lists: [FraudList] = []
        for try await (listName, kind, value) in rows.decode((String, String?, String?).self) {
            if lists.last?.name != listName { lists.append(FraudList(name: listName)) }
            guard let kind, let value else { continue }  // a list without entries
            switch kind {
            case "number":
                lists[lists.count - 1].numbers.append(value)
            default:
                guard let range = IPAddressRange(value) else {
                    throw StoredValueError(
                        table: "cluster_fraud_list_entries", column: "value", row: "list \(listName) value \(value)",
                        reason: "not an IP address or range")
                }
                lists[lists.count - 1].ipRanges.append(range)
            }
        }
        return lists
    }
}

/// An import of a list that another import of it got in the way of: nothing was written.
package struct FraudListNotWritten: Error, CustomStringConvertible, Equatable {
    package var name: String

    package var description: String {
        "the list \(name) was not written: another import of it got in the way; import it again"
    }
}
