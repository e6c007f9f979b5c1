import Foundation
import Logging
import ServiceLifecycle
import TollGuardCore

/// A node's side of what people set for the whole cluster — daily quotas and their raises, fraud
/// lists, the rate deck — as a service of `serve` on every node of a cluster.
///
/// What the node's own store held before it joined is copied into the cluster once (what the
/// cluster has wins), then every `interval` the cluster's are copied into the node's store: its
/// live view applies the quotas to the calls of its switches, and when the lists or the deck
/// changed `listsOrRatesChanged` makes the node's engines and rater anew from them (as a SIGHUP does).
/// `tollguard quota`, `tollguard lists` and `tollguard rates import` on any node change the
/// cluster's; the leading analyzer reads the quotas there.
package struct ClusterQuotaAndListMirror: Service {
    package let connector: ClusterConnector
    package let local: TollGuardDatabase
    package let node: String
    package var interval = Duration.seconds(2)
    package var retry = ClusterConnector.Retry()
    /// Called after the node's copy of the lists or of the rate deck changed.
    package var listsOrRatesChanged: @Sendable () -> Void = {}
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

    /// Copies this node's own quotas, lists and console users into the cluster's, unless they were before.
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
        let users = try local.users()
        if let added = try await store.importUsers(of: node, users: users), !users.isEmpty {
            logger.notice(
                "the node's console users were copied into the cluster's, where tollguard users changes them from now on",
                metadata: ["users": "\(added) of \(users.count)"])
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
        if let version = try local.rateDeckVersion(), try await store.importRateDeck(local.rateDeck(), version: version)
        {
            logger.notice(
                "the node's rate deck became the cluster's, where tollguard rates import replaces it from now on",
                metadata: ["rates": "\(version.entries)", "source": "\(version.source)"])
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
        var changed = try await mirrorRateDeck(store)
        let theirs = try await store.fraudListVersions()
        let ours = try local.fraudListVersions()
        if theirs != ours {
            try await mirrorLists(store, theirs: theirs, ours: ours)
            changed = true
        }
        if changed { listsOrRatesChanged() }
    }

    /// Copies the cluster's deck here when it differs; whether it did.
    private func mirrorRateDeck(_ store: ClusterStore) async throws -> Bool {
        guard let version = try await store.rateDeckVersion(), version != (try local.rateDeckVersion()),
            let (deck, current) = try await store.rateDeck(), let imported = StoredTime.date(current.imported)
        else { return false }
        try local.replaceRateDeck(deck, sourcePath: current.source, imported: imported)
        logger.notice(
            "the cluster's rate deck changed; new calls are priced with it",
            metadata: ["rates": "\(current.entries)", "source": "\(current.source)"])
        return true
    }

    /// Makes the node's lists `theirs`, the cluster's, from `ours`.
    private func mirrorLists(_ store: ClusterStore, theirs: [FraudListVersion], ours: [FraudListVersion])
        async throws
    {
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
    }
}
