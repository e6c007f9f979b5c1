import Foundation
import Synchronization
import TollGuardCore
import TollGuardHooks
import TollGuardLive

/// `/metrics` of a running `serve`: the live counters, the hook outbox and its delivery service.
enum ServeMetrics {
    static func render(
        pipeline: LivePipeline.Stats, switches: LiveSwitches, inputs: LiveInputs,
        hooks: HookDeliveryService, database: TollGuardDatabase, store: StoreHealth
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
        let counters = hooks.counters
        text += "# HELP tollguard_hook_delivery_passes_failed_total Passes over the outbox that failed as a whole.\n"
        text += "# TYPE tollguard_hook_delivery_passes_failed_total counter\n"
        text += "tollguard_hook_delivery_passes_failed_total \(counters.failedPasses.load(ordering: .relaxed))\n"
        return text
    }
}
