import Foundation
import Logging
import NIOCore
import TollGuardCore

/// Sends `api` commands over a connection of their own (a slow `api` on the event connection
/// would stall events: FreeSWITCH runs it on the listener's thread). Commands go one at a time;
/// the connection is made on first use and remade after any failure.
package actor EventSocketCommander {
    private let connection: EventSocketConnection
    private let logger: Logger
    private var requests: AsyncStream<Request>.Continuation?
    private var worker: Task<Void, Never>?

    private struct Request: Sendable {
        var command: String
        var reply: CheckedContinuation<String, any Error>
    }

    package init(connection: EventSocketConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Runs `api <command>` and returns its output (`+OK\n`, `-ERR No such channel!\n`, …).
    package func api(_ command: String) async throws -> String {
        try Task.checkCancellation()
        let continuation = ensureWorker()
        return try await withCheckedThrowingContinuation { reply in
            if case .terminated = continuation.yield(Request(command: "api " + command, reply: reply)) {
                reply.resume(throwing: CancellationError())
            }
        }
    }

    /// Stops the worker; commands after this fail.
    package func shutdown() {
        requests?.finish()
        worker?.cancel()
        requests = nil
        worker = nil
    }

    private func ensureWorker() -> AsyncStream<Request>.Continuation {
        if let requests { return requests }
        let (stream, continuation) = AsyncStream.makeStream(of: Request.self)
        requests = continuation
        let connection = connection
        let logger = logger
        worker = Task {
            var iterator = stream.makeAsyncIterator()
            var pending: Request? = nil
            var failures = 0
            while !Task.isCancelled {
                if pending == nil { pending = await iterator.next() }
                guard pending != nil else { return }
                do {
                    try await connection.run { session in
                        failures = 0
                        while let request = pending {
                            let frame = try await session.command(request.command)
                            pending = nil
                            request.reply.resume(
                                returning: frame.contentType == "api/response" ? frame.bodyText : frame.replyText)
                            pending = await iterator.next()
                        }
                    }
                    return
                } catch {
                    failures += 1
                    logger.warning("event socket command connection failed", metadata: ["error": "\(error)"])
                    if failures >= 3, let request = pending {
                        // Give up on this command; the next one tries a fresh connection.
                        pending = nil
                        request.reply.resume(throwing: error)
                        failures = 0
                    }
                    try? await Task.sleep(for: .milliseconds(200 * failures))
                }
            }
            pending?.reply.resume(throwing: CancellationError())
            while let request = await iterator.next() { request.reply.resume(throwing: CancellationError()) }
        }
        return continuation
    }
}
