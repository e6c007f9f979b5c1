import Foundation
import GRDB
import Logging
import Synchronization
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardHooks
import TollGuardLive
import TollGuardTestSupport

/// The event-socket client against the replay server over loopback: reconnects lose and double
/// nothing, a damaged frame costs only itself, a wrong password or an ACL refusal is a clear
/// error without a busy loop, and a suspended account's live calls are killed.
///
/// Twenty minutes a test at most: one that hangs is named in the log, not left to run out CI's time.
@Suite(.serialized, .timeLimit(.minutes(20))) struct EventSocketLiveTests {
    static let logger = Logger(label: "test.live")

    /// `count` calls two seconds apart, local numbers; a third unanswered.
    static func honestCalls(_ count: Int) -> [CallRecord] {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        return (0..<count).map { index in
            let started = start.addingTimeInterval(Double(index) * 2)
            let answered = index % 3 != 0
            return CallRecord(
                dedupKey: String(format: "c0ffee00-0000-4000-8000-%012d", index),
                callID: String(format: "c0ffee00-0000-4000-8000-%012d", index), account: String(1000 + index % 50),
                callerNumber: String(1000 + index % 50), destination: "2125550\(String(format: "%03d", index % 1000))",
                context: "default", sourceIP: "192.0.2.\(index % 50 + 1)", startedAt: started,
                answeredAt: answered ? started.addingTimeInterval(3) : nil,
                endedAt: started.addingTimeInterval(answered ? 63 : 20),
                duration: answered ? 63 : 20, billsec: answered ? 60 : 0, disposition: answered ? .answered : .noAnswer,
                hangupCause: answered ? "NORMAL_CLEARING" : "NO_ANSWER")
        }
    }

    struct Rig {
        var server: FakeFreeSWITCH
        var listener: EventSocketListener
        var pipeline: LivePipeline
        var database: TollGuardDatabase
    }

    /// Runs listener and pipeline against `server` while `body` runs, then drains.
    static func withRig(
        server: FakeFreeSWITCH, password: String = "ClueCon",
        configuration: TollGuardConfiguration = TollGuardConfiguration(),
        _ body: (Rig) async throws -> Void
    ) async throws {
        let folder = try TemporaryDirectory()
        let database = try TollGuardDatabase.open(path: folder.path("live.sqlite"))
        let connection = EventSocketConnection(host: "127.0.0.1", port: server.port, password: password)
        var configured = EventSocketListener(
            connection: connection, reconnectMaxSeconds: 0.2, heartbeatTimeoutSeconds: 30, logger: logger)
        configured.backoffUnitSeconds = 0.01
        let listener = configured
        let commander = EventSocketCommander(connection: connection, logger: logger)
        let freeswitch = LiveSwitch(
            name: configuration.eventSocket.name,
            feed: .eventSocket(listener, commander, killCause: configuration.eventSocket.killCause))
        let actions = ActionLayer(
            database: database, configuration: ReloadableConfiguration(configuration), logger: logger,
            hangUpCall: { try await freeswitch.hangUp($0) })
        let pipeline = LivePipeline(actions: actions, timeZone: .named("UTC"), logger: logger)
        let inputs = LiveInputs()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run(inputs) }
            let listening = Task {
                await withDiscardingTaskGroup { inner in
                    inner.addTask { await LivePipeline.tick(inputs) }
                    inner.addTask { await listener.run(feeding: inputs) }
                }
            }
            do {
                try await body(Rig(server: server, listener: listener, pipeline: pipeline, database: database))
            } catch {
                listening.cancel()
                inputs.finish()
                throw error
            }
            listening.cancel()
            await listening.value
            inputs.finish()
            try await group.waitForAll()
        }
        await commander.shutdown()
        _ = folder
    }

    /// Five hour-long calls from account 1001 to Somalia, `secondsApart` apart, each answered after 2 s.
    static func irsfBurst(uuidPrefix: String, secondsApart: Double) -> [CallRecord] {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        return (0..<5).map { index in
            let started = start.addingTimeInterval(Double(index) * secondsApart)
            let uuid = "\(uuidPrefix)0000000-0000-4000-8000-00000000000\(index)"
            return CallRecord(
                dedupKey: uuid, callID: uuid, account: "1001", callerNumber: "1001",
                destination: "01125261000000\(index)", context: "default", sourceIP: "203.0.113.9", startedAt: started,
                answeredAt: started.addingTimeInterval(2), endedAt: started.addingTimeInterval(3600), duration: 3600,
                billsec: 3598, disposition: .answered, hangupCause: "NORMAL_CLEARING")
        }
    }

    /// Waits until `condition` holds (or fails after `seconds`).
    static func eventually(_ seconds: Double = 60, _ condition: () throws -> Bool) async throws {
        if try await !poll(upTo: seconds, until: condition) { Issue.record("condition not met within \(seconds) s") }
    }

    @Test func tenDropsDuringA100kEventReplayStoreEveryCallExactlyOnce() async throws {
        let server = try await FakeFreeSWITCH.start()
        defer { Task { await server.stop() } }
        let calls = Self.honestCalls(40_000)
        var writer = FreeSWITCHEventWriter()
        let events = writer.stream(calls).map(\.event)
        #expect(events.count >= 100_000)
        let drops = Set(stride(from: events.count / 11, to: events.count, by: events.count / 11).prefix(10))
        try await Self.withRig(server: server) { rig in
            try await server.waitForSubscribers()
            try await server.replay(events, dropBefore: drops, overlap: 7)
            // The pipeline counts a batch once its write returns, a moment after the store shows it.
            try await Self.eventually {
                try rig.database.callCount() == calls.count
                    && rig.pipeline.stats.liveCalls.load(ordering: .relaxed) == 0
                    && rig.pipeline.stats.callsStored.load(ordering: .relaxed)
                        + rig.pipeline.stats.duplicates.load(ordering: .relaxed) >= calls.count
            }
            // Each call stored once, and the events re-sent after a drop were not played twice.
            #expect(rig.pipeline.stats.callsStored.load(ordering: .relaxed) == calls.count)
            #expect(rig.pipeline.stats.duplicates.load(ordering: .relaxed) == 0)
            #expect(rig.listener.counters.connects.load(ordering: .relaxed) == 11)
            #expect(rig.listener.counters.reconnects.load(ordering: .relaxed) >= 10)
        }
        #expect(server.accepted >= 11)
    }

    @Test func aDamagedFrameCostsOnlyItself() async throws {
        let server = try await FakeFreeSWITCH.start()
        defer { Task { await server.stop() } }
        let calls = Self.honestCalls(3)
        var writer = FreeSWITCHEventWriter()
        let events = calls.flatMap { writer.events(for: $0).map(\.event) }
        try await Self.withRig(server: server) { rig in
            try await server.waitForSubscribers()
            await server.publish(events[0])
            // fsock's capture: a command glued in front of a frame, then garbage.
            await server.broadcast(
                Array(
                    "uuid_transfer Content-Length: 720\nContent-Type: text/event-plain\n\nEvent-Name: HEARTBEAT\n\n"
                        .utf8))
            await server.broadcast(Array("\u{1}\u{2}binary junk\n\n".utf8))
            for event in events.dropFirst() { await server.publish(event) }
            try await Self.eventually { try rig.database.callCount() == 3 }
            #expect(rig.listener.counters.skippedFrames.load(ordering: .relaxed) >= 2)
            #expect(rig.listener.counters.connects.load(ordering: .relaxed) == 1)
        }
    }

    @Test func wrongPasswordIsAClearErrorWithoutABusyLoop() async throws {
        let server = try await FakeFreeSWITCH.start(password: "right")
        defer { Task { await server.stop() } }
        try await Self.withRig(server: server, password: "wrong") { rig in
            // The switch counts the refusal before the client has read it: wait for both.
            try await Self.eventually {
                server.authFailures >= 1 && rig.listener.counters.lastError.withLock { $0 } != nil
            }
            #expect(rig.listener.counters.lastError.withLock { $0 }?.contains("authentication failed") == true)
            // The configuration error waits the longest backoff (0.2 s here) between tries:
            // at most 1 + 1.5 / 0.2 more tries in the next 1.5 s.
            let first = server.authFailures
            try await Task.sleep(for: .milliseconds(1500))
            #expect(server.authFailures - first <= 8)
            #expect(rig.listener.counters.connects.load(ordering: .relaxed) == 0)
        }
    }

    @Test func aclRefusalIsAClearError() async throws {
        let server = try await FakeFreeSWITCH.start(rejectByACL: true)
        defer { Task { await server.stop() } }
        try await Self.withRig(server: server) { rig in
            try await Self.eventually(10) { rig.listener.counters.lastError.withLock { $0 } != nil }
            #expect(rig.listener.counters.lastError.withLock { $0 }?.contains("ACL") == true)
        }
    }

    @Test func aSuspendedAccountsLiveCallsAreKilledWithinThreeCalls() async throws {
        var configuration = TollGuardConfiguration()
        configuration.suspension.rules = ["concurrent_international": .warning]
        let server = try await FakeFreeSWITCH.start()
        defer { Task { await server.stop() } }
        // An IRSF burst: five long calls to Somalia a second apart, each answered.
        let burst = Self.irsfBurst(uuidPrefix: "b", secondsApart: 1)
        var writer = FreeSWITCHEventWriter()
        let events = writer.stream(burst).map(\.event).filter { $0.name != "CHANNEL_HANGUP_COMPLETE" }
        try await Self.withRig(server: server, configuration: configuration) { rig in
            try await server.waitForSubscribers()
            for event in events { await server.publish(event) }
            // The switch has the kill before the pipeline has its reply and records it.
            try await Self.eventually {
                try server.kills.count >= 5 && rig.database.callKills(account: "1001").count >= 5
            }
            let suspension = try #require(try rig.database.activeSuspension(account: "1001"))
            #expect(suspension.reason.contains("concurrent"))
            #expect(
                server.kills == burst.map { "\($0.callID) CALL_REJECTED" },
                "the three calls up when the third started, then each new one")
            let kills = try rig.database.callKills(account: "1001")
            #expect(kills.count == 5)
            #expect(kills.prefix(3).allSatisfy { $0.reason.hasPrefix("suspended") && $0.reply == "+OK" })
            #expect(kills.suffix(2).allSatisfy { $0.reason == "new call of a suspended account" })
            #expect(!server.commands.contains { $0.contains("hupall") })
        }
    }

    /// A live alert is stored before its calls: once they are stored its evidence carries them
    /// (account, classification, billsec) and their cost, and its money is theirs.
    @Test func aLiveAlertsEvidenceTakesItsCallsOnceTheyAreStored() async throws {
        let server = try await FakeFreeSWITCH.start()
        defer { Task { await server.stop() } }
        let burst = Self.irsfBurst(uuidPrefix: "e", secondsApart: 1)
        var writer = FreeSWITCHEventWriter()
        let events = writer.stream(burst).map(\.event)
        try await Self.withRig(server: server) { rig in
            try await server.waitForSubscribers()
            for event in events { await server.publish(event) }
            try await Self.eventually { try rig.database.callCount() == burst.count }
            let alerts = try rig.database.alerts()
            let alert = try #require(
                alerts.first { $0.rule == "concurrent_international" && $0.subject.value == "1001" })
            try await Self.eventually {
                try rig.database.alertCalls(id: alert.id).allSatisfy { $0.account != nil }
            }
            let evidence = try rig.database.alertCalls(id: alert.id)
            #expect(evidence.count >= 3)
            #expect(evidence.allSatisfy { $0.account == "1001" && $0.destinationClass == "international" })
            #expect(evidence.allSatisfy { $0.billsec == 3598 && $0.costMicros > 0 })
            let stored = try #require(try rig.database.alert(id: alert.id))
            #expect(stored.costMicros == evidence.map(\.costMicros).reduce(0, +))
            #expect(
                stored.summary.hasSuffix(
                    AlertSummarizer(timeZone: .gmt, currency: "USD", countryNames: [:]).money(stored.costMicros)))
            #expect(try rig.database.alertHistory(id: alert.id).first?.actor == "serve")
        }
    }

    /// Events raised while the socket is down are lost; the channel list taken at the reconnect
    /// tells which calls started and ended meanwhile.
    ///
    /// Two IRSF calls that no event showed make
    /// three at once with the one seen: the account is suspended and all three are killed; a
    /// call whose hangup was lost is no longer counted as up.
    @Test func aReconnectLearnsTheCallsOfTheGapFromTheChannelList() async throws {
        var configuration = TollGuardConfiguration()
        configuration.suspension.rules = ["concurrent_international": .warning]
        let server = try await FakeFreeSWITCH.start()
        defer { Task { await server.stop() } }
        let burst = Self.irsfBurst(uuidPrefix: "e", secondsApart: 1)
        var writer = FreeSWITCHEventWriter()
        func upEvents(_ call: CallRecord) -> [ESLEvent] {
            writer.events(for: call).map(\.event).filter { $0.name != "CHANNEL_HANGUP_COMPLETE" }
        }
        let local = Self.honestCalls(2)[1]  // account 1001's colleague on a local call
        let localEvents = writer.events(for: local).map(\.event)
        try await Self.withRig(server: server, configuration: configuration) { rig in
            try await server.waitForSubscribers()
            // The channel list taken at the connect first: a call published while the switch answers
            // it may be in the list before its event, and the resync would count it.
            try await Self.eventually { rig.pipeline.stats.resyncs.load(ordering: .relaxed) >= 1 }
            for event in upEvents(burst[0]) + localEvents.dropLast() { await server.publish(event) }
            try await Self.eventually { rig.pipeline.stats.liveCalls.load(ordering: .relaxed) == 2 }
            // The console's live page reads the calls up as of the last refresh.
            try await Self.eventually {
                Set(rig.pipeline.stats.snapshot.withLock { $0?.calls.map(\.uuid) } ?? [])
                    == [burst[0].callID, local.callID]
            }
            #expect(server.kills.isEmpty)

            server.dropConnections(losing: upEvents(burst[1]) + upEvents(burst[2]) + localEvents.suffix(1))
            try await Self.eventually {
                try server.kills.count >= 3 && rig.database.callKills(account: "1001").count >= 3
            }
            #expect(Set(server.kills) == Set(burst.prefix(3).map { "\($0.callID) CALL_REJECTED" }))
            #expect(try rig.database.activeSuspension(account: "1001")?.reason.contains("concurrent") == true)
            #expect(rig.pipeline.stats.resyncStarted.load(ordering: .relaxed) == 2)
            #expect(rig.pipeline.stats.resyncEnded.load(ordering: .relaxed) == 1)
            #expect(rig.pipeline.stats.liveCalls.load(ordering: .relaxed) == 3)
            // At the connect and the reconnect (and at any later reconnect: a heartbeat timeout on a slow machine).
            #expect(server.commands.filter { $0 == "api show channels as json" }.count >= 2)
        }
    }

    @Test func theReplayServerEndsAKilledCallAtItsKill() async throws {
        var configuration = TollGuardConfiguration()
        configuration.suspension.rules = ["concurrent_international": .warning]
        let server = try await FakeFreeSWITCH.start()
        defer { Task { await server.stop() } }
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let burst = Self.irsfBurst(uuidPrefix: "d", secondsApart: 10)
        var writer = FreeSWITCHEventWriter()
        // The whole script, hangups an hour later included: the kills must cut it short.
        let events = writer.stream(burst, heartbeatSeconds: 3600).map(\.event)
        try await Self.withRig(server: server, configuration: configuration) { rig in
            try await server.waitForSubscribers()
            // Each event taken (and acted on: the kills sent) before the next goes out, as the
            // switch's pace allows however loaded the machine: the hangups scripted an hour later
            // must not overtake a kill.
            let stats = rig.pipeline.stats
            let baseline = stats.eventsHandled.load(ordering: .relaxed)
            try await server.replay(events, eventsPerSecond: 5) { sent in
                let deadline = ContinuousClock.now + .seconds(60)
                while stats.eventsHandled.load(ordering: .relaxed) < baseline + sent, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(1))
                }
            }
            try await Self.eventually {
                try rig.database.writer.read { db in
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM calls WHERE account = '1001'") ?? 0
                } == 5
            }
            let stored = try rig.database.writer.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT hangup_cause, billsec, end_utc FROM calls WHERE account = '1001' ORDER BY start_utc")
            }
            #expect(server.kills.count == 5)
            // Ended at the kill (the replay's clock is 10 s per call, 2 s to the answer, 5 events a
            // second), not after the scripted hour.
            #expect(stored.allSatisfy { ($0["hangup_cause"] as String) == "CALL_REJECTED" })
            #expect(stored.allSatisfy { ($0["billsec"] as Int) <= 60 })
            #expect(
                stored.map { $0["end_utc"] as String }.allSatisfy {
                    $0 <= CivilTime.utcText(start.addingTimeInterval(60))
                })
        }
    }
}
