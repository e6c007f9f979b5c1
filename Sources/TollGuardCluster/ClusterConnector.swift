import Logging
import PostgresNIO
import TollGuardCore

/// Finds the primary among the servers `database.url` names, and runs work against it.
///
/// postgres-nio connects one pool to one server, with no host list: the connector asks each
/// server in turn whether it is a standby (`pg_is_in_recovery()`) and keeps the first that is
/// not. After a failover the same question finds the promoted standby.
package struct ClusterConnector: Sendable {
    package let url: PostgresURL
    package let password: String?
    /// What PostgreSQL shows as the connection's application (`pg_stat_activity`).
    package let applicationName: String
    /// How long a server may take to answer whether it is the primary.
    package var probeDeadline = Duration.seconds(5)
    /// Connections each pool may open.
    package var maximumConnections = 4
    private let logger: Logger

    /// `password`: `PGPASSWORD` of the environment, as libpq's tools read it.
    package init(url: PostgresURL, password: String?, applicationName: String, logger: Logger) {
        self.url = url
        self.password = password
        self.applicationName = applicationName
        self.logger = logger
    }

    /// The connection pool's settings for one server of the list.
    package func configuration(for host: PostgresURL.Host) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch host {
        case .socket(let path):
            configuration = PostgresClient.Configuration(
                unixSocketPath: path, username: url.user, password: password, database: url.database)
        case .tcp(let name, let port):
            let tls: PostgresClient.Configuration.TLS =
                switch url.tls {
                case .disable: .disable
                case .prefer: .prefer(.makeClientConfiguration())
                case .require: .require(.makeClientConfiguration())
                }
            configuration = PostgresClient.Configuration(
                host: name, port: port, username: url.user, password: password, database: url.database, tls: tls)
        }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = probeDeadline
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    /// What every connection tells the server as it starts: its name, and no JIT compilation.
    ///
    /// The store's statements either touch a few rows through an index or stream rows to the
    /// node, which does the work (a replay, a report). JIT gains nothing on either (a takeover's
    /// replay measured as fast without), and many statements read their arguments from JSON,
    /// which the planner counts as 100 rows each: the analyzer's read of the calls up was planned
    /// past `jit_above_cost` and spent 25-33 ms compiling for 0.05 ms of work, most of each step.
    package var startupParameters: [(String, String)] {
        [("application_name", applicationName), ("jit", "off")]
    }

    /// Runs `body` with a store on the primary; throws ``ClusterConnectionError/noPrimary(_:)``
    /// naming what each server answered when none is.
    ///
    /// The store's pool runs while `body` does, through a graceful shutdown; `body`'s errors end
    /// it and are thrown as they are.
    package func withPrimary<Result: Sendable>(
        _ body: (ClusterStore, PostgresURL.Host) async throws -> Result
    ) async throws -> Result {
        var answers: [String] = []
        for host in url.hosts {
            do {
                if try await isStandby(host) {
                    answers.append("\(host) is a standby")
                    continue
                }
            } catch {
                answers.append("\(host): \(ReadableError(error))")
                continue
            }
            let store = ClusterStore(configuration: configuration(for: host), logger: logger)
            // Detached: the pool stops at a graceful shutdown of the task that runs it (it is a
            // Service), and `body` may still have its last work to do then (an edge ships once
            // more); the pool ends when `body` does.
            let pool = Task.detached { await store.run() }
            do {
                let result = try await body(store, host)
                pool.cancel()
                await pool.value
                return result
            } catch {
                pool.cancel()
                await pool.value
                throw error
            }
        }
        throw ClusterConnectionError.noPrimary(answers)
    }

    /// Asks one server over a connection of its own whether it is a standby.
    ///
    /// Not through a pool: a pool keeps trying a server that refuses connections (a stopped
    /// primary) until its circuit breaker trips, a minute later; one connection fails at once.
    private func isStandby(_ host: PostgresURL.Host) async throws -> Bool {
        let pool = configuration(for: host)
        var configuration: PostgresConnection.Configuration
        switch host {
        case .socket(let path):
            configuration = PostgresConnection.Configuration(
                unixSocketPath: path, username: pool.username, password: pool.password, database: pool.database)
        case .tcp(let name, let port):
            let tls: PostgresConnection.Configuration.TLS =
                switch url.tls {
                case .disable: .disable
                case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
            configuration = PostgresConnection.Configuration(
                host: name, port: port, username: pool.username, password: pool.password, database: pool.database,
                tls: tls)
        }
        configuration.options.connectTimeout = .nanoseconds(Int64(probeDeadline.components.seconds) * 1_000_000_000)
        configuration.options.additionalStartupParameters = startupParameters
        let settings = configuration
        let logger = self.logger
        return try await withDeadline(probeDeadline) {
            let connection = try await PostgresConnection.connect(configuration: settings, id: 0, logger: logger)
            do {
                var standby = false
                for try await answer in try await connection.answer("SELECT pg_is_in_recovery()", logger: logger)
                    .decode(Bool.self)
                {
                    standby = answer
                }
                try? await connection.close()
                return standby
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }
}

/// Why no work reached the cluster store.
package enum ClusterConnectionError: Error, CustomStringConvertible {
    /// What each server of the list answered.
    case noPrimary([String])

    package var description: String {
        switch self {
        case .noPrimary(let answers):
            "no PostgreSQL primary among the servers of database.url (" + answers.joined(separator: "; ") + ")"
        }
    }
}
