import Foundation
import Logging
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

/// Every test that uses the PostgreSQL server, one at a time: some restart or stop it.
///
/// Each suite of them is nested in this one (`extension PostgresServerTests`).
/// Twenty minutes a test at most: one that hangs is named in the log, not left to run out CI's time.
@Suite(.serialized, .timeLimit(.minutes(20)), .enabled(if: TestPostgres.enabled, TestPostgres.skipReason))
struct PostgresServerTests {}

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

    /// The server's socket file.
    static var socket: String {
        get throws {
            guard let directory else { throw TestPostgresError.noServer }
            return directory + "/.s.PGSQL.55432"
        }
    }

    static func configuration(database: String) throws -> PostgresClient.Configuration {
        PostgresClient.Configuration(
            unixSocketPath: try socket, username: "tollguard", password: nil, database: database)
    }

    /// `database.url` as a configuration file writes it, for `database` on the test server.
    static func urlText(database: String) throws -> String {
        guard let directory else { throw TestPostgresError.noServer }
        return "postgres://tollguard@/\(database)?host=\(directory)&port=55432"
    }

    /// A `database.url` naming `database` on the test server (and on a standby's socket, first).
    static func url(database: String, standby: String? = nil) throws -> PostgresURL {
        PostgresURL(
            hosts: (standby.map { [.socket(path: $0)] } ?? []) + [.socket(path: try socket)], user: "tollguard",
            database: database, tls: .disable)
    }

    /// Creates a new, empty database; returns its name.
    static func createDatabase() async throws -> String {
        let name = "tg_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await administer("CREATE DATABASE \(name)")
        return name
    }

    static func dropDatabase(_ name: String) async {
        try? await administer("DROP DATABASE \(name) WITH (FORCE)")
    }

    /// An analyzer service (node `analyzer-a`, UTC) on database `name`, its engine `makeEngine`'s.
    static func analyzerService(
        database name: String, application: String, makeEngine: @escaping @Sendable () throws -> AnalysisEngine
    ) throws -> ClusterAnalyzerService {
        ClusterAnalyzerService(
            connector: ClusterConnector(
                url: try url(database: name), password: nil, applicationName: application, logger: logger),
            node: "analyzer-a", timeZone: .named("UTC"), logger: logger, makeEngine: makeEngine)
    }

    /// Ten minutes ago to the whole second (the store keeps calls' times so), promised by edge
    /// `edge-1` of switch `pbx1` in database `name`: the analysis waits for that edge's next
    /// promise before it plays calls from then on.
    static func originPromised(database name: String) async throws -> Date {
        let origin = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 600).rounded(.down))
        try await withStore(database: name) { store in
            try await store.migrate()
            try await store.mark(source: "edge-1", switchName: "pbx1", watermark: origin)
        }
        return origin
    }

    /// Runs `body` with a cluster store on `database`, migrated, its pool running meanwhile.
    static func withStore<T: Sendable>(
        database name: String, _ body: @Sendable (ClusterStore) async throws -> T
    ) async throws -> T {
        let store = ClusterStore(configuration: try configuration(database: name), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            try await store.migrate()
            return try await body(store)
        }
    }

    /// Runs `body` with a cluster store on a new, empty database.
    static func withStore<T: Sendable>(_ body: @Sendable (ClusterStore) async throws -> T) async throws -> T {
        let name = try await createDatabase()
        let result = try await withStore(database: name, body)
        await dropDatabase(name)
        return result
    }

    /// Stops the server at once, as a crash would, and starts it again.
    static func restartServer() async throws {
        guard let directory else { throw TestPostgresError.noServer }
        try await runControl(["restart", directory])
    }

    /// Runs `.ci/postgres` with `arguments`.
    static func runControl(_ arguments: [String]) async throws {
        // posix_spawn and waitpid: Foundation's Process was seen here never to notice the
        // script's exit (its `isRunning` stayed true) once PostgresNIO's tasks were running.
        var pid: pid_t = 0
        let argv = ([control] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, control, nil, nil, argv, environ)
        guard spawned == 0 else { throw TestPostgresError.controlFailed(arguments, spawned) }
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 { try await Task.sleep(for: .milliseconds(20)) }
        guard status == 0 else { throw TestPostgresError.controlFailed(arguments, status) }
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
    case controlFailed([String], Int32)
}
