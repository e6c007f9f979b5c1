import Logging
import PostgresNIO
import Synchronization

extension PostgresConnection {
    /// `query(_:logger:)`, or ``ConnectionClosedUnanswered`` once the connection has closed
    /// without answering.
    ///
    /// postgres-nio 1.33 drops a query sent on a connection that has closed: it neither returns
    /// nor throws. A connection held across a pause meets that: an analyzer stopped (SIGSTOP, a
    /// stall) inside a transaction finds, on waking, that the server ended the idle transaction
    /// and closed the connection — and its next query waited forever, so it never noticed that
    /// it had lost the lease. The query's own answer wins when it has one: a closed connection
    /// fails it only after `grace`.
    @discardableResult
    package func answer(
        _ query: PostgresQuery, logger: Logger, grace: Duration = .seconds(1), file: String = #fileID,
        line: Int = #line
    ) async throws -> PostgresRowSequence {
        if isClosed { throw ConnectionClosedUnanswered() }
        let settled = Mutex(false)
        return try await withCheckedThrowingContinuation { continuation in
            let settle: @Sendable (Result<PostgresRowSequence, any Error>) -> Void = { result in
                let first = settled.withLock { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(with: result) }
            }
            let watch = Task {
                while !isClosed {
                    guard (try? await Task.sleep(for: .milliseconds(100))) != nil else { return }
                }
                guard (try? await Task.sleep(for: grace)) != nil else { return }
                settle(.failure(ConnectionClosedUnanswered()))
            }
            Task {
                do {
                    settle(.success(try await self.query(query, logger: logger, file: file, line: line)))
                } catch {
                    settle(.failure(error))
                }
                watch.cancel()
            }
        }
    }
}

/// A query the server never answered: its connection closed first (the server restarted, or
/// ended a transaction left idle too long).
package struct ConnectionClosedUnanswered: Error, CustomStringConvertible {
    package var description: String { "the PostgreSQL connection closed before the query was answered" }
}
