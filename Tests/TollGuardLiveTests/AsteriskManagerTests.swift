import Foundation
import Logging
import Synchronization
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardLive
import TollGuardTestSupport

/// The Asterisk Manager Interface: its framing, from `main/manager.c`, and a client that logs in,
/// acts and hears events against the fake Asterisk.
@Suite struct AMIFramingTests {
    /// Everything `bytes` holds, parsed the way the connection's decoder parses it.
    static func frames(_ bytes: [UInt8], chunks: [Int]? = nil) -> (frames: [AMIFrame], skipped: [String]) {
        var pending: [UInt8] = []
        var frames: [AMIFrame] = []
        var skipped: [String] = []
        var banner = true
        var offset = 0
        for size in (chunks ?? [bytes.count]) + [bytes.count] {
            let end = min(bytes.count, offset + size)
            pending += bytes[offset..<end]
            offset = end
            parsing: while !pending.isEmpty {
                let step = pending.withUnsafeBytes { AMIFrameParser.parse($0, expectingBanner: banner) }
                switch step {
                case .banner(let line, let consumed):
                    frames.append(.banner(line))
                    banner = false
                    pending.removeFirst(consumed)
                case .message(let message, let consumed):
                    frames.append(.message(message))
                    pending.removeFirst(consumed)
                case .skipped(let consumed, let reason):
                    skipped.append(reason)
                    pending.removeFirst(consumed)
                case .needMoreData(let consumed):
                    pending.removeFirst(consumed)
                    break parsing
                }
            }
            if offset == bytes.count { break }
        }
        return (frames, skipped)
    }

    static let stream = Array(
        ("Asterisk Call Manager/9.0.0\r\n\r\n"
            + "Response: Success\r\nActionID: tg-1\r\nMessage: Authentication accepted\r\n\r\n"
            + "Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/1001-0000002a\r\n"
            + "CallerIDName: Mr: Smith\r\nChanVariable: TG_SRC=198.51.100.7:5060\r\n"
            + "ChanVariable(PJSIP/1001-0000002a): TG_UA=Zoiper\r\nUniqueid: 1764669600.42\r\n\r\n"
            + "Response: Success\r\nOutput: line one\r\nOutput: line two\r\n\r\n").utf8)

    @Test func theBannerIsALineAndMessagesEndAtAnEmptyLine() throws {
        let (frames, skipped) = Self.frames(Self.stream)
        #expect(skipped.isEmpty)
        #expect(frames.first == .banner("Asterisk Call Manager/9.0.0"), "the stray empty line after it is skipped")
        #expect(frames.count == 4)
        guard case .message(let event) = frames[2], case .message(let output) = frames[3] else {
            Issue.record("not messages: \(frames)")
            return
        }
        #expect(event.event == "Newchannel")
        #expect(event["callerIDname"] == "Mr: Smith", "names match without case; a value may hold ': '")
        #expect(event.channelVariables == ["TG_SRC": "198.51.100.7:5060", "TG_UA": "Zoiper"])
        #expect(output.values("Output") == ["line one", "line two"], "repeated headers keep their order")
    }

    @Test func messagesSplitAnywhereReassembleTheSame() {
        let whole = Self.frames(Self.stream).frames
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let chunks = (0..<40).map { _ in Int.random(in: 1...17, using: &generator) }
            #expect(Self.frames(Self.stream, chunks: chunks).frames == whole)
        }
        #expect(Self.frames(Self.stream, chunks: Array(repeating: 1, count: Self.stream.count)).frames == whole)
    }

    @Test func aBareLineFeedEndsALineAsInAsterisksOwnReader() {
        let crlf = Self.frames(Self.stream).frames
        let lf = Self.frames(
            Array(String(decoding: Self.stream, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").utf8))
        #expect(lf.frames == crlf)
    }

    @Test func aDamagedMessageIsSkippedWithItsReasonAndTheNextOneIsRead() {
        let bytes = Array(
            ("Asterisk Call Manager/9.0.0\r\nEvent: Hangup\r\nthis line has no colon\r\n\r\n"
                + "Event: Hangup\r\nUniqueid: 7\r\n\r\n").utf8)
        let (frames, skipped) = Self.frames(bytes)
        #expect(skipped.count == 1 && skipped[0].contains("without ':'"))
        #expect(frames.last == .message(AMIMessage([("Event", "Hangup"), ("Uniqueid", "7")])))
    }

    /// A value carrying CR or LF cannot forge lines of its own when written.
    @Test func aValueCannotAddLinesToAnAction() {
        let action = AMIMessage.action("Hangup", ["Channel": "PJSIP/1\r\nAction: Originate\r\n\r\nX: y"])
        let (frames, _) = Self.frames(Array(("Asterisk Call Manager/1\r\n" + action.wireText).utf8))
        #expect(frames.count == 2)
        guard case .message(let parsed) = frames[1] else { return }
        #expect(parsed.headers.count == 2)
        #expect(parsed.values("Action") == ["Hangup"])
    }
}

@Suite struct AMIConnectionTests {
    static func connection(_ fake: FakeAsterisk, secret: String? = nil, md5: Bool = false) -> AMIConnection {
        AMIConnection(
            host: "127.0.0.1", port: fake.port, username: fake.username, secret: secret ?? fake.secret,
            authentication: md5 ? .md5 : .plain)
    }

    static func newchannel(_ uniqueid: String, account: String, exten: String = "0088213520123") -> AMIMessage {
        AMIMessage([
            ("Event", "Newchannel"), ("Channel", "PJSIP/\(account)-\(uniqueid)"), ("ChannelState", "6"),
            ("ChannelStateDesc", "Up"), ("CallerIDNum", account), ("CallerIDName", "<unknown>"),
            ("ConnectedLineNum", "<unknown>"), ("ConnectedLineName", "<unknown>"), ("Language", "en"),
            ("AccountCode", account), ("Context", "from-internal"), ("Exten", exten), ("Priority", "1"),
            ("Uniqueid", uniqueid), ("Linkedid", uniqueid),
        ])
    }

    @Test func aPlainLoginPingsAndHearsFullyBooted() async throws {
        let fake = try await FakeAsterisk.start()
        defer { Task { await fake.stop() } }
        var booted: [AMIMessage] = []
        let pong = try await Self.connection(fake).run { session in
            #expect(session.version == "9.0.0")
            // FullyBooted follows the login's answer, so it comes before the Ping's.
            return try await session.action(.action("Ping")) { booted.append($0) }.response
        }
        #expect(pong["Ping"] == "Pong")
        #expect(pong.actionID?.hasPrefix("tg-") == true)
        #expect(booted.map(\.event) == ["FullyBooted"])
        #expect(booted.first?["Timestamp"] != nil)
        let login = try #require(fake.actions.first)
        #expect(login["Events"] == "call,cdr,system")
    }

    /// The MD5 login sends `md5(challenge + secret)`, never the secret.
    @Test func anMD5LoginKeepsTheSecretOffTheWire() async throws {
        let fake = try await FakeAsterisk.start()
        defer { Task { await fake.stop() } }
        try await Self.connection(fake, md5: true).run { _ in }
        let actions = fake.actions
        #expect(actions.map { $0["Action"] } == ["Challenge", "Login"])
        #expect(actions.allSatisfy { !$0.wireText.contains(fake.secret) })
        #expect(actions[1]["Key"]?.count == 32)
        // RFC 1321's test vector: md5("abc").
        #expect(AMIConnection.key(challenge: "a", secret: "bc") == "900150983cd24fb0d6963f7d28e17f72")
        #expect(fake.logins == 1)
    }

    @Test func aWrongSecretIsAClearErrorNamingWhatToCheck() async throws {
        let fake = try await FakeAsterisk.start(failureDelay: .milliseconds(10))
        defer { Task { await fake.stop() } }
        await #expect {
            try await Self.connection(fake, secret: "guess").run { _ in }
        } throws: { error in
            guard let error = error as? AMIError, case .authenticationFailed(let message) = error else { return false }
            return message == "Authentication failed" && error.isConfigurationError
                && error.description.contains("secret")
        }
        #expect(fake.authFailures == 1 && fake.logins == 0)
    }

    /// A hangup is answered by its ActionID while the channel's events stream past it; the list
    /// of channels up comes as one answer.
    @Test func actionsAreMatchedByActionIDWhileEventsStreamIn() async throws {
        let fake = try await FakeAsterisk.start()
        defer { Task { await fake.stop() } }
        let connection = Self.connection(fake)
        let (reply, events, list, missing) = try await connection.run { session in
            try await fake.waitForLogins()
            await fake.emit(Self.newchannel("1764669600.1", account: "1001"))
            await fake.emit(Self.newchannel("1764669600.2", account: "1002"))
            var events: [AMIMessage] = []
            let reply = try await session.action(
                .action("Hangup", ["Channel": "PJSIP/1001-1764669600.1", "Cause": "21"])
            ) { events.append($0) }
            // The events the hangup caused come after its answer.
            while events.count < 5 { events.append(try await session.nextMessage()) }
            let list = try await session.action(.action("CoreShowChannels")) { events.append($0) }
            let missing = try await session.action(.action("Hangup", ["Channel": "PJSIP/none"]))
            return (reply.response, events, list, missing.response)
        }
        #expect(reply.response == "Success" && reply["Message"] == "Channel Hungup")
        #expect(events.map(\.event) == ["FullyBooted", "Newchannel", "Newchannel", "Hangup", "Cdr"])
        #expect(events[3]["Cause"] == "21" && events[4]["UniqueID"] == "1764669600.1")
        #expect(events[4]["AccountCode"] == "1001" && events[4]["Destination"] == "0088213520123")
        #expect(list.list.map { $0["Uniqueid"] } == ["1764669600.2"])
        #expect(list.list.first?.event == "CoreShowChannel")
        #expect(missing.response == "Error" && missing["Message"] == "No such channel")
        #expect(fake.hangups.map(\.cause) == ["21"])
    }

    @Test func aSessionThatAsksForNoCallEventsHearsNone() async throws {
        let fake = try await FakeAsterisk.start()
        defer { Task { await fake.stop() } }
        var connection = Self.connection(fake)
        connection.events = "system"
        let heard = try await connection.run { session in
            try await fake.waitForLogins()
            #expect(await fake.emit(Self.newchannel("1", account: "1001")) == 0)
            return try await session.action(.action("Ping")).response["Ping"]
        }
        #expect(heard == "Pong")
    }
}

/// The fake Asterisk against a client others wrote: panoramisk (`Tests/Reference/panoramisk_client.py`)
/// logs in, hears the call events, lists the channels and hangs one up, and what it heard is what
/// our client heard.
///
/// Runs where Python has panoramisk (`.ci/run` installs it and sets
/// `TOLLGUARD_REQUIRE_PANORAMISK=1`, which makes its absence a failure rather than a skip).
@Suite struct AMIReferenceClientTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Reference/panoramisk_client.py").path
    static let callEvents: Set<String> = ["Newchannel", "Newstate", "Hangup", "Cdr"]

    /// A Python with panoramisk (`TOLLGUARD_PANORAMISK_PYTHON`, else `python3`), when there is one.
    static func python() -> String? {
        ReferencePython.find(environment: "TOLLGUARD_PANORAMISK_PYTHON", importing: "panoramisk")
    }

    @Test func panoramiskHearsTheFakeAsOurClientDoes() async throws {
        guard let python = Self.python() else {
            #expect(
                ProcessInfo.processInfo.environment["TOLLGUARD_REQUIRE_PANORAMISK"] != "1",
                "python3 with panoramisk is missing (see .ci/run)")
            return
        }
        let fake = try await FakeAsterisk.start()
        defer { Task { await fake.stop() } }
        let sent = [
            AMIConnectionTests.newchannel("1764669600.11", account: "1001"),
            AMIConnectionTests.newchannel("1764669600.12", account: "1002", exten: "+37190000021"),
            AMIMessage(
                AMIConnectionTests.newchannel("1764669600.12", account: "1002", exten: "+37190000021").headers.map {
                    $0.name == "Event" ? ("Event", "Newstate") : $0
                }),
        ]
        let connection = AMIConnectionTests.connection(fake)
        let ours = Task {
            try await connection.run { session in
                var heard: [AMIMessage] = []
                while heard.count < sent.count {
                    let message = try await session.nextMessage()
                    if Self.callEvents.contains(message.event ?? "") { heard.append(message) }
                }
                return heard
            }
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("panoramisk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.json")
        let errors = folder.appendingPathComponent("err.txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let client = Process()
        client.executableURL = URL(fileURLWithPath: python)
        client.arguments = [
            Self.script, "--port", String(fake.port), "--username", fake.username, "--secret", fake.secret,
            "--events", String(sent.count), "--hang-up", "PJSIP/1001-1764669600.11",
        ]
        client.standardOutput = try FileHandle(forWritingTo: output)
        client.standardError = try FileHandle(forWritingTo: errors)
        try client.run()
        defer { if client.isRunning { client.terminate() } }
        try await fake.waitForLogins(2)
        for event in sent { await fake.emit(event) }
        let ourEvents = try await ours.value
        // Waited on its exit, generously: on a loaded machine the suite shares the cores.
        let exited = try await poll(upTo: 300, every: .milliseconds(20)) { !client.isRunning }
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        try #require(exited, "panoramisk did not finish: \(stderr)")
        #expect(client.terminationStatus == 0, "panoramisk: \(stderr)")
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any], "panoramisk: \(stderr)")
        let theirs = try #require(answer["events"] as? [[String: String]])
        // The hangup's own events may reach it before it prints: those of the channel hung up.
        #expect(theirs.count >= sent.count)
        #expect(theirs.dropFirst(sent.count).allSatisfy { ["Hangup", "Cdr"].contains($0["Event"] ?? "") })
        for (index, (their, our)) in zip(theirs, ourEvents).enumerated() {
            // The same lines, as each client read them, and the fake's envelope on both.
            let ours = Dictionary(our.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
            #expect(their == ours, "event \(index)")
            #expect(their["Privilege"] == "call,all" && their["Timestamp"] != nil)
            for (name, value) in sent[index].headers { #expect(their[name] == value, "\(name) of event \(index)") }
        }
        #expect(answer["channels"] as? [String] == ["1764669600.11", "1764669600.12"])
        let hangup = try #require(answer["hangup"] as? [String: String])
        #expect(hangup["Response"] == "Success" && hangup["Message"] == "Channel Hungup")
        #expect(fake.hangups.map(\.channel) == ["PJSIP/1001-1764669600.11"])
    }
}

/// The listener `serve` keeps on an Asterisk: the channels up at each login, events, a new login
/// after the connection drops, and no busy loop on a wrong secret.
@Suite struct AMIListenerTests {
    /// What a listener handed on.
    final class Heard: Sendable {
        let events = Mutex<[AMIMessage]>([])
        let lists = Mutex<[[AMIMessage]]>([])
    }

    static func listener(_ fake: FakeAsterisk, secret: String? = nil) -> AMIListener {
        var listener = AMIListener(
            connection: AMIConnectionTests.connection(fake, secret: secret), reconnectMaxSeconds: 0.2,
            // Silence is not under test here: a loaded CI machine can stall the test process for
            // seconds, and a spurious reconnect would lose the events emitted meanwhile.
            pingSeconds: 0.05, silenceTimeoutSeconds: 300, logger: Logger(label: "test.ami"))
        listener.backoffUnitSeconds = 0.05
        return listener
    }

    @Test func eachLoginListsTheChannelsUpAndADropLogsInAgain() async throws {
        let fake = try await FakeAsterisk.start()
        defer { Task { await fake.stop() } }
        // Two calls up before TollGuard connects.
        await fake.emit(AMIConnectionTests.newchannel("1764669600.1", account: "1001"))
        await fake.emit(AMIConnectionTests.newchannel("1764669600.2", account: "1002"))
        let heard = Heard()
        let listener = Self.listener(fake)
        let running = Task {
            await listener.run(
                onEvent: { event, _ in heard.events.withLock { $0.append(event) } },
                onChannels: { list, _ in heard.lists.withLock { $0.append(list) } })
        }
        defer { running.cancel() }
        #expect(try await poll(upTo: 60) { heard.lists.withLock { $0.count } == 1 })
        #expect(heard.lists.withLock { $0[0].compactMap { $0["Uniqueid"] } } == ["1764669600.1", "1764669600.2"])
        // One call ends while the connection is down; the next login's list shows it gone.
        fake.dropConnections()
        _ = await fake.emit(
            AMIMessage([("Event", "Hangup"), ("Uniqueid", "1764669600.1"), ("Cause", "16")]))
        #expect(try await poll(upTo: 60) { heard.lists.withLock { $0.count } == 2 })
        #expect(heard.lists.withLock { $0[1].compactMap { $0["Uniqueid"] } } == ["1764669600.2"])
        #expect(listener.counters.connects.load(ordering: .relaxed) == 2)
        try await fake.waitForLogins()
        #expect(await fake.emit(AMIConnectionTests.newchannel("1764669600.3", account: "1003")) == 1)
        #expect(try await poll(upTo: 60) { heard.events.withLock { $0.contains { $0["Uniqueid"] == "1764669600.3" } } })
        // The keep-alive pings.
        #expect(try await poll(upTo: 60) { fake.actions.contains { $0["Action"] == "Ping" } })
    }

    /// A pipeline that takes long over one event (its store refusing writes, a burst) is no
    /// silence of Asterisk's: the session stays, and what Asterisk sent meanwhile is read after.
    @Test func aPipelinePushingBackIsNoSilence() async throws {
        let fake = try await FakeAsterisk.start()
        defer { Task { await fake.stop() } }
        var listener = Self.listener(fake)
        listener.silenceTimeoutSeconds = 0.3
        let heard = Heard()
        let released = Atomic<Bool>(false)
        let running = Task {
            await listener.run(onEvent: { event, _ in
                heard.events.withLock { $0.append(event) }
                // The first call's event holds the pipeline for ten silence timeouts.
                if event["Uniqueid"] == "1764669600.1" {
                    _ = try? await poll(upTo: 60) { released.load(ordering: .relaxed) }
                }
            })
        }
        defer { running.cancel() }
        try await fake.waitForLogins()
        #expect(await fake.emit(AMIConnectionTests.newchannel("1764669600.1", account: "1001")) == 1)
        #expect(try await poll(upTo: 60) { heard.events.withLock { $0.contains { $0["Uniqueid"] != nil } } })
        #expect(await fake.emit(AMIConnectionTests.newchannel("1764669600.2", account: "1002")) == 1)
        // Held while the keep-alive pings twenty times (a ping each 0.05 s: past three timeouts).
        let pings = { fake.actions.filter { $0["Action"] == "Ping" }.count }
        let before = pings()
        #expect(try await poll(upTo: 60) { pings() >= before + 20 })
        released.store(true, ordering: .relaxed)
        #expect(
            try await poll(upTo: 60) { heard.events.withLock { $0.contains { $0["Uniqueid"] == "1764669600.2" } } })
        #expect(listener.counters.connects.load(ordering: .relaxed) == 1)
    }

    @Test func aWrongSecretIsLoggedAndRetriedOnlyAtTheLongestWait() async throws {
        let fake = try await FakeAsterisk.start(failureDelay: .milliseconds(1))
        defer { Task { await fake.stop() } }
        let listener = Self.listener(fake, secret: "guess")
        let running = Task { await listener.run(onEvent: { _, _ in }) }
        defer { running.cancel() }
        #expect(
            try await poll(upTo: 60) {
                fake.authFailures >= 1 && listener.counters.lastError.withLock { $0 } != nil
            })
        #expect(listener.counters.lastError.withLock { $0 }?.contains("secret") == true)
        // The longest wait is 0.2 s here: at most 1 + 1.5 / 0.2 more tries in the next 1.5 s.
        let first = fake.authFailures
        try await Task.sleep(for: .milliseconds(1500))
        #expect(fake.authFailures - first <= 8)
        #expect(listener.counters.connects.load(ordering: .relaxed) == 0)
    }
}
