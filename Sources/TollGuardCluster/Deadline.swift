import Synchronization

/// A shipment that took longer than its deadline.
package struct DeadlineExceeded: Error, CustomStringConvertible {
    package var seconds: Duration
    package var description: String { "no answer from PostgreSQL within \(seconds)" }
}

/// Runs `body`, or throws ``DeadlineExceeded`` when it has not finished after `limit`, leaving
/// it running.
///
/// For the one wait postgres-nio 1.33 never ends: a query in flight when the server is stopped
/// at once (`pg_ctl -m immediate`, a crash, a failover) neither returns nor throws. The edge
/// then asks the store again what it holds, so a shipment left behind that did land is not
/// sent twice.
package func withDeadline<Result: Sendable>(
    _ limit: Duration, _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let settled = Mutex(false)
    return try await withCheckedThrowingContinuation { continuation in
        let settle: @Sendable (Swift.Result<Result, any Error>) -> Void = { result in
            let first = settled.withLock { done in
                defer { done = true }
                return !done
            }
            if first { continuation.resume(with: result) }
        }
        let timer = Task {
            guard (try? await Task.sleep(for: limit)) != nil else { return }  // cancelled: `body` finished
            settle(.failure(DeadlineExceeded(seconds: limit)))
        }
        Task {
            do { settle(.success(try await body())) } catch { settle(.failure(error)) }
            timer.cancel()
        }
    }
}
