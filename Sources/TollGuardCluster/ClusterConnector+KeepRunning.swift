import Foundation
import Logging
import ServiceLifecycle

extension ClusterConnector {
    /// How a service that reads the cluster store keeps at it: after a failure it waits
    /// `firstPause`, doubled after each failure up to `longestPause` (back to `firstPause` once a
    /// run had worked that long).
    package struct Retry: Sendable {
        package var firstPause = Duration.seconds(1)
        package var longestPause = Duration.seconds(30)

        package init() {}
    }

    /// Runs `body` on the primary until `serve` stops gracefully or the task is cancelled; each
    /// time it fails (the primary lost, a query refused) the failure is logged as `failure`, and
    /// the primary found again after the pause of `retry`; `failed` hears each failure, readable.
    func keepRunning(
        retry: Retry, logger: Logger, failure: String, failed: @Sendable (String) -> Void = { _ in },
        _ body: @escaping @Sendable (ClusterStore) async throws -> Void
    ) async {
        var pause = retry.firstPause
        let clock = ContinuousClock()
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let started = clock.now
            do {
                try await cancelWhenGracefulShutdown {
                    try await withPrimary { store, _ in
                        try await store.migrate()
                        try await body(store)
                    }
                }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                if clock.now - started > retry.longestPause { pause = retry.firstPause }  // it had worked a while
                failed("\(ReadableError(error))")
                logger.warning("\(failure)", metadata: ["error": "\(ReadableError(error))", "retry_in": "\(pause)"])
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, retry.longestPause)
            }
        }
    }
}
