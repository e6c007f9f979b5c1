import Foundation
import Logging
import ServiceLifecycle
import TollGuardCore

/// A node's side of what people set for the whole cluster — daily quotas and their raises, fraud
/// lists — as a service of `serve` on every node of a cluster.
///
/// What the node's own store held before it joined is copied into the cluster once (what the
/// cluster has wins), then every `interval` the cluster's are copied into the node's store: its
/// live view applies the quotas to the calls of its switches, and when the lists changed
/// `listsChanged` makes the node's engines anew from them (as a SIGHUP does). `tollguard quota`
/// and `tollguard lists` on any node change the cluster's; the leading analyzer reads the quotas
/// there.
package struct ClusterQuotaAndListMirror: Service {
    package let connector: ClusterConnector
    package let local: TollGuardDatabase
    package let node: String
    package var interval = Duration.seconds(2)
    package var retry = ClusterConnector.Retry()
    /// Called after the node's copy of the lists changed.
    package var listsChanged: @Sendable () -> Void = {}
    private let logger: Logger

    package init(connector: ClusterConnector, local: TollGuardDatabase, node: String, logger: Logger) {
        self.connector = connector
        self.local = local
        self.node = node
        self.logger = logger
    }

    package func run() async throws {
        await connector.keepRunning(
            retry: retry, logger: logger,
            failure: "cannot read the cluster's quotas and lists; the last ones read stay"
        ) { store in
            try await importOnce(store)
            while !Task.isCancelled {
                try await mirrorOnce(store)
                try await Task.sleep(for: interval)
            }
        }
    }

    /// Copies this node's own quotas and lists into the cluster's, unless they were before.
    package func importOnce(_ store: ClusterStore) async throws {
        let quotas = try local.quotas()
        let raises = try local.allQuotaRaises()
        if let added = try await store.importQuotas(of: node, quotas: quotas, raises: raises),
            !quotas.isEmpty || !raises.isEmpty
        {
            logger.notice(
                "the node's quotas were copied into the cluster's, where tollguard quota sets them from now on",
                metadata: [
                    "quotas": "\(added.quotas) of \(quotas.count)", "raises": "\(added.raises) of \(raises.count)",
                ])
        }
        let summaries = try local.fraudListSummaries()
        let lists = try local.fraudLists().compactMap { list in
            summaries.first { $0.name == list.name }.map { (list, $0) }
        }
        if let added = try await store.importFraudLists(of: node, lists: lists), !lists.isEmpty {
            logger.notice(
                "the node's fraud lists were copied into the cluster's, where tollguard lists imports them from now on",
                metadata: ["lists": "\(added) of \(lists.count)"])
        }
    }

    /// One look at the cluster's quotas and lists, copied here.
    package func mirrorOnce(_ store: ClusterStore) async throws {
        let quotas = try await store.quotas()
        let raises = try await store.raises(onDay: nil)
        if try await local.mirror(clusterQuotas: quotas, raises: raises) {
            logger.info(
                "the cluster's quotas changed", metadata: ["quotas": "\(quotas.count)", "raises": "\(raises.count)"])
        }
        let theirs = try await store.fraudListVersions()
        let ours = try local.fraudListVersions()
        guard theirs != ours else { return }
        for version in theirs where !ours.contains(version) {
            guard let list = try await store.fraudList(named: version.name),
                let imported = StoredTime.date(version.imported)
            else { continue }  // removed meanwhile: the next look
            try local.saveFraudList(list, sourcePath: version.source, imported: imported)
        }
        for version in ours where !theirs.contains(where: { $0.name == version.name }) {
            _ = try local.removeFraudList(named: version.name)
        }
        logger.notice(
            "the cluster's fraud lists changed; the engines are made anew with them",
            metadata: ["lists": "\(theirs.map(\.name).joined(separator: ", "))"])
        listsChanged()
    }
}
