import Foundation
import Logging

/// Sends commands to a switch over a connection of their own, one at a time, and returns each
/// answer: the connection is made on first use, kept while it works and remade after a failure.
/// A command that fails on three connections in a row fails; the next one tries a fresh one.
///
/// The event connection never carries them: a slow command there would stall the events
/// (FreeSWITCH runs `api` on the listener's thread; Asterisk drops a reader that lags).
package actor SwitchCommander<Command: Sendable, Answer: Sendable> {
    /// Opens one connection and answers the commands of `feed` on it until the feed ends or a
    /// command fails (the throw closes the connection).
    package typealias Session = @Sendable (CommandFeed) async throws -> Void

    private let session: Session
    private let label: String
    private let logger: Logger
    private var requests: AsyncStream<Request>.Continuation?
    private var worker: Task<Void, Never>?

    /// A command and where its answer goes.
    package struct Request: Sendable {
        fileprivate var command: Command
        fileprivate var reply: CheckedContinuation<Answer, any Error>
    }

    /// The commands as one connection takes them: the one a failed connection left unanswered
    /// first, then the new ones.
    package final class CommandFeed {
        fileprivate var iterator: AsyncStream<Request>.AsyncIterator
        fileprivate var pending: Request?

        fileprivate init(_ iterator: AsyncStream<Request>.AsyncIterator) { self.iterator = iterator }

        /// The next command to send; nil once the commander shuts down.
        package func next() async -> Command? {
            if pending == nil { pending = await iterator.next() }
            return pending?.command
        }

        /// Answers the command ``next()`` gave.
        package func answer(_ answer: Answer) {
            pending?.reply.resume(returning: answer)
            pending = nil
        }

        fileprivate func fail(_ error: any Error) {
            pending?.reply.resume(throwing: error)
            pending = nil
        }
    }

    /// `label` names the connection in the log (`event socket`, `Asterisk Manager`).
    package init(label: String, logger: Logger, session: @escaping Session) {
        self.label = label
        self.logger = logger
        self.session = session
    }

    /// Sends `command` and returns the switch's answer.
    package func send(_ command: Command) async throws -> Answer {
        try Task.checkCancellation()
        let continuation = ensureWorker()
        return try await withCheckedThrowingContinuation { reply in
            if case .terminated = continuation.yield(Request(command: command, reply: reply)) {
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
        let session = session
        let logger = logger
        let label = label
        worker = Task {
            let feed = CommandFeed(stream.makeAsyncIterator())
            var failures = 0
            while !Task.isCancelled {
                guard await feed.next() != nil else { return }
                do {
                    try await session(feed)
                    return
                } catch {
                    failures += 1
                    logger.warning("\(label) command connection failed", metadata: ["error": "\(error)"])
                    if failures >= 3 {
                        feed.fail(error)
                        failures = 0
                    }
                    try? await Task.sleep(for: .milliseconds(200 * failures))
                }
            }
            feed.fail(CancellationError())
            while let request = await feed.iterator.next() { request.reply.resume(throwing: CancellationError()) }
        }
        return continuation
    }
}
