import Foundation
import PostgresNIO
import Testing
import TollGuardCluster

/// What a node's connections tell the server as they start.
extension PostgresServerTests {
    @Suite struct ClusterConnectorTests {
        /// A node's connections name it and run without JIT: the store's statements are short,
        /// and the server compiled some of them for longer than they ran (the server's default,
        /// as a plain connection shows, is on).
        @Test func aNodesConnectionsNameItAndRunWithoutJIT() async throws {
            let name = try await TestPostgres.createDatabase()
            let connector = ClusterConnector(
                url: try TestPostgres.url(database: name), password: nil, applicationName: "tollguard-edge-1",
                logger: TestPostgres.logger)
            let settings = try await connector.withPrimary { store, _ in
                (try await Self.setting("jit", store), try await Self.setting("application_name", store))
            }
            let serverDefault = try await TestPostgres.withStore(database: name) { store in
                try await Self.setting("jit", store)
            }
            await TestPostgres.dropDatabase(name)
            #expect(settings.0 == "off")
            #expect(settings.1 == "tollguard-edge-1")
            #expect(serverDefault == "on", "the server's default, which the node's connections change")
        }

        private static func setting(_ name: String, _ store: ClusterStore) async throws -> String {
            let rows = try await store.client.query(
                "SELECT current_setting(\(name))", logger: TestPostgres.logger)
            for try await value in rows.decode(String.self) { return value }
            return ""
        }
    }
}
