import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import TollGuardCore

/// The cluster store's primary, kept found for requests that come at any time (the console's):
/// a pool to it while it is the primary, found again after a failover.
package final class ClusterPrimary: Service, Sendable {
    private let connector: ClusterConnector
    private let logger: Logger
    private let state = Mutex<(store: ClusterStore?, failure: String?)>((nil, nil))
    /// How often the primary is asked whether it still is one.
    package var checkInterval: Duration { .seconds(5) }
    /// How long a request waits for the primary before it is told the store is unreachable.
    package let patience: Duration

    package init(connector: ClusterConnector, patience: Duration = .seconds(5), logger: Logger) {
        self.connector = connector
        self.patience = patience
        self.logger = logger
    }

    package func run() async throws {
        await connector.keepRunning(
            retry: ClusterConnector.Retry(), logger: logger, failure: "the console lost the cluster store",
            failed: { failure in self.state.withLock { $0.failure = failure } }
        ) { store in
            self.state.withLock { $0 = (store, nil) }
            defer { self.state.withLock { $0.store = nil } }
            while true {
                try await Task.sleep(for: self.checkInterval)
                if try await store.isStandby() { throw ClusterPrimaryLost() }
            }
        }
    }

    /// The primary's store; waits up to ``patience`` for one, then throws
    /// ``ClusterStoreUnreachable`` saying what the last attempt met.
    package func store() async throws -> ClusterStore {
        let deadline = ContinuousClock.now + patience
        while true {
            let (store, failure) = state.withLock { $0 }
            if let store { return store }
            guard ContinuousClock.now < deadline else {
                throw ClusterStoreUnreachable(url: "\(connector.url)", failure: failure)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// The primary answered that it is a standby now (promoted elsewhere).
struct ClusterPrimaryLost: Error, CustomStringConvertible {
    var description: String { "the primary became a standby" }
}

/// No primary of the cluster store answers.
package struct ClusterStoreUnreachable: StoreUnavailable {
    package var url: String
    package var failure: String?

    package var description: String {
        "the cluster store at \(url) is not reachable"
            + (failure.map { ": \($0)" } ?? " yet")
    }
}

extension ClusterStore {
    /// Whether the server answers as a standby (`pg_is_in_recovery()`).
    func isStandby() async throws -> Bool {
        let rows = try await client.query("SELECT pg_is_in_recovery()", logger: logger)
        for try await standby in rows.decode(Bool.self) { return standby }
        return false
    }
}
