import Foundation
import Logging
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore

/// The PostgreSQL server the cluster tests use; each test gets a database of its own.
///
/// Started by `.ci/postgres start DIR`, named by `TOLLGUARD_TEST_POSTGRES=DIR`.
///
/// Without it the tests are skipped with the reason, unless `TOLLGUARD_REQUIRE_POSTGRES=1`
/// (`.ci/run` sets it), which makes its absence a failure.
enum TestPostgres {
    static let environment = ProcessInfo.processInfo.environment
    /// The server's folder, when one was started for the tests.
    static let directory = environment["TOLLGUARD_TEST_POSTGRES"]
    /// Whether the cluster tests run: a server is named, or CI demands one (then they fail without it).
    static let enabled = directory != nil || environment["TOLLGUARD_REQUIRE_POSTGRES"] == "1"
    static let skipReason: Comment =
        "no PostgreSQL for the cluster tests: run `.ci/postgres start /tmp/tg-postgres` and set TOLLGUARD_TEST_POSTGRES=/tmp/tg-postgres"
    static let control = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".ci/postgres").path
    static let logger = Logger(label: "cluster-test")

    static func configuration(database: String) throws -> PostgresClient.Configuration {
        guard let directory else { throw TestPostgresError.noServer }
        return PostgresClient.Configuration(
            unixSocketPath: directory + "/.s.PGSQL.55432", username: "tollguard", password: nil, database: database)
    }

    /// Runs `body` with a cluster store on a new, empty database.
    static func withStore<T: Sendable>(_ body: @Sendable (ClusterStore) async throws -> T) async throws -> T {
        let name = "tg_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await administer("CREATE DATABASE \(name)")
        let store = ClusterStore(configuration: try configuration(database: name), logger: logger)
        let result = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            try await store.migrate()
            return try await body(store)
        }
        try? await administer("DROP DATABASE \(name) WITH (FORCE)")
        return result
    }

    /// Stops the server at once, as a crash would, and starts it again.
    static func restartServer() async throws {
        guard let directory else { throw TestPostgresError.noServer }
        // posix_spawn and waitpid: Foundation's Process was seen here never to notice the
        // script's exit (its `isRunning` stayed true) once PostgresNIO's tasks were running.
        var pid: pid_t = 0
        let arguments = [control, "restart", directory]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, control, nil, nil, argv, environ)
        guard spawned == 0 else { throw TestPostgresError.restartFailed(spawned) }
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 { try await Task.sleep(for: .milliseconds(20)) }
        guard status == 0 else { throw TestPostgresError.restartFailed(status) }
    }

    /// Runs one statement on the server's `postgres` database (names made by the tests only).
    private static func administer(_ sql: String) async throws {
        let client = PostgresClient(configuration: try configuration(database: "postgres"), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    /// One integer a query answers.
    static func number(_ query: PostgresQuery, _ store: ClusterStore) async throws -> Int64 {
        for try await value in try await store.client.query(query, logger: logger).decode(Int64.self) {
            return value
        }
        return 0
    }
}

enum TestPostgresError: Error {
    case noServer
    case restartFailed(Int32)
}
