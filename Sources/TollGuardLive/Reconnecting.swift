import Logging
import Synchronization

/// Why a switch's control connection could not be used, as the reconnect loop weighs it.
package protocol SwitchConnectionError: Error, CustomStringConvertible {
    /// An error no reconnect cures quickly (a wrong password, a refused host): retried at the
    /// longest wait, never in a busy loop.
    var isConfigurationError: Bool { get }
}

extension EventSocketError: SwitchConnectionError {}
extension AMIError: SwitchConnectionError {}

/// Runs a switch's sessions one after another until cancelled: after each end or failure it
/// waits 1, 1, 2, 3, 5, 8, … units (fsock's Fibonacci backoff) up to a maximum, from the first
/// wait again once a session got going, at the maximum after a configuration error.
enum Reconnecting {
    static func run(
        reconnectMaxSeconds: Double, backoffUnitSeconds: Double, counters: EventSocketListener.Counters,
        logger: Logger, metadata: Logger.Metadata, failure: String,
        session: (_ connected: () -> Void) async throws -> Void
    ) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await session {
                    failures = 0
                    counters.isConnected.store(true, ordering: .relaxed)
                }
                counters.isConnected.store(false, ordering: .relaxed)
                failures += 1
            } catch is CancellationError {
                counters.isConnected.store(false, ordering: .relaxed)
                return
            } catch let error as any SwitchConnectionError {
                counters.isConnected.store(false, ordering: .relaxed)
                counters.lastError.withLock { $0 = error.description }
                if error.isConfigurationError {
                    logger.error("\(error.description)", metadata: metadata)
                    failures = 100
                } else {
                    logger.warning("\(error.description)", metadata: metadata)
                    failures += 1
                }
            } catch {
                counters.isConnected.store(false, ordering: .relaxed)
                counters.lastError.withLock { $0 = "\(error)" }
                logger.warning("\(failure)", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                failures += 1
            }
            if Task.isCancelled { return }
            counters.reconnects.add(1, ordering: .relaxed)
            let wait =
                EventSocketListener.backoff(attempt: failures - 1, max: reconnectMaxSeconds / backoffUnitSeconds)
                * backoffUnitSeconds
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
        }
    }
}
