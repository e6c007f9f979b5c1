import Foundation
import Synchronization
import TollGuardCore
import TollGuardHTTP
import TollGuardLive

/// What `/healthz` says of a running `serve`.
enum ServeHealth {
    /// Unhealthy while a part of `serve` cannot write to the store, while the latest nightly
    /// `analyze` found its period empty (``BlindPeriod``), and until the event socket has
    /// connected once; healthy otherwise (also when no event socket is configured).
    static func status(
        listener: EventSocketListener.Counters?, store: StoreHealth, blindAnalysis: BlindPeriod? = nil,
        timeZone: TimeZone = .gmt
    ) -> HealthStatus {
        let outages = store.outages
        if !outages.isEmpty {
            return HealthStatus(healthy: false, reason: outages.map(\.reason).joined(separator: "; "))
        }
        if let blindAnalysis {
            return HealthStatus(
                healthy: false, reason: "the last analyze saw no calls: " + blindAnalysis.warning(in: timeZone))
        }
        guard let listener else { return HealthStatus(healthy: true, reason: "ok (no event socket configured)") }
        if listener.connects.load(ordering: .relaxed) == 0 {
            let error = listener.lastError.withLock { $0 } ?? "connecting"
            return HealthStatus(healthy: false, reason: "event socket not connected: " + error)
        }
        return HealthStatus(healthy: true, reason: "ok")
    }
}
