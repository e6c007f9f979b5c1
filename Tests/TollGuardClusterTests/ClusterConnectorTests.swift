import Foundation
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore

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

        /// What the server or the connection said reaches the operator: postgres-nio's own
        /// description of its errors is one generic sentence.
        @Test func whatPostgreSQLSaidIsWhatTheOperatorReads() async throws {
            let refusal = try await TestPostgres.withStore { store in
                do {
                    _ = try await Self.setting("no_such_setting", store)
                    return ""
                } catch {
                    return "\(ReadableError(error))"
                }
            }
            #expect(refusal == #"PostgreSQL: unrecognized configuration parameter "no_such_setting" (SQLSTATE 42704)"#)

            let missing = ClusterConnector(
                url: try TestPostgres.url(database: "tg_no_such_database"), password: nil,
                applicationName: "tollguard-test", logger: TestPostgres.logger)
            let noDatabase = await Self.failure { try await missing.withPrimary { _, _ in } }
            #expect(noDatabase.contains(#"PostgreSQL: database "tg_no_such_database" does not exist (SQLSTATE 3D000)"#))

            let nowhere = ClusterConnector(
                url: PostgresURL(
                    hosts: [.socket(path: NSTemporaryDirectory() + "no-server-here/.s.PGSQL.5432")], user: "tollguard",
                    database: "tollguard", tls: .disable),
                password: nil, applicationName: "tollguard-test", logger: TestPostgres.logger)
            let noServer = await Self.failure { try await nowhere.withPrimary { _, _ in } }
            #expect(noServer.contains("PostgreSQL: cannot connect: "), "\(noServer)")
            #expect(noServer.contains("No such file or directory"), "the cause: \(noServer)")
            for text in [refusal, noDatabase, noServer] { #expect(!text.contains("Generic description")) }
        }

        private static func failure(_ body: () async throws -> Void) async -> String {
            do {
                try await body()
                return ""
            } catch {
                return "\(ReadableError(error))"
            }
        }

        private static func setting(_ name: String, _ store: ClusterStore) async throws -> String {
            let rows = try await store.client.query(
                "SELECT current_setting(\(name))", logger: TestPostgres.logger)
            for try await value in rows.decode(String.self) { return value }
            return ""
        }
    }
}
