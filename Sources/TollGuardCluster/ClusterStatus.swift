import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// What `tollguard cluster status` shows: the primary it reached and each edge's shipping.
package struct ClusterStatus: Sendable, Encodable {
    /// One edge (a `sources` row).
    package struct Edge: Sendable, Encodable, Equatable {
        package var node: String
        package var switchName: String
        /// Its last call the store holds (the edge's own numbering).
        package var lastCall: Int64
        /// Seconds since its last shipment, by the database's clock; nil when it never shipped.
        package var secondsSinceShipment: Double?
        /// Its promise to the analyzer: every call of its switch that started before is in the
        /// store (nil: it promises nothing — it reads files or posts).
        package var watermark: Date?

        enum CodingKeys: String, CodingKey {
            case node
            case switchName = "switch"
            case lastCall = "last_call"
            case secondsSinceShipment = "seconds_since_shipment"
            case watermark
        }
    }

    /// The server that answered as the primary.
    package var primary: String
    package var serverVersion: String
    package var edges: [Edge]
    /// The node holding the analyzer lease, and its epoch; nil while none does.
    package var analyzer: String?
    package var analyzerEpoch: Int64?
    /// The time zone the analyzer counts days in (its `[site] timezone`); nil before one led.
    package var analyzerTimeZone: String?
    /// Every call that started before it has been analyzed (the leader's last commit).
    package var analyzedThrough: Date?
    /// The alerts the analyzers wrote.
    package var alerts: Int64 = 0
    /// The deliveries of the hook events they owe, by status (`pending`, `delivered`, `failed`).
    package var hookDeliveries: [String: Int] = [:]
    /// The accounts the analyzers' policy holds suspended (the edges enforce them).
    package var suspended: [String] = []
    /// What people set for every node: the accounts with a daily quota, the fraud lists by name,
    /// and the rate deck (nil: none imported).
    package var quotas = 0
    package var lists: [String] = []
    package var rateDeck: RateDeckVersion?

    enum CodingKeys: String, CodingKey {
        case primary
        case serverVersion = "server_version"
        case edges, analyzer
        case analyzerEpoch = "analyzer_epoch"
        case analyzerTimeZone = "analyzer_time_zone"
        case analyzedThrough = "analyzed_through"
        case alerts
        case hookDeliveries = "hook_deliveries"
        case suspended, quotas, lists
        case rateDeck = "rate_deck"
    }

    /// Reads it from the primary `connector` finds.
    package static func read(_ connector: ClusterConnector) async throws -> ClusterStatus {
        try await connector.withPrimary { store, host in
            try await store.migrate()
            let lease = try await AnalyzerLease(store: store, node: "").holder()
            var status = ClusterStatus(
                primary: "\(host)", serverVersion: try await store.serverVersion(), edges: try await store.edges(),
                analyzer: lease?.node, analyzerEpoch: lease?.epoch)
            status.analyzerTimeZone = try await AnalyzerLease(store: store, node: "").timeZone()?.identifier
            let progress = try await store.analysisProgress()
            status.analyzedThrough = progress.through
            status.alerts = progress.alerts
            for (state, count) in try await ClusterOutbox(store: store).counts() {
                status.hookDeliveries[state.rawValue] = count
            }
            status.suspended = try await store.suspensionsInForce().map(\.account)
            status.quotas = try await store.quotas().count
            status.lists = try await store.fraudListVersions().map(\.name)
            status.rateDeck = try await store.rateDeckVersion()
            return status
        }
    }
}

extension ClusterStore {
    /// Every edge that has shipped, by name.
    package func edges() async throws -> [ClusterStatus.Edge] {
        let rows = try await client.query(
            """
            SELECT source_id, switch_name, last_sequence,
                   extract(epoch FROM now() - shipped_utc)::float8, watermark_utc
            FROM sources ORDER BY source_id
            """, logger: logger)
        var edges: [ClusterStatus.Edge] = []
        for try await (node, switchName, last, seconds, watermark) in rows.decode(
            (String, String, Int64, Double?, Date?).self)
        {
            edges.append(
                ClusterStatus.Edge(
                    node: node, switchName: switchName, lastCall: last, secondsSinceShipment: seconds,
                    watermark: watermark))
        }
        return edges
    }

    /// How far the analysis has gone (the leader's last commit), and the alerts it wrote.
    package func analysisProgress() async throws -> (through: Date?, alerts: Int64) {
        var through: Date?
        for try await value in try await client.query(
            "SELECT (offsets->>\(ClusterAnalyzer.releasedKey))::bigint FROM analyzer_leases ORDER BY key_range LIMIT 1",
            logger: logger
        ).decode(Int64?.self) {
            through = value.map { Date(timeIntervalSince1970: Double($0) / 1000) }
        }
        var alerts: Int64 = 0
        for try await count in try await client.query("SELECT count(*) FROM cluster_alerts", logger: logger)
            .decode(Int64.self)
        {
            alerts = count
        }
        return (through, alerts)
    }

    /// The server's version (`server_version`).
    package func serverVersion() async throws -> String {
        for try await version in try await client.query("SHOW server_version", logger: logger).decode(String.self) {
            return version
        }
        return "unknown"
    }
}
