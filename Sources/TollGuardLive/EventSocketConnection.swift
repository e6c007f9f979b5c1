import Foundation
import NIOCore
import TollGuardCore

/// One inbound connection to FreeSWITCH's event socket, used inside ``run(_:)``: connect,
/// `auth`, then the caller's conversation over the frame stream.
///
/// Every reply is checked; a
/// wrong password or an ACL refusal throws the matching ``EventSocketError``.
package struct EventSocketConnection: Sendable {
    package var host: String
    package var port: Int
    package var password: String
    package var connectTimeout: TimeAmount = .seconds(5)

    package init(host: String, port: Int, password: String) {
        self.host = host
        self.port = port
        self.password = password
    }

    /// The authenticated connection, as `body` sees it.
    package struct Session {
        fileprivate var frames: NIOAsyncChannelInboundStream<ESLFrame>.AsyncIterator
        fileprivate let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
        /// The NIO channel, to close it from another task (the heartbeat watchdog).
        package let channel: any Channel

        /// The next frame; throws ``EventSocketError/disconnected(_:)`` at the end of the stream.
        package mutating func nextFrame() async throws -> ESLFrame {
            guard let frame = try await frames.next() else { throw EventSocketError.disconnected("end of stream") }
            if frame.contentType == "text/disconnect-notice", frame.headers["Content-Disposition"] != "linger" {
                throw EventSocketError.disconnected(frame.bodyText.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            return frame
        }

        /// Sends one command (`\n\n` is added).
        package func send(_ command: String) async throws {
            var text = command
            while text.hasSuffix("\n") { text.removeLast() }
            try await writer.write(ByteBuffer(string: text + "\n\n"))
        }

        /// Sends a command and waits for its `command/reply` or `api/response`; events that
        /// arrive meanwhile go to `onEvent`.
        package mutating func command(
            _ command: String, onEvent: (ESLFrame) async throws -> Void = { _ in }
        ) async throws -> ESLFrame {
            try await send(command)
            while true {
                let frame = try await nextFrame()
                switch frame.contentType {
                case "command/reply", "api/response": return frame
                default: try await onEvent(frame)
                }
            }
        }
    }

    /// Connects, authenticates and runs `body` with the session; the connection closes when it returns.
    package func run<Result: Sendable>(
        onSkip: @escaping @Sendable (String) -> Void = { _ in },
        _ body: (inout Session) async throws -> Result
    ) async throws -> Result {
        let channel = try await FramedConnection.open(
            host: host, port: port, timeout: connectTimeout, decoder: ESLFrameDecoder(onSkip: onSkip))
        let raw = channel.channel
        return try await channel.executeThenClose { inbound, outbound in
            var session = Session(frames: inbound.makeAsyncIterator(), writer: outbound, channel: raw)
            let greeting = try await session.nextFrame()
            switch greeting.contentType {
            case "auth/request": break
            case "text/rude-rejection": throw EventSocketError.rejectedByACL(greeting.bodyText)
            default: throw EventSocketError.unexpected("expected auth/request, got \(greeting.contentType)")
            }
            try await session.send("auth \(password)")
            let reply: ESLFrame
            do {
                reply = try await session.nextFrame()
            } catch EventSocketError.disconnected(let text) {
                throw EventSocketError.authenticationFailed(text)
            }
            guard reply.replyText.lowercased() == "+ok accepted" else {
                throw EventSocketError.authenticationFailed(reply.replyText)
            }
            return try await body(&session)
        }
    }
}
