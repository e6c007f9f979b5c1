import Foundation
import Logging
import ServiceLifecycle
import TollGuardCore

/// An edge's shipping as a service of `serve`: whenever its store takes calls (the doorbell) and
/// at least every `interval`, the calls the cluster store lacks are sent to the primary.
///
/// Failures are retried for as long as `serve` runs, with a growing pause (1 s to 30 s): the
/// calls wait in the edge's own store meanwhile. Each retry finds the primary again (a failover)
/// and builds a new connection pool — a shipment abandoned at its deadline keeps its connection
/// (postgres-nio 1.33), so an old pool is never reused. A graceful shutdown ships once more.
package struct CallShippingService: Service {
    package let connector: ClusterConnector
    package let local: TollGuardDatabase
    package let source: String
    package let switchName: String
    package let doorbell: Doorbell
    package let status: ShippingStatus
    /// The longest wait between two looks at the journal.
    package var interval = Duration.seconds(1)
    /// How long one shipment may take (see ``CallShipper/deadline``).
    package var deadline = Duration.seconds(30)
    /// The edge's calls up, told the analyzer with its promise (see ``CallShipper/callsUp``); nil: none.
    package var callsUp: EdgeCallsUp?
    /// The pause after the first failure; it doubles up to `longestPause`.
    package var firstPause = Duration.seconds(1)
    package var longestPause = Duration.seconds(30)
    private let logger: Logger

    package init(
        connector: ClusterConnector, local: TollGuardDatabase, source: String, switchName: String,
        doorbell: Doorbell = Doorbell(), status: ShippingStatus = ShippingStatus(), logger: Logger
    ) {
        self.connector = connector
        self.local = local
        self.source = source
        self.switchName = switchName
        self.doorbell = doorbell
        self.status = status
        var logger = logger
        logger[metadataKey: "source"] = "\(source)"
        self.logger = logger
    }

    package func run() async throws {
        var pause = firstPause
        while !Task.isCancelled {
            do {
                try await connector.withPrimary { store, server in
                    try await store.migrate()
                    status.connected(to: "\(server)")
                    logger.info("shipping calls to the cluster store", metadata: ["server": "\(server)"])
                    var shipper = CallShipper(
                        source: source, switchName: switchName, local: local, cluster: store, logger: logger)
                    shipper.deadline = deadline
                    // Maybe another server (a failover): it hears every call up again.
                    callsUp?.forget()
                    shipper.callsUp = callsUp
                    let status = self.status
                    shipper.onProgress = { held, journaled in status.progress(held: held, journaled: journaled) }
                    // The first pass on a connection asks what the store holds; the next ones
                    // trust their last answer (a store that lost it refuses their writes).
                    var trusting = false
                    while true {
                        let acknowledged = status.snapshot.held
                        status.shipped(
                            try await shipper.shipPending(acknowledged: acknowledged, trusting: trusting), at: Date())
                        trusting = true
                        pause = firstPause
                        if Task.isShuttingDownGracefully || Task.isCancelled { return }
                        _ = await cancelWhenGracefulShutdown { await doorbell.wait(upTo: interval) }
                    }
                }
                return
            } catch {
                if Task.isCancelled { return }
                status.failed(error, at: Date())
                if let journaled = try? await local.lastCallSequence() {
                    status.progress(held: status.snapshot.held, journaled: journaled)
                }
                let snapshot = status.snapshot
                logger.warning(
                    "cannot ship calls to the cluster store; they wait in this edge's store",
                    metadata: [
                        "error": "\(ReadableError(error))", "waiting": "\(snapshot.backlog)", "retry_in": "\(pause)",
                    ])
                if Task.isShuttingDownGracefully { return }
                let wait = pause
                guard (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: wait) })) != nil else {
                    return
                }
                pause = min(pause * 2, longestPause)
            }
        }
    }
}
