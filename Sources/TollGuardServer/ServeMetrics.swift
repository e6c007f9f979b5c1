import Foundation
import Synchronization
import TollGuardCluster
import TollGuardCore
import TollGuardHooks
import TollGuardLive

/// `/metrics` of a running `serve`: the live counters, the hook outbox and its delivery service.
enum ServeMetrics {
    static func render(
        pipeline: LivePipeline.Stats, switches: LiveSwitches, inputs: LiveInputs,
        hooks: HookDeliveryService, database: TollGuardDatabase, store: StoreHealth,
        shipping: ShippingStatus.Snapshot? = nil, analyzer: AnalyzerStatus.Snapshot? = nil
    ) async -> String {
        var text = LiveMetrics.render(pipeline, switches: switches)
        text += "# HELP tollguard_live_inputs_waiting Events and calls received and not yet taken by the pipeline.\n"
        text += "# TYPE tollguard_live_inputs_waiting gauge\n"
        text += "tollguard_live_inputs_waiting \(inputs.backlog)\n"
        text += "# HELP tollguard_live_calls_unstored Completed calls received and not yet stored.\n"
        text += "# TYPE tollguard_live_calls_unstored gauge\n"
        text += "tollguard_live_calls_unstored \(pipeline.pendingCalls.load(ordering: .relaxed))\n"
        let failing = Set(store.outages.map(\.component))
        let failures = store.failureCounts
        let components = [
            LivePipeline.storeComponent, SecurityLogWatchService.storeComponent, HookDeliveryService.storeComponent,
        ]
        text +=
            "# HELP tollguard_store_write_failures_total Writes the store refused (busy, full, I/O, read-only), by part.\n"
        text += "# TYPE tollguard_store_write_failures_total counter\n"
        for component in components {
            text += "tollguard_store_write_failures_total{component=\"\(component)\"} \(failures[component] ?? 0)\n"
        }
        text += "# HELP tollguard_store_failing Whether a part cannot write to the store now (1) or can (0).\n"
        text += "# TYPE tollguard_store_failing gauge\n"
        for component in components {
            text += "tollguard_store_failing{component=\"\(component)\"} \(failing.contains(component) ? 1 : 0)\n"
        }
        if let outbox = try? await database.outboxCounts() {
            text += "# HELP tollguard_hook_deliveries Hook deliveries in the outbox, by status.\n"
            text += "# TYPE tollguard_hook_deliveries gauge\n"
            for status in DeliveryStatus.allCases {
                text += "tollguard_hook_deliveries{status=\"\(status.rawValue)\"} \(outbox[status] ?? 0)\n"
            }
        }
        if let run = try? database.lastAnalysisRun() {
            let blind = (try? database.blindPeriod(ofRun: run)) != nil
            text += "# HELP tollguard_last_analysis_calls Calls the latest analyze run analysed.\n"
            text += "# TYPE tollguard_last_analysis_calls gauge\n"
            text += "tollguard_last_analysis_calls \(run.calls)\n"
            text +=
                "# HELP tollguard_last_analysis_finished_seconds When the latest analyze run finished (Unix time).\n"
            text += "# TYPE tollguard_last_analysis_finished_seconds gauge\n"
            text += "tollguard_last_analysis_finished_seconds \(Int(run.finished.timeIntervalSince1970))\n"
            text +=
                "# HELP tollguard_last_analysis_blind Whether the latest analyze found no call in its period though "
                + "the store holds earlier ones (1).\n"
            text += "# TYPE tollguard_last_analysis_blind gauge\n"
            text += "tollguard_last_analysis_blind \(blind ? 1 : 0)\n"
        }
        if let shipping { text += shippingMetrics(shipping) }
        if let analyzer { text += analyzerMetrics(analyzer) }
        let counters = hooks.counters
        text += "# HELP tollguard_hook_delivery_passes_failed_total Passes over the outbox that failed as a whole.\n"
        text += "# TYPE tollguard_hook_delivery_passes_failed_total counter\n"
        text += "tollguard_hook_delivery_passes_failed_total \(counters.failedPasses.load(ordering: .relaxed))\n"
        return text
    }

    /// An analyzer node: whether it leads, and what its steps did.
    static func analyzerMetrics(_ analyzer: AnalyzerStatus.Snapshot, now: Date = Date()) -> String {
        let lag = analyzer.released.map { max(0, now.timeIntervalSince($0)) } ?? 0
        return lines([
            (
                "tollguard_analyzer_leading", "gauge", "Whether this node holds the analyzer lease (1).",
                analyzer.leading ? "1" : "0"
            ),
            (
                "tollguard_analyzer_epoch", "gauge", "The epoch of the lease this node holds (0: none).",
                "\(analyzer.epoch ?? 0)"
            ),
            (
                "tollguard_analyzer_lag_seconds", "gauge",
                "How far behind now the analysis is: calls that started since wait for the edges' watermarks.",
                String(format: "%.3f", lag)
            ),
            (
                "tollguard_analyzer_calls_waiting", "gauge", "Calls arrived and waiting for the edges' watermarks.",
                "\(analyzer.waiting)"
            ),
            ("tollguard_analyzer_steps_total", "counter", "Steps this node took while leading.", "\(analyzer.steps)"),
            (
                "tollguard_analyzer_started_from_snapshot", "gauge",
                "Whether this node's engine, when it took the lease, was restored from a snapshot (1) "
                    + "or replayed the engine's reach (0).",
                analyzer.startedFromSnapshot ? "1" : "0"
            ),
            (
                "tollguard_analyzer_started_from_standby", "gauge",
                "Whether this node's engine, when it took the lease, was the one it kept standing by (1): "
                    + "it replayed only the calls since its last catch-up.",
                analyzer.startedFromStandby ? "1" : "0"
            ),
            (
                "tollguard_analyzer_standby_lag_seconds", "gauge",
                "While standing by: how far behind now the engine it keeps at the leader's commits is "
                    + "(-1: it keeps none).",
                analyzer.standbyReleased.map { String(format: "%.3f", max(0, now.timeIntervalSince($0))) } ?? "-1"
            ),
            (
                "tollguard_analyzer_snapshots_total", "counter",
                "Snapshots of the engine this node wrote while leading.",
                "\(analyzer.snapshotsWritten)"
            ),
            (
                "tollguard_analyzer_snapshot_bytes", "gauge", "The size of the last snapshot of the engine written.",
                "\(analyzer.lastSnapshotBytes)"
            ),
            (
                "tollguard_analyzer_snapshot_seconds", "gauge", "How long the last snapshot took to encode and write.",
                String(format: "%.3f", analyzer.lastSnapshotSeconds)
            ),
            (
                "tollguard_analyzer_step_seconds_total", "counter",
                "Seconds this node's steps took (read, play, write): over steps_total, a step's average.",
                String(format: "%.6f", analyzer.stepSeconds)
            ),
            ("tollguard_analyzer_calls_total", "counter", "Calls this node analyzed in order.", "\(analyzer.played)"),
            (
                "tollguard_analyzer_calls_late_total", "counter",
                "Calls that arrived after the analysis had passed their start (analyzed at once).", "\(analyzer.late)"
            ),
            (
                "tollguard_analyzer_calls_begun_total", "counter",
                "Calls started from their edge's word while up, before their records came.", "\(analyzer.begun)"
            ),
            (
                "tollguard_analyzer_calls_up", "gauge", "Calls started from their edge's word and not ended yet.",
                "\(analyzer.live)"
            ),
            (
                "tollguard_analyzer_alerts_written_total", "counter", "Alert rows this node wrote.",
                "\(analyzer.alertsWritten)"
            ),
            (
                "tollguard_analyzer_findings_quieted_total", "counter",
                "Findings this node did not write: a false positive keeps their rule quiet for their subject.",
                "\(analyzer.quieted)"
            ),
            (
                "tollguard_analyzer_hook_deliveries_queued_total", "counter",
                "Hook deliveries this node queued in the cluster store with the alerts it wrote.",
                "\(analyzer.deliveriesQueued)"
            ),
            (
                "tollguard_analyzer_takeovers_total", "counter", "Times this node took the analyzer lease.",
                "\(analyzer.takeovers)"
            ),
            (
                "tollguard_analyzer_engines_remade_total", "counter",
                "Times the leader made its engine anew for a reloaded configuration.", "\(analyzer.enginesRemade)"
            ),
            (
                "tollguard_analyzer_leases_lost_total", "counter", "Times this node lost the lease it held.",
                "\(analyzer.leasesLost)"
            ),
            (
                "tollguard_analyzer_failures_total", "counter", "Analysis attempts that failed otherwise.",
                "\(analyzer.failures)"
            ),
        ])
    }

    private static func lines(_ lines: [(name: String, type: String, help: String, value: String)]) -> String {
        lines.map { "# HELP \($0.name) \($0.help)\n# TYPE \($0.name) \($0.type)\n\($0.name) \($0.value)\n" }.joined()
    }

    /// An edge's shipping to the cluster store.
    static func shippingMetrics(_ shipping: ShippingStatus.Snapshot) -> String {
        let lines: [(name: String, type: String, help: String, value: String)] = [
            (
                "tollguard_cluster_connected", "gauge", "Whether the edge reaches the cluster store's primary (1).",
                shipping.server == nil ? "0" : "1"
            ),
            (
                "tollguard_cluster_journal_backlog", "gauge",
                "Calls this edge's store holds that the cluster store does not yet.", "\(shipping.backlog)"
            ),
            (
                "tollguard_cluster_calls_shipped_total", "counter", "Calls the cluster store took from this edge.",
                "\(shipping.inserted)"
            ),
            (
                "tollguard_cluster_calls_duplicate_total", "counter",
                "Calls the cluster store had already from another edge or feed of their switch.",
                "\(shipping.duplicates)"
            ),
            (
                "tollguard_cluster_calls_resent_total", "counter",
                "Calls sent again because the cluster store lost them after acknowledging them (a failover).",
                "\(shipping.resent)"
            ),
            (
                "tollguard_cluster_shipping_failures_total", "counter",
                "Shipping passes that failed (store unreachable, no primary, a deadline).", "\(shipping.failures)"
            ),
            (
                "tollguard_cluster_last_shipped_seconds", "gauge",
                "When a pass last reached the end of this edge's journal (Unix time; 0: never).",
                "\(Int(shipping.lastShipped?.timeIntervalSince1970 ?? 0))"
            ),
        ]
        return Self.lines(lines)
    }
}
