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

        enum CodingKeys: String, CodingKey {
            case node
            case switchName = "switch"
            case lastCall = "last_call"
            case secondsSinceShipment = "seconds_since_shipment"
        }
    }

    /// The server that answered as the primary.
    package var primary: String
    package var serverVersion: String
    package var edges: [Edge]
    /// The node holding the analyzer lease, and its epoch; nil while none does.
    package var analyzer: String?
    package var analyzerEpoch: Int64?

    enum CodingKeys: String, CodingKey {
        case primary
        case serverVersion = "server_version"
        case edges, analyzer
        case analyzerEpoch = "analyzer_epoch"
    }

    /// Reads it from the primary `connector` finds.
    package static func read(_ connector: ClusterConnector) async throws -> ClusterStatus {
        try await connector.withPrimary { store, host in
            try await store.migrate()
            let lease = try await AnalyzerLease(store: store, node: "").holder()
            return ClusterStatus(
                primary: "\(host)", serverVersion: try await store.serverVersion(), edges: try await store.edges(),
                analyzer: lease?.node, analyzerEpoch: lease?.epoch)
        }
    }
}

extension ClusterStore {
    /// Every edge that has shipped, by name.
    package func edges() async throws -> [ClusterStatus.Edge] {
        let rows = try await client.query(
            """
            SELECT source_id, switch_name, last_sequence,
                   extract(epoch FROM now() - shipped_utc)::float8
            FROM sources ORDER BY source_id
            """, logger: logger)
        var edges: [ClusterStatus.Edge] = []
        for try await (node, switchName, last, seconds) in rows.decode((String, String, Int64, Double?).self) {
            edges.append(
                ClusterStatus.Edge(node: node, switchName: switchName, lastCall: last, secondsSinceShipment: seconds))
        }
        return edges
    }

    /// The server's version (`server_version`).
    package func serverVersion() async throws -> String {
        for try await version in try await client.query("SHOW server_version", logger: logger).decode(String.self) {
            return version
        }
        return "unknown"
    }
}
