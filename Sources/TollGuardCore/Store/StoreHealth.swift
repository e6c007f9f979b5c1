import Foundation
import Logging
import Synchronization

/// Whether the store takes the writes of a long-running process, as each of its parts finds it.
///
/// A part that meets a failed write (the file locked past the busy timeout, the disk full, an I/O
/// error, a read-only file) records it here and keeps what it could not write to try again; its
/// next successful write clears it. `serve` answers `/healthz` with 503 and the reasons while any
/// outage lasts, and counts the failures in `/metrics`.
package final class StoreHealth: Sendable {
    /// An outage as one part of the process sees it.
    package struct Outage: Sendable, Equatable {
        /// The part that cannot write ("live pipeline", "sip watcher", "hook delivery").
        package var component: String
        /// When its first failed write happened.
        package var since: Date
        /// Failed writes since then.
        package var attempts: Int
        /// What the store answered last.
        package var lastError: String

        /// "live pipeline cannot write to the store since 2026-12-02 14:02:11 UTC (3 failed attempts):
        /// SQLite error 5: database is locked …".
        package var reason: String {
            return "\(component) cannot write to the store since \(StoredTime.text(since)) UTC "
                + "(\(attempts) failed \(attempts == 1 ? "attempt" : "attempts")): \(lastError)"
        }
    }

    private let state = Mutex<(outages: [String: Outage], failures: [String: Int])>(([:], [:]))

    package init() {}

    /// Records a failed write of `component`, logs it (an error when the outage starts, a warning
    /// every tenth attempt after) and returns the outage.
    @discardableResult
    package func failed(
        _ component: String, error: any Error, logger: Logger, metadata: Logger.Metadata = [:], now: Date = Date()
    ) -> Outage {
        let outage = state.withLock { state in
            state.failures[component, default: 0] += 1
            var outage =
                state.outages[component] ?? Outage(component: component, since: now, attempts: 0, lastError: "")
            outage.attempts += 1
            outage.lastError = String(describing: error)
            state.outages[component] = outage
            return outage
        }
        var details = metadata
        details["component"] = "\(component)"
        details["error"] = "\(outage.lastError)"
        details["attempts"] = "\(outage.attempts)"
        if outage.attempts == 1 {
            logger.error("the store refused a write; kept in memory, retrying", metadata: details)
        } else if outage.attempts % 10 == 0 {
            logger.warning("the store still refuses writes; kept in memory, retrying", metadata: details)
        }
        return outage
    }

    /// Records a successful write of `component`; when it ends an outage, logs how long it lasted
    /// and returns it.
    @discardableResult
    package func succeeded(_ component: String, logger: Logger, now: Date = Date()) -> Outage? {
        guard let ended = state.withLock({ $0.outages.removeValue(forKey: component) }) else { return nil }
        logger.notice(
            "the store takes writes again",
            metadata: [
                "component": "\(component)", "outage.seconds": "\(Int(now.timeIntervalSince(ended.since)))",
                "attempts": "\(ended.attempts)",
            ])
        return ended
    }

    /// The outage of `component`, if one is going on.
    package func outage(of component: String) -> Outage? {
        state.withLock { $0.outages[component] }
    }

    /// The outages going on, by component.
    package var outages: [Outage] {
        state.withLock { $0.outages.values.sorted { $0.component < $1.component } }
    }

    /// Failed writes since start, by component.
    package var failureCounts: [String: Int] { state.withLock { $0.failures } }
}

/// The wait before the next attempt of a write that failed: 100 ms, doubling up to `maximum`.
package struct RetryBackoff: Sendable {
    package var maximum: Duration
    private var next: Duration = .milliseconds(100)

    package init(maximum: Duration = .seconds(5)) {
        self.maximum = maximum
    }

    /// The wait before the next attempt; each call doubles the one after.
    package mutating func step() -> Duration {
        defer { next = min(next * 2, maximum) }
        return next
    }

    /// After a success: the next failure waits 100 ms again.
    package mutating func reset() { next = .milliseconds(100) }
}
