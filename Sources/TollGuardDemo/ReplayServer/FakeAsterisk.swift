import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TollGuardCore
import TollGuardLive

/// A protocol-faithful stand-in for Asterisk's Manager Interface, for tests, benchmarks and the
/// demo, written from `main/manager.c`, `main/manager_channels.c` and `cdr/cdr_manager.c`.
///
/// It writes the banner line (`Asterisk Call Manager/9.0.0`, no empty line after it); takes
/// `Login` with `Secret` or by MD5 `Challenge` (a wrong one: `Authentication failed`, then the
/// connection closes, after a delay as Asterisk's `sleep(1)`), `Events`, `Ping`, `CoreShowChannels`
/// (a list: `EventList: start`, a `CoreShowChannel` per channel up, `CoreShowChannelsComplete`),
/// `Hangup` by channel name or Uniqueid (the channel's `Hangup` and `Cdr` events follow; a channel
/// it does not have: `No such channel`), `Logoff`; and sends the events it is given to every
/// logged-in session whose event mask takes their class, in Asterisk's envelope (`Privilege`,
/// `Timestamp` when `timestampEvents`).
package final class FakeAsterisk: Sendable {
    package let username: String
    package let secret: String
    /// The banner's `AMI_VERSION` (9.0.0 is Asterisk 20's).
    package let version: String
    /// `manager.conf` `timestampevents`: events carry `Timestamp: <epoch>.<µs>`.
    package let timestampEvents: Bool
    /// How long a failed login waits before its answer (Asterisk sleeps a second).
    package let failureDelay: Duration
    /// The switch's zone: `Cdr` times are local.
    package let timeZone: TimeZone
    /// Where `cdr_csv` would write each call's row (`Master.csv`), when given.
    package let masterCSV: URL?
    private let state = Mutex(State())
    private let serverChannel: any Channel

    private struct State {
        var sessions: [Int: Session] = [:]
        var nextSession = 0
        var channels: [String: UpChannel] = [:]
        var hangups: [(channel: String, cause: String)] = []
        var actions: [AMIMessage] = []
        var authFailures = 0
        var logins = 0
        /// The time of the last event emitted: the switch's clock for what a `Hangup` action causes.
        var clock: Date?
        /// Channels ended by a `Hangup` action: their own later events are left out of a replay.
        var killed: Set<String> = []
        /// Events that reached at least one session.
        var delivered = 0
        /// `Cdr` events among them.
        var cdrsDelivered = 0
    }

    private struct Session {
        var writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
        var channel: any Channel
        var loggedIn = false
        var challenge: String?
        /// The event classes it takes; nil: every class.
        var eventMask: Set<String>? = nil
    }

    /// A channel up, as its last snapshot event showed it.
    private struct UpChannel {
        var snapshot: [(name: String, value: String)]
        var created: Date
        var answered: Date?
    }

    /// The port it listens on (127.0.0.1).
    package var port: Int { serverChannel.localAddress?.port ?? 0 }
    /// `Hangup` actions that found their channel: the channel and the cause, in order.
    package var hangups: [(channel: String, cause: String)] { state.withLock { $0.hangups } }
    /// Every action received (logins included), in order.
    package var actions: [AMIMessage] { state.withLock { $0.actions } }
    package var authFailures: Int { state.withLock { $0.authFailures } }
    /// Logins accepted.
    package var logins: Int { state.withLock { $0.logins } }
    /// `Cdr` events that reached at least one session (each one a call a client could store).
    package var cdrsDelivered: Int { state.withLock { $0.cdrsDelivered } }
    /// Sessions logged in now.
    package var loggedInCount: Int { state.withLock { $0.sessions.values.filter(\.loggedIn).count } }
    /// The Uniqueids of the channels up.
    package var channelsUp: [String] { state.withLock { $0.channels.keys.sorted() } }

    private init(
        username: String, secret: String, version: String, timestampEvents: Bool, failureDelay: Duration,
        timeZone: TimeZone, masterCSV: URL?, serverChannel: any Channel
    ) {
        self.timeZone = timeZone
        self.masterCSV = masterCSV
        self.username = username
        self.secret = secret
        self.version = version
        self.timestampEvents = timestampEvents
        self.failureDelay = failureDelay
        self.serverChannel = serverChannel
    }

    /// Starts listening on 127.0.0.1 (`port` 0: any free port).
    package static func start(
        username: String = "tollguard", secret: String = "s3cret", version: String = "9.0.0",
        timestampEvents: Bool = true, failureDelay: Duration = .seconds(1), port: Int = 0, timeZone: TimeZone = .gmt,
        masterCSV: URL? = nil
    ) async throws -> FakeAsterisk {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(AMIFrameDecoder(expectingBanner: false)))
                    return try NIOAsyncChannel<AMIFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let fake = FakeAsterisk(
            username: username, secret: secret, version: version, timestampEvents: timestampEvents,
            failureDelay: failureDelay, timeZone: timeZone, masterCSV: masterCSV, serverChannel: server.channel)
        Task {
            try? await server.executeThenClose { connections in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await connection in connections {
                            group.addTask { await fake.serve(connection) }
                        }
                    } catch {
                        return
                    }
                }
            }
        }
        return fake
    }

    /// Stops listening and closes every connection.
    package func stop() async {
        dropConnections()
        try? await serverChannel.close()
    }

    /// Closes every client connection (Asterisk restarting, a network cut).
    package func dropConnections() {
        let channels = state.withLock { state in
            let all = state.sessions.values.map(\.channel)
            state.sessions.removeAll()
            return all
        }
        for channel in channels { channel.close(promise: nil) }
    }

    /// Waits until at least `count` sessions are logged in.
    package func waitForLogins(_ count: Int = 1, timeout: Duration = .seconds(120)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while loggedInCount < count {
            guard clock.now < deadline else { throw AMIError.unexpected("no login within \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    // MARK: Events

    /// The class Asterisk files an event under (`Privilege:`).
    package static func eventClass(of event: String) -> String {
        switch event {
        case "Cdr": "cdr"
        case "FullyBooted", "Shutdown", "Reload": "system"
        case "InvalidPassword", "ChallengeResponseFailed", "InvalidAccountID", "FailedACL", "ChallengeSent",
            "SuccessfulAuth", "UnexpectedAddress", "RequestBadFormat", "RequestNotAllowed", "AuthMethodNotAllowed":
            "security"
        default: "call"
        }
    }

    /// Sends `event` to every logged-in session that takes its class; returns how many got it.
    ///
    /// `event` is its `Event:` line, then its body; it goes out in Asterisk's envelope. A
    /// `Newchannel` or `Newstate` updates the channel table, a `Hangup` ends the channel.
    @discardableResult
    package func emit(_ event: AMIMessage, at time: Date = Date()) async -> Int {
        guard let name = event.event else { return 0 }
        let category = Self.eventClass(of: name)
        var envelope: [(name: String, value: String)] = [("Event", name), ("Privilege", "\(category),all")]
        if timestampEvents { envelope.append(("Timestamp", Self.timestamp(time))) }
        envelope += event.headers.filter { $0.name != "Event" }
        let message = AMIMessage(envelope)
        if name == "Cdr", let masterCSV { Self.append(AsteriskCDREvent.masterCSVLine(event) + "\n", to: masterCSV) }
        let writers = state.withLock { state in
            state.clock = time
            track(event, at: time, in: &state)
            return state.sessions.values.filter { $0.loggedIn && ($0.eventMask?.contains(category) ?? true) }
                .map(\.writer)
        }
        var sent = 0
        for writer in writers {
            do {
                try await writer.write(ByteBuffer(string: message.wireText))
                sent += 1
            } catch {
                continue
            }
        }
        if sent > 0 {
            state.withLock {
                $0.delivered += 1; if name == "Cdr" { $0.cdrsDelivered += 1 }
            }
        }
        return sent
    }

    private func track(_ event: AMIMessage, at time: Date, in state: inout State) {
        guard let uniqueid = event["Uniqueid"] else { return }
        switch event.event {
        case "Newchannel", "Newstate":
            let body = event.headers.filter { $0.name != "Event" }
            var channel = state.channels[uniqueid] ?? UpChannel(snapshot: body, created: time)
            channel.snapshot = body
            if event["ChannelState"] == "6", channel.answered == nil { channel.answered = time }
            state.channels[uniqueid] = channel
        case "Hangup":
            state.channels[uniqueid] = nil
        default:
            break
        }
    }

    static func timestamp(_ time: Date) -> String {
        String(format: "%.6f", time.timeIntervalSince1970)
    }

    // MARK: Sessions

    private func serve(_ connection: NIOAsyncChannel<AMIFrame, ByteBuffer>) async {
        let raw = connection.channel
        try? await connection.executeThenClose { inbound, outbound in
            let id = state.withLock { state in
                let id = state.nextSession
                state.nextSession += 1
                state.sessions[id] = Session(writer: outbound, channel: raw)
                return id
            }
            defer { _ = state.withLock { $0.sessions.removeValue(forKey: id) } }
            try await outbound.write(ByteBuffer(string: "Asterisk Call Manager/\(version)\r\n"))
            for try await frame in inbound {
                guard case .message(let action) = frame else { continue }
                guard try await answer(action, session: id, writer: outbound) else { return }
            }
        }
    }

    /// Answers one action; false when the session ends.
    private func answer(
        _ action: AMIMessage, session id: Int, writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws -> Bool {
        state.withLock { $0.actions.append(action) }
        let name = (action["Action"] ?? "").lowercased()
        var response: [(name: String, value: String)] = [("Response", "Success")]
        if let actionID = action.actionID { response.append(("ActionID", actionID)) }
        func send(_ headers: [(name: String, value: String)]) async throws {
            try await writer.write(ByteBuffer(string: AMIMessage(headers).wireText))
        }
        func refuse(_ message: String) async throws {
            response[0].value = "Error"
            try await send(response + [("Message", message)])
        }
        let loggedIn = state.withLock { $0.sessions[id]?.loggedIn ?? false }
        switch name {
        case "challenge":
            guard action["AuthType"]?.lowercased() == "md5" else {
                try await refuse("Must specify AuthType")
                return true
            }
            let challenge = String(UInt32.random(in: 100_000_000...999_999_999))
            state.withLock { $0.sessions[id]?.challenge = challenge }
            try await send(response + [("Challenge", challenge)])
        case "login":
            let challenge = state.withLock { $0.sessions[id]?.challenge }
            let secretMatches =
                action["AuthType"]?.lowercased() == "md5"
                ? challenge.map { action["Key"] == AMIConnection.key(challenge: $0, secret: secret) } ?? false
                : action["Secret"] == secret
            guard action["Username"] == username, secretMatches else {
                state.withLock { $0.authFailures += 1 }
                try await Task.sleep(for: failureDelay)
                try await refuse("Authentication failed")
                return false
            }
            let mask = Self.eventMask(action["Events"])
            state.withLock { state in
                state.sessions[id]?.loggedIn = true
                state.sessions[id]?.eventMask = mask
                state.logins += 1
            }
            try await send(response + [("Message", "Authentication accepted")])
            if mask?.contains("system") ?? true {
                var booted: [(name: String, value: String)] = [("Event", "FullyBooted"), ("Privilege", "system,all")]
                if timestampEvents { booted.append(("Timestamp", Self.timestamp(Date()))) }
                try await send(booted + [("Uptime", "1234"), ("LastReload", "1234"), ("Status", "Fully Booted")])
            }
        case _ where !loggedIn:
            try await refuse("Authentication Required")
        case "ping":
            try await send(response + [("Ping", "Pong"), ("Timestamp", Self.timestamp(Date()))])
        case "events":
            let mask = Self.eventMask(action["EventMask"])
            state.withLock { $0.sessions[id]?.eventMask = mask }
            try await send(response + [("Events", mask?.isEmpty == true ? "Off" : "On")])
        case "coreshowchannels":
            try await listChannels(action.actionID, send: send)
        case "hangup":
            try await hangUp(action, response: response, send: send)
        case "logoff":
            try await send([("Response", "Goodbye")] + response.dropFirst() + [("Message", "Thanks for all the fish.")])
            return false
        default:
            try await refuse(
                "Invalid/unknown command: \(action["Action"] ?? ""). Use Action: ListCommands to show available commands."
            )
        }
        return true
    }

    /// The classes an `Events:` value asks for (`on`, `off`, a comma list); nil: every class.
    private static func eventMask(_ value: String?) -> Set<String>? {
        guard let value = value?.lowercased().trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        switch value {
        case "on", "all": return nil
        case "off": return []
        default:
            let classes = Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            return classes.contains("all") ? nil : classes
        }
    }

    private func listChannels(
        _ actionID: String?, send: ([(name: String, value: String)]) async throws -> Void
    ) async throws {
        let id: [(name: String, value: String)] = actionID.map { [("ActionID", $0)] } ?? []
        let channels = state.withLock { $0.channels.values.sorted { $0.created < $1.created } }
        try await send(
            [("Response", "Success")] + id + [("EventList", "start"), ("Message", "Channels will follow")])
        for channel in channels {
            let seconds = Int(Date().timeIntervalSince(channel.created))
            let duration = String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
            try await send(
                [("Event", "CoreShowChannel")] + id + channel.snapshot
                    + [("Application", "Dial"), ("ApplicationData", ""), ("Duration", duration), ("BridgeId", "")])
        }
        try await send(
            [("Event", "CoreShowChannelsComplete")] + id + [
                ("EventList", "Complete"), ("ListItems", "\(channels.count)"),
            ])
    }

    private func hangUp(
        _ action: AMIMessage, response: [(name: String, value: String)],
        send: ([(name: String, value: String)]) async throws -> Void
    ) async throws {
        let wanted = action["Channel"] ?? ""
        let cause = action["Cause"] ?? "16"
        let found = state.withLock { state -> (String, UpChannel)? in
            guard
                let match = state.channels.first(where: {
                    $0.key == wanted || AMIMessage($0.value.snapshot)["Channel"] == wanted
                })
            else { return nil }
            state.hangups.append((wanted, cause))
            state.killed.insert(match.key)
            return (match.key, match.value)
        }
        guard let (uniqueid, channel) = found else {
            var refusal = response
            refusal[0].value = "Error"
            try await send(refusal + [("Message", "No such channel")])
            return
        }
        try await send(response + [("Message", "Channel Hungup")])
        let now = max(state.withLock { $0.clock } ?? Date(), channel.created)
        await emit(
            AMIMessage([("Event", "Hangup")] + channel.snapshot + [("Cause", cause), ("Cause-txt", "")]), at: now)
        await emit(
            AsteriskEventWriter.cdr(
                AMIMessage(channel.snapshot), uniqueid: uniqueid, created: channel.created, answered: channel.answered,
                ended: now, timeZone: timeZone), at: now)
    }

    private static func append(_ line: String, to file: URL) {
        guard let handle = try? FileHandle(forWritingTo: file) else {
            try? line.write(to: file, atomically: false, encoding: .utf8)
            return
        }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data(line.utf8))
    }

    /// Replays `events` in order, `eventsPerSecond` apart (nil: as fast as they go out), each at
    /// its own time.
    ///
    /// Like Asterisk, it goes on whether or not anyone listens: what is emitted while no
    /// session is logged in is lost to the client.
    ///
    /// Before each index in `dropBefore` it awaits `beforeDrop` with the events delivered so far
    /// (a test waits there until its client has read them all), closes every connection (a
    /// network cut), emits the next `lose` events to nobody, then waits for a login. Without
    /// `beforeDrop`, what the sessions had not read yet is lost with them too, as when Asterisk
    /// drops a lagging client. A channel hung up by a `Hangup`
    /// action meanwhile leaves out its own later events (its `Hangup` and `Cdr` went out at the
    /// kill). `pace`, when given, is awaited before each event with the number of events that
    /// reached a session so far, a kill's among them (the demo waits there for the client).
    /// A login awaited takes at most `loginTimeout`.
    /// Returns the events of `events` emitted.
    @discardableResult
    package func replay(
        _ events: [AsteriskEventWriter.TimedEvent], eventsPerSecond: Double? = nil, dropBefore: Set<Int> = [],
        lose: Int = 0, beforeDrop: (@Sendable (_ delivered: Int) async -> Void)? = nil,
        pace: (@Sendable (_ delivered: Int) async -> Void)? = nil, loginTimeout: Duration = .seconds(120)
    ) async throws -> Int {
        let clock = ContinuousClock()
        let started = clock.now
        var emitted = 0
        var losing = 0
        for (index, timed) in events.enumerated() {
            try Task.checkCancellation()
            if dropBefore.contains(index) {
                if let beforeDrop { await beforeDrop(state.withLock { $0.delivered }) }
                dropConnections()
                losing = lose
            }
            if losing == 0, loggedInCount == 0 { try await waitForLogins(timeout: loginTimeout) }
            if let rate = eventsPerSecond {
                let due = started + .milliseconds(Int(Double(emitted) / rate * 1000))
                if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            }
            if let pace { await pace(state.withLock { $0.delivered }) }
            if let uniqueid = timed.event["Uniqueid"] ?? timed.event["UniqueID"],
                state.withLock({ $0.killed.contains(uniqueid) })
            {
                continue
            }
            await emit(timed.event, at: timed.time)
            emitted += 1
            if losing > 0 { losing -= 1 }
        }
        return emitted
    }
}
