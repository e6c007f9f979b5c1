import Foundation
import Logging
import ServiceLifecycle
import TollGuardCore

/// An edge's side of the analyzer's suspensions, as a service of `serve`: every `interval`, the
/// suspensions in force in the cluster store are copied into this node's store (and copies the
/// cluster lifted are lifted), where the live pipeline hangs up the suspended accounts' calls on
/// the switches it watches and the new ones they start (`kill_on_suspend`,
/// `kill_new_calls_of_suspended`), as for its own suspensions.
package struct ClusterSuspensionMirror: Service {
    package let connector: ClusterConnector
    package let local: TollGuardDatabase
    package var interval = Duration.seconds(1)
    package var retry = ClusterConnector.Retry()
    private let logger: Logger

    package init(connector: ClusterConnector, local: TollGuardDatabase, logger: Logger) {
        self.connector = connector
        self.local = local
        self.logger = logger
    }

    package func run() async throws {
        await connector.keepRunning(
            retry: retry, logger: logger, failure: "cannot read the cluster's suspensions; the last ones read stay"
        ) { store in
            while !Task.isCancelled {
                try await mirrorOnce(store)
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One look at the cluster's suspensions, copied here.
    package func mirrorOnce(_ store: ClusterStore) async throws {
        let (started, lifted) = try await local.mirror(clusterSuspensions: try await store.suspensionsInForce())
        for copy in started {
            logger.notice(
                "suspended by the cluster's analyzer",
                metadata: ["account": "\(copy.account)", "suspension.reason": "\(copy.reason)"])
        }
        for copy in lifted {
            logger.notice("the cluster lifted a suspension", metadata: ["account": "\(copy.account)"])
        }
    }
}
