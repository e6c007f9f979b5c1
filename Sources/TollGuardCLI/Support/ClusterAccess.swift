import Foundation
import Logging
import TollGuardCluster
import TollGuardCore

/// The cluster store a command reaches through `database.url`, and how it names it.
struct ClusterAccess {
    let connector: ClusterConnector
    let url: PostgresURL

    /// The cluster of `configuration`; nil when `database.url` is not set (a node alone).
    ///
    /// The password comes from `PGPASSWORD`, never from the configuration file.
    init?(_ configuration: TollGuardConfiguration, application: String) throws {
        guard !configuration.database.url.isEmpty else { return nil }
        do {
            url = try PostgresURL(parsing: configuration.database.url)
        } catch {
            throw CommandFailure("database.url: \(error)")
        }
        connector = ClusterConnector(
            url: url, password: ProcessInfo.processInfo.environment["PGPASSWORD"],
            applicationName: "tollguard \(application)", logger: Logger(label: "tollguard.cluster"))
    }

    /// Runs `work` on the cluster's primary; a store it cannot reach is an error saying what for.
    func onPrimary<Result: Sendable>(
        to purpose: String, _ work: @escaping @Sendable (ClusterStore) async throws -> Result
    ) async throws -> Result {
        do {
            return try await connector.withPrimary { store, _ in try await work(store) }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("cannot reach the cluster store at \(url) to \(purpose): \(ReadableError(error))")
        }
    }
}
