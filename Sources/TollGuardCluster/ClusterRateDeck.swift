import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The cluster's rate deck: what `tollguard rates import` replaces on any node of a cluster.
/// Every node copies it into its own store (``ClusterQuotaAndListMirror``) and prices its
/// switches' calls with it.
extension ClusterStore {
    /// Replaces the cluster's deck with `deck`.
    ///
    /// Nodes copy the deck when its version (source, whole second of import, count) changes: a
    /// deck imported again within the same second from the same file with as many rates (a
    /// corrected price) gets its import time a second past the one it replaces.
    package func replaceRateDeck(_ deck: RateDeck, sourcePath: String, imported: Date = Date()) async throws {
        try await client.query(
            """
            INSERT INTO cluster_rate_deck (id, source_path, imported_utc, entry_count, entries)
            VALUES (1, \(sourcePath), \(imported), \(deck.entries.count), \(try Self.json(deck))::jsonb)
            ON CONFLICT (id) DO UPDATE SET source_path = excluded.source_path,
                imported_utc = CASE
                    WHEN (excluded.source_path, date_trunc('second', excluded.imported_utc), excluded.entry_count)
                        = (cluster_rate_deck.source_path, date_trunc('second', cluster_rate_deck.imported_utc),
                            cluster_rate_deck.entry_count)
                    THEN date_trunc('second', cluster_rate_deck.imported_utc) + interval '1 second'
                    ELSE excluded.imported_utc END,
                entry_count = excluded.entry_count, entries = excluded.entries
            """, logger: logger)
    }

    /// Makes `deck` (a node's own store's) the cluster's when the cluster has none; false when it has one.
    package func importRateDeck(_ deck: RateDeck, version: RateDeckVersion) async throws -> Bool {
        let rows = try await client.query(
            """
            INSERT INTO cluster_rate_deck (id, source_path, imported_utc, entry_count, entries)
            VALUES (1, \(version.source), \(StoredTime.date(version.imported) ?? Date()), \(deck.entries.count),
                \(try Self.json(deck))::jsonb)
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// The cluster's deck with its version; nil when none was imported.
    package func rateDeck() async throws -> (deck: RateDeck, version: RateDeckVersion)? {
        let rows = try await client.query(
            "SELECT source_path, imported_utc, entry_count, entries::text FROM cluster_rate_deck WHERE id = 1",
            logger: logger)
        for try await (source, imported, count, entries) in rows.decode((String, Date, Int32, String).self) {
            let decoded = try JSONDecoder().decode([RateDeck.Entry].self, from: Data(entries.utf8))
            return (
                RateDeck(entries: decoded), RateDeckVersion(source: source, imported: imported, entries: Int(count))
            )
        }
        return nil
    }

    /// The cluster's deck's version, without its rates; nil when none was imported.
    package func rateDeckVersion() async throws -> RateDeckVersion? {
        let rows = try await client.query(
            "SELECT source_path, imported_utc, entry_count FROM cluster_rate_deck WHERE id = 1", logger: logger)
        for try await (source, imported, count) in rows.decode((String, Date, Int32).self) {
            return RateDeckVersion(source: source, imported: imported, entries: Int(count))
        }
        return nil
    }

    private static func json(_ deck: RateDeck) throws -> String {
        String(decoding: try JSONEncoder().encode(deck.entries), as: UTF8.self)
    }
}
