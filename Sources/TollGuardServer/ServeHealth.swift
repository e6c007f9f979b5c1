import Foundation
import Synchronization
import TollGuardCluster
import TollGuardCore
import TollGuardHTTP
import TollGuardLive

/// What `/healthz` says of a running `serve`.
enum ServeHealth {
    /// Unhealthy while a part of `serve` cannot write to the store, while the latest nightly
    /// `analyze` found its period empty (``BlindPeriod``), and until the event socket has
    /// connected once (every switch, each named in the answer), and while an edge has not reached
    /// the cluster store for `shippingGrace` (``ServeSettings/shippingGrace``), and while an analyzer node has failed
    /// as long; healthy otherwise (also when no live
    /// switch is configured).
    static func status(
        switches: LiveSwitches, store: StoreHealth, blindAnalysis: BlindPeriod? = nil,
        shipping: ShippingStatus.Snapshot? = nil, shippingGrace: TimeInterval = 60,
        analyzer: AnalyzerStatus.Snapshot? = nil, timeZone: TimeZone = .gmt, now: Date = Date()
    ) -> HealthStatus {
        let outages = store.outages
        if !outages.isEmpty {
            return HealthStatus(healthy: false, reason: outages.map(\.reason).joined(separator: "; "))
        }
        if let shipping, let since = shipping.failingSince, now.timeIntervalSince(since) >= shippingGrace {
            // The calls are safe in the edge's store; the cluster's analysis does not see them.
            return HealthStatus(
                healthy: false,
                reason: "the cluster store has been unreachable for \(Int(now.timeIntervalSince(since))) s, "
                    + "\(shipping.backlog) calls wait in this edge's store: \(shipping.lastError ?? "no answer")")
        }
        if let analyzer, let since = analyzer.failingSince, now.timeIntervalSince(since) >= shippingGrace {
            // Another analyzer node may lead meanwhile; this one cannot stand by for it.
            return HealthStatus(
                healthy: false,
                reason:
                    "this analyzer node has not reached the cluster store for \(Int(now.timeIntervalSince(since))) s: "
                    + (analyzer.lastError ?? "no answer"))
        }
        if let blindAnalysis {
            return HealthStatus(
                healthy: false, reason: "the last analyze saw no calls: " + blindAnalysis.warning(in: timeZone))
        }
        guard !switches.isEmpty else { return HealthStatus(healthy: true, reason: "ok (no live switch configured)") }
        // Each switch in turn: connected, reconnecting (and why), or never connected yet.
        var neverConnected: [String] = []
        let states = switches.all.map { live -> String in
            let counters = live.counters
            let error = counters.lastError.withLock { $0 }
            if counters.connects.load(ordering: .relaxed) == 0 {
                neverConnected.append(live.name)
                return "\(live.name) (\(live.kind)) not connected: \(error ?? "connecting")"
            }
            if !counters.isConnected.load(ordering: .relaxed) {
                return "\(live.name) (\(live.kind)) reconnecting: \(error ?? "connection ended")"
            }
            return "\(live.name) (\(live.kind)) connected"
        }
        // One switch: the words of the single-switch releases.
        if switches.all.count == 1, let only = switches.all.first, neverConnected.isEmpty {
            return HealthStatus(
                healthy: true, reason: only.counters.isConnected.load(ordering: .relaxed) ? "ok" : "ok; " + states[0])
        }
        if switches.all.count == 1, !neverConnected.isEmpty, case .eventSocket = switches.all[0].feed {
            let error = switches.all[0].counters.lastError.withLock { $0 } ?? "connecting"
            return HealthStatus(healthy: false, reason: "event socket not connected: " + error)
        }
        return HealthStatus(
            healthy: neverConnected.isEmpty,
            reason: (neverConnected.isEmpty ? "ok; " : "") + states.joined(separator: "; "))
    }
}
