import Crypto
import Foundation
import NIOCore
import TollGuardCore

/// One connection to an Asterisk Manager Interface, used inside ``run(_:)``: connect, read the
/// banner, log in (plain, or by MD5 challenge: the secret never crosses the wire), then the
/// caller's conversation.
///
/// Actions carry an `ActionID` and their answers are matched by it, while events keep arriving
/// in between; a list action (`CoreShowChannels`) is answered by its events up to the one that
/// says `EventList: Complete`.
package struct AMIConnection: Sendable {
    /// How the secret proves itself.
    package enum Authentication: String, Sendable {
        /// `Secret:` in the Login action.
        case plain
        /// `Action: Challenge`, then `Key: md5(challenge + secret)`.
        case md5
    }

    package var host: String
    package var port: Int
    package var username: String
    package var secret: String
    package var authentication: Authentication
    /// The classes of events asked for at login (`call,cdr,system`, plus `security` for the SIP
    /// watcher); Asterisk ANDs them with the user's `read` permission.
    package var events: String
    package var connectTimeout: TimeAmount = .seconds(5)

    package init(
        host: String, port: Int, username: String, secret: String, authentication: Authentication = .plain,
        events: String = "call,cdr,system"
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.secret = secret
        self.authentication = authentication
        self.events = events
    }

    /// An action's answer: its response, and for a list action the events of the list.
    package struct Reply: Sendable {
        package var response: AMIMessage
        package var list: [AMIMessage] = []
    }

    /// The logged-in connection, as `body` sees it.
    package struct Session {
        fileprivate var frames: NIOAsyncChannelInboundStream<AMIFrame>.AsyncIterator
        fileprivate let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
        fileprivate var nextActionID = 1
        /// The banner's version (`9.0.0` of `Asterisk Call Manager/9.0.0`).
        package fileprivate(set) var version = ""
        /// The NIO channel, to close it from another task (the watchdog).
        package let channel: any Channel

        /// The next message; throws ``AMIError/disconnected(_:)`` at the end of the stream.
        package mutating func nextMessage() async throws -> AMIMessage {
            while true {
                guard let frame = try await frames.next() else { throw AMIError.disconnected("end of stream") }
                if case .message(let message) = frame { return message }
            }
        }

        /// Sends `message` as it is.
        package func send(_ message: AMIMessage) async throws {
            try await writer.write(ByteBuffer(string: message.wireText))
        }

        /// What may send from another task (the keep-alive's `Ping`) while this one reads.
        package var sender: Sender { Sender(writer: writer) }

        /// Sends `action` with a fresh `ActionID` and waits for its answer; the events that arrive
        /// meanwhile go to `onEvent`, in order.
        package mutating func action(
            _ action: AMIMessage, onEvent: (AMIMessage) async throws -> Void = { _ in }
        ) async throws -> Reply {
            let id = "tg-\(nextActionID)"
            nextActionID += 1
            var message = action
            message.headers.removeAll { $0.name.caseInsensitiveCompare("ActionID") == .orderedSame }
            message.headers.insert(("ActionID", id), at: min(1, message.headers.count))
            try await send(message)
            var reply: Reply?
            while true {
                let next = try await nextMessage()
                if next.actionID == id {
                    if next.response != nil {
                        guard next["EventList"]?.lowercased() == "start" else { return Reply(response: next) }
                        reply = Reply(response: next)
                        continue
                    }
                    if reply != nil, next.event != nil {
                        if next["EventList"]?.lowercased() == "complete" { return reply ?? Reply(response: next) }
                        reply?.list.append(next)
                        continue
                    }
                }
                if next.event != nil { try await onEvent(next) }
            }
        }
    }

    /// Sends messages on a session from another task; answers come to the session's reader.
    package struct Sender: Sendable {
        fileprivate let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>

        package func send(_ message: AMIMessage) async throws {
            try await writer.write(ByteBuffer(string: message.wireText))
        }
    }

    /// Connects, logs in and runs `body` with the session; the connection closes when it returns.
    ///
    /// Events that arrive before `body` runs (`FullyBooted` right after the login) are handed to
    /// `onEvent`.
    package func run<Result: Sendable>(
        onSkip: @escaping @Sendable (String) -> Void = { _ in },
        onEvent: (AMIMessage) async throws -> Void = { _ in },
        _ body: (inout Session) async throws -> Result
    ) async throws -> Result {
        let channel = try await FramedConnection.open(
            host: host, port: port, timeout: connectTimeout, decoder: AMIFrameDecoder(onSkip: onSkip))
        let raw = channel.channel
        return try await channel.executeThenClose { inbound, outbound in
            var session = Session(frames: inbound.makeAsyncIterator(), writer: outbound, channel: raw)
            guard case .banner(let banner) = try await session.frames.next() else {
                throw AMIError.disconnected("closed before its banner")
            }
            let prefix = "Asterisk Call Manager/"
            guard banner.hasPrefix(prefix) else { throw AMIError.notAsteriskManager(banner) }
            session.version = String(banner.dropFirst(prefix.count))
            try await logIn(&session, onEvent: onEvent)
            return try await body(&session)
        }
    }

    private func logIn(_ session: inout Session, onEvent: (AMIMessage) async throws -> Void) async throws {
        var login = AMIMessage.action("Login", ["Username": username])
        switch authentication {
        case .plain:
            login.headers.append(("Secret", secret))
        case .md5:
            let challenge = try await session.action(.action("Challenge", ["AuthType": "MD5"]), onEvent: onEvent)
            guard challenge.response.response == "Success", let text = challenge.response["Challenge"] else {
                throw AMIError.authenticationFailed(challenge.response["Message"] ?? "no challenge")
            }
            login.headers += [("AuthType", "MD5"), ("Key", Self.key(challenge: text, secret: secret))]
        }
        login.headers.append(("Events", events))
        let reply: Reply
        do {
            reply = try await session.action(login, onEvent: onEvent)
        } catch AMIError.disconnected(let text) {
            throw AMIError.authenticationFailed("closed at login: \(text)")
        }
        guard reply.response.response == "Success" else {
            throw AMIError.authenticationFailed(reply.response["Message"] ?? "no message")
        }
    }

    /// `md5hex(challenge + secret)`, the `Key` of an MD5 login (`main/manager.c` `authenticate`).
    package static func key(challenge: String, secret: String) -> String {
        Insecure.MD5.hash(data: Data((challenge + secret).utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
