import Synchronization
import TollGuardHTTP
import TollGuardLive

/// What `/healthz` says of a running `serve`.
enum ServeHealth {
    /// Unhealthy until the event socket has connected once; healthy when none is configured.
    static func status(listener: EventSocketListener.Counters?) -> HealthStatus {
        guard let listener else { return HealthStatus(healthy: true, reason: "ok (no event socket configured)") }
        if listener.connects.load(ordering: .relaxed) == 0 {
            let error = listener.lastError.withLock { $0 } ?? "connecting"
            return HealthStatus(healthy: false, reason: "event socket not connected: " + error)
        }
        return HealthStatus(healthy: true, reason: "ok")
    }
}
