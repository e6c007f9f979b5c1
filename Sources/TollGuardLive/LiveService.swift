import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TollGuardCore

/// The live pipeline as a `Service`: every switch's live connection (event sockets, Asterisk
/// Managers), the other sources and the ticker feed one stream that the pipeline consumes.
///
/// On graceful shutdown (SIGTERM) the sources stop
/// first, then the pipeline stores everything it received before returning.
package struct LiveService: Service {
    /// A source other than the event socket (a tailed CDR file): runs until cancelled, yielding into the stream.
    package typealias Source = @Sendable (LiveInputs) async -> Void

    package let pipeline: LivePipeline
    package let switches: LiveSwitches
    package let sources: [Source]
    /// What the pipeline consumes; other sources (CDR posts, reloads) yield into it too.
    package let inputs: LiveInputs

    package init(pipeline: LivePipeline, switches: LiveSwitches, sources: [Source] = []) {
        self.pipeline = pipeline
        self.switches = switches
        self.sources = sources
        inputs = LiveInputs()
    }

    package func run() async throws {
        let inputs = inputs
        let switches = switches
        let sources = sources
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run(inputs) }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    await withDiscardingTaskGroup { running in
                        running.addTask { await LivePipeline.tick(inputs, flush: pipeline.tickInterval) }
                        for source in sources {
                            running.addTask { await source(inputs) }
                        }
                        for live in switches.all {
                            running.addTask { await live.run(feeding: inputs) }
                        }
                    }
                }
                inputs.finish()
            }
            try await group.waitForAll()
        }
    }
}

/// The Prometheus text exposition of the live counters.
package enum LiveMetrics {
    package static func render(_ stats: LivePipeline.Stats, switches: LiveSwitches) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Int)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(value)") }
        }
        metric(
            "tollguard_events_total", "counter", "Switch events processed (event sockets and Asterisk Managers).",
            [("", stats.events.load(ordering: .relaxed))])
        metric(
            "tollguard_calls_ingested_total", "counter", "Completed calls stored.",
            [("", stats.callsStored.load(ordering: .relaxed))])
        metric("tollguard_live_calls", "gauge", "Calls in progress.", [("", stats.liveCalls.load(ordering: .relaxed))])
        metric(
            "tollguard_calls_killed_total", "counter", "Live calls hung up (uuid_kill, AMI Hangup).",
            [("", stats.kills.load(ordering: .relaxed))])
        let byRule = stats.alertsByRule.withLock { $0 }.sorted { $0.key < $1.key }
        metric(
            "tollguard_alerts_total", "counter", "Alert findings stored, by rule.",
            byRule.map { ("{rule=\"\($0.key)\"}", $0.value) })
        metric(
            "tollguard_cdr_tail_rows_total", "counter", "Rows read from tailed CDR files.",
            [("", stats.tailedRows.load(ordering: .relaxed))])
        metric(
            "tollguard_cdr_tail_rejected_total", "counter", "Rows of tailed CDR files rejected.",
            [("", stats.tailedRowsRejected.load(ordering: .relaxed))])
        metric(
            "tollguard_sip_security_lines_total", "counter", "Security lines read from followed PBX logs.",
            [("", stats.securityLines.load(ordering: .relaxed))])
        metric(
            "tollguard_sip_bans_total", "counter", "Addresses banned from followed PBX logs.",
            [("", stats.bans.load(ordering: .relaxed))])
        metric(
            "tollguard_config_reloads_total", "counter", "Configuration reloads applied (SIGHUP).",
            [("", stats.reloads.load(ordering: .relaxed))])
        if !switches.isEmpty {
            func perSwitch(_ value: (EventSocketListener.Counters) -> Int) -> [(String, Int)] {
                switches.all.map { ("{switch=\"\($0.name)\"}", value($0.counters)) }
            }
            metric(
                "tollguard_switch_connected", "gauge",
                "Whether the switch's live connection is logged in now (1) or not (0).",
                perSwitch { $0.isConnected.load(ordering: .relaxed) ? 1 : 0 })
            metric(
                "tollguard_switch_events_total", "counter", "Events received from the switch.",
                perSwitch { $0.events.load(ordering: .relaxed) })
            metric(
                "tollguard_switch_reconnects_total", "counter", "Reconnects to the switch.",
                perSwitch { $0.reconnects.load(ordering: .relaxed) })
            metric(
                "tollguard_switch_damaged_frames_total", "counter", "Damaged frames or messages dropped.",
                perSwitch { $0.skippedFrames.load(ordering: .relaxed) })
            // The single-switch names of earlier releases, summed over the switches: dashboards keep working.
            metric(
                "tollguard_event_socket_reconnects_total", "counter", "Reconnects, all switches.",
                [("", switches.all.reduce(0) { $0 + $1.counters.reconnects.load(ordering: .relaxed) })])
            metric(
                "tollguard_event_socket_damaged_frames_total", "counter", "Damaged frames dropped, all switches.",
                [("", switches.all.reduce(0) { $0 + $1.counters.skippedFrames.load(ordering: .relaxed) })])
            metric(
                "tollguard_event_socket_resyncs_total", "counter", "Channel lists taken at a (re)connect.",
                [("", stats.resyncs.load(ordering: .relaxed))])
            metric(
                "tollguard_event_socket_resync_calls_total", "counter",
                "Calls a channel list started (up, no event seen) or ended (gone, hangup lost).",
                [
                    ("{change=\"started\"}", stats.resyncStarted.load(ordering: .relaxed)),
                    ("{change=\"ended\"}", stats.resyncEnded.load(ordering: .relaxed)),
                ])
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
