import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The nightly check of a cluster's live analysis; nothing is written.
///
/// The cluster's calls of a period, as its analyzer consumed them, are replayed through a new
/// engine as `analyze` replays a single box's, and the alerts found compared with those the
/// analyzer wrote.
///
/// An alert of the replay is *matched* when the cluster holds an alert of the same rule, subject
/// and window, seen over an overlapping time, at the same severity or higher; *under-rated* when
/// the cluster's is lower; *missed* when the cluster holds none. The cluster's alerts of the
/// period the replay did not find are counted (an alert continued from before the period, a
/// call the analyzer started from its edge's word and never stored).
package struct ClusterReplayCheck: Sendable {
    package let store: ClusterStore
    /// The engine the replay runs: the configuration's analyzers and the node's copy of the
    /// cluster's lists (the cluster's quotas are given to it at the start of the run).
    package let makeEngine: @Sendable () throws -> AnalysisEngine
    package var evidenceLimit = 1000
    /// The time zone the engine counts days in (the node's `[site] timezone`): the check refuses
    /// to run when the cluster's analyzer counts them in another.
    package var nodeTimeZone: TimeZone?

    package init(store: ClusterStore, makeEngine: @escaping @Sendable () throws -> AnalysisEngine) {
        self.store = store
        self.makeEngine = makeEngine
    }

    /// What the check found.
    package struct Outcome: Sendable {
        /// The period checked: as asked, its end brought back to the analyzer's release when the
        /// analyzer has not played that far yet.
        package var from: Date
        package var to: Date
        /// Where the analyzer's release stood (nil: it has played no call yet).
        package var released: Date?
        package var callsReplayed = 0
        package var callsWarmingUp = 0
        package var findings = 0
        /// The replay's alerts.
        package var found: [AlertDraft] = []
        package var matched = 0
        package var missed: [AlertDraft] = []
        package var underRated: [(replay: AlertDraft, cluster: Severity)] = []
        /// The cluster's alerts seen in the period that the replay did not find.
        package var onlyInCluster: [ClusterAlert] = []

        /// Whether the live analysis raised everything the replay found, as severe.
        package var agrees: Bool { missed.isEmpty && underRated.isEmpty }
    }

    /// Replays the calls that started in `[from, to)` (after the engine's reach of history) and
    /// compares; throws ``NothingAnalyzedYet`` when the cluster's analyzer never committed.
    package func run(from: Date, to requestedEnd: Date) async throws -> Outcome {
        let lease = AnalyzerLease(store: store, node: "")
        guard let committed = try await lease.committed() else {
            throw NothingAnalyzedYet()
        }
        if let nodeTimeZone, let analyzer = try await lease.timeZone(), analyzer.identifier != nodeTimeZone.identifier {
            throw TimeZoneDiffers(node: nodeTimeZone.identifier, analyzer: analyzer.identifier)
        }
        var offsets = committed
        let released = ClusterAnalyzer.takeReleased(from: &offsets)
        let to = min(requestedEnd, released ?? from)
        var outcome = Outcome(from: from, to: max(from, to), released: released)
        var engine = try makeEngine()
        // The cluster's quotas, as its analyzer takes them, whatever the node's own store holds.
        engine.updateQuotas(try await store.quotaTable(), raises: try await store.quotaRaises())
        var aggregator = AlertAggregator(evidenceLimit: evidenceLimit)
        func collect(_ findings: [Finding]) {
            for finding in findings where finding.time >= from && finding.time < outcome.to {
                outcome.findings += 1
                aggregator.add(finding)
            }
        }
        try await store.forEachConsumedCall(
            from: from.addingTimeInterval(-engine.reach), to: outcome.to, offsets: offsets
        ) { arrived in
            if arrived.call.startedAt >= from {
                outcome.callsReplayed += 1
            } else {
                outcome.callsWarmingUp += 1
            }
            collect(engine.replay(arrived.call))
        }
        collect(engine.finish())
        outcome.found = aggregator.drafts
        let cluster = try await store.alerts(seenFrom: from, to: outcome.to)
        let byKey = Dictionary(grouping: cluster) { alert in
            ClusterAnalyzer.AlertKey(
                rule: alert.draft.rule, subject: alert.draft.subject, windowKey: alert.draft.windowKey)
        }
        var used = Set<Int64>()
        for draft in outcome.found {
            let key = ClusterAnalyzer.AlertKey(rule: draft.rule, subject: draft.subject, windowKey: draft.windowKey)
            let same = (byKey[key] ?? []).filter { alert in
                alert.draft.firstSeen <= draft.lastSeen && alert.draft.lastSeen >= draft.firstSeen
            }
            for alert in same { if let id = alert.id { used.insert(id) } }
            guard let severity = same.map(\.draft.severity).max() else {
                outcome.missed.append(draft)
                continue
            }
            if severity >= draft.severity {
                outcome.matched += 1
            } else {
                outcome.underRated.append((draft, severity))
            }
        }
        outcome.onlyInCluster = cluster.filter { alert in alert.id.map { !used.contains($0) } ?? true }
        return outcome
    }
}

/// The cluster's analyzer has committed nothing: there is no live analysis to check.
package struct NothingAnalyzedYet: Error, CustomStringConvertible {
    package var description: String {
        "the cluster's analyzer has analyzed nothing yet (no leader has committed): see tollguard cluster status"
    }
}

/// The node counts days in another time zone than the cluster's analyzer: a replay here would
/// differ from the live analysis by that alone (its daily quotas, its days).
package struct TimeZoneDiffers: Error, CustomStringConvertible {
    package var node: String
    package var analyzer: String

    package var description: String {
        "this node's [site] timezone is \(node), but the cluster's analyzer counts days in \(analyzer): "
            + "give every node of the cluster the same [site] timezone"
    }
}

extension AnalyzerLease {
    /// What the last leader committed: per edge the last call consumed, and the analyzer's own
    /// keys; nil when no leader ever committed.
    package func committed() async throws -> [String: Int64]? {
        let rows = try await store.client.query(
            "SELECT offsets::text FROM analyzer_leases WHERE key_range = \(keyRange)", logger: store.logger)
        for try await json in rows.decode(String.self) {
            let offsets = try Self.offsets(json)
            return offsets.isEmpty ? nil : offsets
        }
        return nil
    }
}
