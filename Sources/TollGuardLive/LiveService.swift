import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TollGuardCore

/// The live pipeline as a `Service`: the event-socket listener (when configured) and the ticker
/// feed one stream that the pipeline consumes.
///
/// On graceful shutdown (SIGTERM) the sources stop
/// first, then the pipeline stores everything it received before returning.
package struct LiveService: Service {
    /// A source other than the event socket (a tailed CDR file): runs until cancelled, yielding into the stream.
    package typealias Source = @Sendable (LiveInputs) async -> Void

    package let pipeline: LivePipeline
    package let listener: EventSocketListener?
    package let sources: [Source]
    /// What the pipeline consumes; other sources (CDR posts, reloads) yield into it too.
    package let inputs: LiveInputs

    package init(pipeline: LivePipeline, listener: EventSocketListener?, sources: [Source] = []) {
        self.pipeline = pipeline
        self.listener = listener
        self.sources = sources
        inputs = LiveInputs()
    }

    package func run() async throws {
        let inputs = inputs
        let listener = listener
        let sources = sources
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run(inputs) }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    await withDiscardingTaskGroup { running in
                        running.addTask { await LivePipeline.tick(inputs) }
                        for source in sources {
                            running.addTask { await source(inputs) }
                        }
                        if let listener {
                            running.addTask {
                                await listener.run(feeding: inputs)
                            }
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
    package static func render(_ stats: LivePipeline.Stats, listener: EventSocketListener.Counters?) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Int)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(value)") }
        }
        metric(
            "tollguard_events_total", "counter", "Event-socket events processed.",
            [("", stats.events.load(ordering: .relaxed))])
        metric(
            "tollguard_calls_ingested_total", "counter", "Completed calls stored.",
            [("", stats.callsStored.load(ordering: .relaxed))])
        metric("tollguard_live_calls", "gauge", "Calls in progress.", [("", stats.liveCalls.load(ordering: .relaxed))])
        metric(
            "tollguard_calls_killed_total", "counter", "Live calls hung up (uuid_kill).",
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
        if let listener {
            metric(
                "tollguard_event_socket_reconnects_total", "counter", "Event-socket reconnects.",
                [("", listener.reconnects.load(ordering: .relaxed))])
            metric(
                "tollguard_event_socket_damaged_frames_total", "counter", "Damaged frames dropped.",
                [("", listener.skippedFrames.load(ordering: .relaxed))])
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
