import Foundation
import Logging
import ServiceLifecycle
import TollGuardCore

/// An edge's side of the analyzer's suspensions, as a service of `serve`: the suspensions in
/// force in the cluster store are copied into this node's store (and copies the cluster lifted
/// are lifted) as soon as a change is rung (``ClusterSuspensions/notificationChannel``) and at
/// least every `interval`; the live pipeline, told at once (`changed`), hangs up the suspended
/// accounts' calls on the switches it watches and the new ones they start (`kill_on_suspend`,
/// `kill_new_calls_of_suspended`), as for its own suspensions.
///
/// The suspension is the analyzer's order to hang up: the edge knows its calls up as they are
/// now (an Asterisk channel's exact name, a call started since the analyzer's last look) and
/// its switch's kill settings.
package struct ClusterSuspensionMirror: Service {
    package let connector: ClusterConnector
    package let local: TollGuardDatabase
    package var interval = Duration.seconds(1)
    package var retry = ClusterConnector.Retry()
    /// Called after a look that started or lifted a copy.
    package var changed: @Sendable () -> Void = {}
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
            let doorbell = Doorbell()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await store.ring(doorbell, atNotificationsOn: ClusterSuspensions.notificationChannel)
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await mirrorOnce(store)
                        await doorbell.wait(upTo: interval)
                    }
                }
                // Either ending (the listening connection lost, a look failing) ends both: the
                // service finds the primary again.
                try await group.next()
                group.cancelAll()
                throw SuspensionListeningEnded()
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
        if !started.isEmpty || !lifted.isEmpty { changed() }
    }
}

/// The connection that listened for changes of the suspensions ended: the service connects again.
struct SuspensionListeningEnded: Error, CustomStringConvertible {
    var description: String { "the connection listening for suspensions ended" }
}
