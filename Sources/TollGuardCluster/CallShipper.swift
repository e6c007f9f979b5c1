import Foundation
import Logging
import TollGuardCore

/// An edge's shipper: the calls its own store journals, sent in order to the cluster's store.
///
/// The edge's SQLite store is its journal: every call is stored there first, numbered by its row
/// id. The shipper asks the cluster store what it holds of this edge (`sources.last_sequence`),
/// then sends what follows, a batch at a time, each batch in one transaction with that number.
/// A lost answer, a restart of either side or a failover that lost the last commits is mended by
/// asking again: what the store lacks is sent again, what it has is not stored twice.
package struct CallShipper: Sendable {
    /// The edge's name in the cluster (`sources.source_id`): one shipper per name.
    package var source: String
    /// The switch the edge watches: the switch of a call stored without one.
    package var switchName: String
    /// Calls per transaction.
    package var batchSize = 5_000
    /// How long one shipment may take before it counts as failed (see ``withDeadline(_:_:)``).
    package var deadline = Duration.seconds(30)
    /// Hears, after each answer of the store, the last call it holds of this edge and the last
    /// the edge's store journals.
    package var onProgress: (@Sendable (_ held: Int64, _ journaled: Int64) -> Void)?
    /// The edge's calls up, whose promise each pass takes (see ``EdgePromise`` and
    /// ``ClusterStore/mark(source:switchName:watermark:callsUp:holding:)``).
    ///
    /// Taken before the journal is read, so every call it no longer tells as up and that is
    /// stored is in what the pass ships. Nil: an edge without a live view, which promises nothing.
    package var callsUp: EdgeCallsUp?
    private let local: TollGuardDatabase
    private let cluster: ClusterStore
    private let logger: Logger

    package init(
        source: String, switchName: String, local: TollGuardDatabase, cluster: ClusterStore, logger: Logger
    ) {
        self.source = source
        self.switchName = switchName
        self.local = local
        self.cluster = cluster
        var logger = logger
        logger[metadataKey: "source"] = "\(source)"
        self.logger = logger
    }

    /// Sends every call the cluster store lacks of this edge; returns what the store made of them.
    ///
    /// `acknowledged`: what the store said it held at the end of the last pass. A store that
    /// holds less now lost commits it had acknowledged (a restart with asynchronous commits, a
    /// failover to a standby behind): the calls are sent again and counted as `resent`.
    ///
    /// `trusting`: the last pass, on this connection, ended with the store holding `acknowledged`
    /// — the pass does not ask again (a round trip each tick), for its shipment and its promise
    /// are each refused by a store that holds less, and say what it holds.
    @discardableResult
    package func shipPending(acknowledged: Int64 = 0, trusting: Bool = false) async throws -> ShipmentOutcome {
        let (cluster, source) = (self.cluster, self.source)
        // An edge with a live view that has no promise yet (its first tick to come) holds the
        // analysis back rather than letting it run ahead of calls it may still ship, and leaves
        // the calls up it told before as they are.
        let promise = callsUp.map { $0.take() }
        let watermark = promise.map { $0?.watermark ?? Date(timeIntervalSince1970: 0) }
        var held =
            trusting ? acknowledged : try await withDeadline(deadline) { try await cluster.lastShipped(source: source) }
        let stored = try await local.lastCallSequence()
        var total = ShipmentOutcome()
        if held < acknowledged, acknowledged <= stored {
            logger.warning(
                "the cluster store holds less of this edge than it acknowledged; sending again",
                metadata: ["acknowledged": "\(acknowledged)", "holds": "\(held)"])
            total.resent += acknowledged - held
        }
        guard held <= stored else {
            // The edge's numbers start again below what was shipped (a new store under the same
            // name): sending nothing would lose its calls, sending them would clash.
            throw CallShipperError.journalBehindCluster(source: source, local: stored, cluster: held)
        }
        onProgress?(held, stored)
        while true {
            let calls = try await local.calls(after: held, limit: batchSize, switchName: switchName)
            guard let last = calls.last else {
                // Everything journaled when the promise was made is shipped: it holds now.
                let (switchName, holding) = (self.switchName, held)
                let change = (promise ?? nil)?.callsUp
                let holds = try await withDeadline(deadline) {
                    try await cluster.mark(
                        source: source, switchName: switchName, watermark: watermark, callsUp: change,
                        holding: holding)
                }
                if let holds {
                    // The store lost commits it had acknowledged (it refuses only then): no
                    // promise made; send again from what it holds, then promise.
                    logger.warning(
                        "the cluster store holds less of this edge than it acknowledged; sending again",
                        metadata: ["acknowledged": "\(held)", "holds": "\(holds)"])
                    total.resent += held - holds
                    held = holds
                    onProgress?(held, max(stored, held))
                    continue
                }
                if change != nil { callsUp?.told() }
                return total
            }
            let (switchName, expected) = (self.switchName, held)
            let outcome = try await withDeadline(deadline) {
                try await cluster.ship(calls, after: expected, source: source, switchName: switchName)
            }
            if let holds = outcome.storeHolds {
                // The store lost commits it had acknowledged: send again from what it holds.
                logger.warning(
                    "the cluster store holds less of this edge than it acknowledged; sending again",
                    metadata: ["acknowledged": "\(held)", "holds": "\(holds)"])
                total.resent += held - holds
                held = holds
                onProgress?(held, stored)
                continue
            }
            total.inserted += outcome.inserted
            total.duplicates += outcome.duplicates
            total.alreadyHeld += outcome.alreadyHeld
            logger.debug(
                "shipped calls",
                metadata: [
                    "through": "\(last.sequence)", "inserted": "\(outcome.inserted)",
                    "duplicates": "\(outcome.duplicates)",
                ])
            held = last.sequence
            onProgress?(held, max(stored, held))
        }
    }
}

/// Why an edge cannot ship.
package enum CallShipperError: Error, CustomStringConvertible, Equatable {
    case journalBehindCluster(source: String, local: Int64, cluster: Int64)

    package var description: String {
        switch self {
        case .journalBehindCluster(let source, let local, let cluster):
            "the cluster store holds calls of edge \"\(source)\" up to number \(cluster), but this edge's store "
                + "ends at \(local): is it a new store under an old edge's name? Give the edge a new name."
        }
    }
}
