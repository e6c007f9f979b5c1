import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TollGuardCore
import TollGuardLive

/// A protocol-faithful stand-in for FreeSWITCH's mod_event_socket, for tests, benchmarks and
/// `tollguard demo --live`: `auth/request`, `auth` (`-ERR invalid` and a disconnect notice for
/// a wrong password, or a `text/rude-rejection` in ACL mode), `event`, `api` (`uuid_kill` is
/// recorded, and a replayed call it names ends there: its `CHANNEL_HANGUP_COMPLETE` is sent at
/// once with the kill's cause and time, and its later events are not), `bgapi` with its
/// BACKGROUND_JOB, `show channels as json` (the channels its events left up), `exit`; and the
/// replay of events to every subscribed connection, with connection drops on demand.
package final class FakeFreeSWITCH: Sendable {
    package let password: String
    package let rejectByACL: Bool
    private let state = Mutex(State())
    private let serverChannel: any Channel

    private struct State {
        var subscribers: [ObjectIdentifier: any Channel] = [:]
        var connections: [ObjectIdentifier: any Channel] = [:]
        var kills: [String] = []
        var commands: [String] = []
        var authFailures = 0
        var accepted = 0
        /// `uuid_kill`s the replay has not acted on yet: uuid and cause.
        var pendingKills: [(uuid: String, cause: String)] = []
        /// The channels up, as the events sent (or lost in a drop) left them.
        var channels = FakeChannelTable()
    }

    /// The port it listens on (127.0.0.1).
    package var port: Int { serverChannel.localAddress?.port ?? 0 }

    /// `uuid_kill` arguments received, in order (`<uuid> <cause>`).
    package var kills: [String] { state.withLock { $0.kills } }
    /// Every command received after authentication.
    package var commands: [String] { state.withLock { $0.commands } }
    package var authFailures: Int { state.withLock { $0.authFailures } }
    /// Connections that authenticated.
    package var accepted: Int { state.withLock { $0.accepted } }
    package var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    private init(password: String, rejectByACL: Bool, serverChannel: any Channel) {
        self.password = password
        self.rejectByACL = rejectByACL
        self.serverChannel = serverChannel
    }

    /// Starts listening on 127.0.0.1 (`port` 0: any free port).
    package static func start(password: String = "ClueCon", port: Int = 0, rejectByACL: Bool = false) async throws
        -> FakeFreeSWITCH
    {
        let holder = Holder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let server = holder.server.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(CommandDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        let server = FakeFreeSWITCH(password: password, rejectByACL: rejectByACL, serverChannel: channel)
        holder.server.withLock { $0 = server }
        return server
    }

    private final class Holder: Sendable {
        let server = Mutex<FakeFreeSWITCH?>(nil)
    }

    /// Stops listening and closes every connection.
    package func stop() async {
        dropConnections()
        try? await serverChannel.close()
    }

    /// Closes every client connection (the switch restarting, a network cut).
    ///
    /// `losing`: events
    /// the switch raises while the clients are away, which change its channels (`show channels`)
    /// but reach no one; they take effect before any client can connect again.
    package func dropConnections(losing events: [ESLEvent] = []) {
        let channels = state.withLock { state in
            let all = Array(state.connections.values)
            state.subscribers.removeAll()
            for event in events { state.channels.apply(event) }
            return all
        }
        for channel in channels { channel.close(promise: nil) }
    }

    /// Waits until at least `count` connections are subscribed to events (the default wait is long:
    /// a client in a loaded test process may take a while to be scheduled).
    package func waitForSubscribers(_ count: Int = 1, timeout: Duration = .seconds(120)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while subscriberCount < count {
            guard clock.now < deadline else { throw EventSocketError.unexpected("no subscriber within \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Sends raw bytes to every subscribed connection; returns how many got them.
    @discardableResult
    package func broadcast(_ bytes: [UInt8]) async -> Int {
        let channels = state.withLock { Array($0.subscribers.values) }
        var sent = 0
        for channel in channels {
            do {
                try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
                sent += 1
            } catch {
                continue
            }
        }
        return sent
    }

    /// Sends one event (as `text/event-plain`) to every subscriber; the switch's channels change
    /// as it says.
    @discardableResult
    package func publish(_ event: ESLEvent) async -> Int {
        state.withLock { $0.channels.apply(event) }
        return await broadcast(event.plainFrame.wireBytes)
    }

    /// Replays `events` in order to the subscribers, `eventsPerSecond` apart (nil: as fast as the
    /// socket takes them).
    ///
    /// At each index in `dropBefore` it writes half of that event's frame,
    /// closes the connections, waits for a new subscriber and goes on `overlap` events earlier
    /// (the client must not count those twice). A call killed meanwhile (`uuid_kill`) hangs up
    /// as FreeSWITCH would: its hangup is sent at once, at the time of the last event sent, with
    /// the kill's cause, and its own later events (and its B legs') are left out. `pace`, when
    /// given, is awaited before each event with the number of events sent so far, kills'
    /// hangups among them (the demo waits there
    /// for the client, so that a night replayed in a second keeps the switch's pace). Returns
    /// the events written whole.
    @discardableResult
    package func replay(
        _ events: [ESLEvent], eventsPerSecond: Double? = nil, dropBefore: Set<Int> = [], overlap: Int = 0,
        pace: (@Sendable (_ sent: Int) async -> Void)? = nil
    ) async throws -> Int {
        let clock = ContinuousClock()
        let started = clock.now
        var index = 0
        var written = 0
        var dropped: Set<Int> = []
        var channels = ReplayedChannels(events)
        /// Events sent, the hangups of kills among them (what the client has to take).
        var sentWithKills = 0
        while index < events.count {
            try Task.checkCancellation()
            if subscriberCount == 0 { try await waitForSubscribers() }
            let kills = state.withLock { state in
                defer { state.pendingKills = [] }
                return state.pendingKills
            }
            for (uuid, cause) in kills {
                if let hangup = channels.kill(uuid, cause: cause, after: index), await publish(hangup) > 0 {
                    sentWithKills += 1
                }
            }
            if channels.isLeftOut(events[index]) {
                index += 1
                continue
            }
            let bytes = events[index].plainFrame.wireBytes
            if dropBefore.contains(index), !dropped.contains(index) {
                dropped.insert(index)
                await broadcast(Array(bytes.prefix(bytes.count / 2)))
                dropConnections()
                try await waitForSubscribers()
                index = max(0, index - overlap)
                continue
            }
            if let rate = eventsPerSecond {
                let due = started + .milliseconds(Int(Double(written) / rate * 1000))
                if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            }
            if let pace {
                await pace(sentWithKills)
                // A kill that came meanwhile acts before this event goes out.
                if state.withLock({ !$0.pendingKills.isEmpty }) { continue }
            }
            // The switch's channel table changes before its event goes out, as in FreeSWITCH: a
            // channel list answered after a client has read the event always shows its change.
            state.withLock { $0.channels.apply(events[index]) }
            if await broadcast(bytes) == 0 { continue }  // dropped meanwhile: send it again
            channels.sent(index)
            written += 1
            sentWithKills += 1
            index += 1
        }
        return written
    }

    // MARK: Connection

    fileprivate func connected(_ channel: any Channel) {
        state.withLock { $0.connections[ObjectIdentifier(channel)] = channel }
    }

    fileprivate func disconnected(_ channel: any Channel) {
        state.withLock {
            $0.connections[ObjectIdentifier(channel)] = nil
            $0.subscribers[ObjectIdentifier(channel)] = nil
        }
    }

    fileprivate func authenticated(_ ok: Bool) {
        state.withLock { if ok { $0.accepted += 1 } else { $0.authFailures += 1 } }
    }

    fileprivate func subscribe(_ channel: any Channel) {
        state.withLock { $0.subscribers[ObjectIdentifier(channel)] = channel }
    }

    /// The reply to one authenticated command.
    fileprivate func reply(to command: String, on channel: any Channel) -> [UInt8] {
        state.withLock { $0.commands.append(command) }
        let words = command.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch words.first?.lowercased() ?? "" {
        case "event":
            let known: Set<String> = [
                "CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_HANGUP_COMPLETE", "HEARTBEAT", "ALL",
            ]
            guard words.dropFirst().contains(where: { known.contains($0) }) else {
                return Self.commandReply("-ERR no keywords supplied")
            }
            subscribe(channel)
            let format = ["plain", "json", "xml"].contains(words.count > 1 ? words[1] : "") ? words[1] : "plain"
            return Self.commandReply("+OK event listener enabled \(format)")
        case "api":
            return Self.apiResponse(api(Array(words.dropFirst())))
        case "bgapi":
            let job = UUID().uuidString.lowercased()
            let output = api(Array(words.dropFirst()))
            let event = ESLEvent(
                headers: ESLHeaders([
                    ("Event-Name", "BACKGROUND_JOB"), ("Job-UUID", job), ("Job-Command", words.dropFirst().first ?? ""),
                ]),
                body: output)
            return Array("Content-Type: command/reply\nReply-Text: +OK Job-UUID: \(job)\nJob-UUID: \(job)\n\n".utf8)
                + event.plainFrame.wireBytes
        case "exit":
            return Self.commandReply("+OK bye") + Self.disconnectNotice
        default:
            return Self.commandReply("-ERR command not found")
        }
    }

    private func api(_ words: [String]) -> String {
        switch words.first ?? "" {
        case "uuid_kill":
            guard words.count >= 2 else { return "-USAGE: <uuid> [cause]\n" }
            state.withLock {
                $0.kills.append(words.dropFirst().joined(separator: " "))
                $0.pendingKills.append((words[1], words.count > 2 ? words[2] : "NORMAL_CLEARING"))
            }
            return "+OK\n"
        case "status":
            return "UP 0 years, 0 days, 1 hour, 0 minutes, 0 seconds\nFreeSWITCH (Version 1.10.12 fake) is ready\n"
        case "hupall":
            return "-ERR hupall is not allowed here\n"
        case "show":
            guard words.dropFirst() == ["channels", "as", "json"] else {
                return "-ERR only 'show channels as json' here\n"
            }
            return state.withLock { $0.channels.json }
        default:
            return "-ERR \(words.first ?? "") Command not found!\n"
        }
    }

    static func commandReply(_ text: String) -> [UInt8] {
        Array("Content-Type: command/reply\nReply-Text: \(text)\n\n".utf8)
    }

    static func apiResponse(_ body: String) -> [UInt8] {
        Array("Content-Type: api/response\nContent-Length: \(body.utf8.count)\n\n\(body)".utf8)
    }

    static let disconnectNotice = Array(
        "Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
            .utf8)

    static let rudeRejection = Array(
        "Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n".utf8)
}

/// Client commands: a line plus optional header lines, ended by a blank line.
private struct CommandDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(buffer: inout ByteBuffer) throws -> String? {
        while buffer.readableBytes > 0, let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            first == 0x0A || first == 0x0D
        {
            buffer.moveReaderIndex(forwardBy: 1)
        }
        let view = buffer.readableBytesView
        guard let end = view.firstRange(of: [0x0A, 0x0A]) else { return nil }
        let length = end.lowerBound - view.startIndex
        let text = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 2)
        return text.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> String? {
        try decode(buffer: &buffer)
    }
}

private final class ConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    private let server: FakeFreeSWITCH
    private var authenticated = false

    init(server: FakeFreeSWITCH) { self.server = server }

    func channelActive(context: ChannelHandlerContext) {
        if server.rejectByACL {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: FakeFreeSWITCH.rudeRejection)))
                .whenComplete { _ in channel.close(promise: nil) }
            return
        }
        server.connected(context.channel)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "Content-Type: auth/request\n\n")), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        server.disconnected(context.channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let command = unwrapInboundIn(data)
        if !authenticated {
            if command.hasPrefix("auth ") {
                if String(command.dropFirst(5)) == server.password {
                    authenticated = true
                    server.authenticated(true)
                    write(FakeFreeSWITCH.commandReply("+OK accepted"), context: context)
                } else {
                    server.authenticated(false)
                    let channel = context.channel
                    context.writeAndFlush(
                        wrapOutboundOut(
                            ByteBuffer(
                                bytes: FakeFreeSWITCH.commandReply("-ERR invalid") + FakeFreeSWITCH.disconnectNotice))
                    ).whenComplete { _ in channel.close(promise: nil) }
                }
            } else if command == "exit" {
                context.close(promise: nil)
            } else {
                write(FakeFreeSWITCH.commandReply("-ERR command not found"), context: context)
            }
            return
        }
        let reply = server.reply(to: command, on: context.channel)
        if command == "exit" {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: reply))).whenComplete { _ in
                channel.close(promise: nil)
            }
        } else {
            write(reply, context: context)
        }
    }

    private func write(_ bytes: [UInt8], context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
    }
}
