import Foundation
import Logging
import ServiceLifecycle
import TollGuardCore

/// A node's side of the cluster's daily quotas, as a service of `serve` on every node of a
/// cluster: the quotas the node's own store held before it joined are copied into the cluster
/// once (what the cluster has wins), then every `interval` the cluster's quotas and raises are
/// copied into the node's store, where its live view applies them to the calls of its switches.
///
/// `tollguard quota` on any node sets the cluster's; the leading analyzer reads them there.
package struct ClusterQuotaMirror: Service {
    package let connector: ClusterConnector
    package let local: TollGuardDatabase
    package let node: String
    package var interval = Duration.seconds(2)
    package var retry = ClusterConnector.Retry()
    private let logger: Logger

    package init(connector: ClusterConnector, local: TollGuardDatabase, node: String, logger: Logger) {
        self.connector = connector
        self.local = local
        self.node = node
        self.logger = logger
    }

    package func run() async throws {
        await connector.keepRunning(
            retry: retry, logger: logger, failure: "cannot read the cluster's quotas; the last ones read stay"
        ) { store in
            try await importOnce(store)
            while !Task.isCancelled {
                try await mirrorOnce(store)
                try await Task.sleep(for: interval)
            }
        }
    }

    /// Copies this node's own quotas into the cluster's, unless they were before.
    package func importOnce(_ store: ClusterStore) async throws {
        let quotas = try local.quotas()
        let raises = try local.allQuotaRaises()
        guard let added = try await store.importQuotas(of: node, quotas: quotas, raises: raises) else { return }
        if added.quotas > 0 || added.raises > 0 || !quotas.isEmpty || !raises.isEmpty {
            logger.notice(
                "the node's quotas were copied into the cluster's, where tollguard quota sets them from now on",
                metadata: [
                    "quotas": "\(added.quotas) of \(quotas.count)", "raises": "\(added.raises) of \(raises.count)",
                ])
        }
    }

    /// One look at the cluster's quotas, copied here.
    package func mirrorOnce(_ store: ClusterStore) async throws {
        let quotas = try await store.quotas()
        let raises = try await store.raises(onDay: nil)
        if try await local.mirror(clusterQuotas: quotas, raises: raises) {
            logger.info(
                "the cluster's quotas changed", metadata: ["quotas": "\(quotas.count)", "raises": "\(raises.count)"])
        }
    }
}
