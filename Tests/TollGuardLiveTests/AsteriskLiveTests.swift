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

/// Asterisk live through its Manager, and every switch of a site in one pipeline: the switches
/// built from the configuration as `serve` builds them, against the fake Asterisk and the fake
/// FreeSWITCH over loopback.
///
/// Twenty minutes a test at most: one that hangs is named in the log, not left to run out CI's time.
@Suite(.serialized, .timeLimit(.minutes(20))) struct AsteriskLiveTests {
    static let logger = Logger(label: "test.asterisk")

    struct Rig {
        var switches: LiveSwitches
        var pipeline: LivePipeline
        var database: TollGuardDatabase
    }

    /// Runs the switches of `configuration` and the pipeline (and with `watchSecurity` the SIP
    /// watcher over the Managers' security events) while `body` runs, then drains.
    static func withSite(
        _ configuration: TollGuardConfiguration, environment: [String: String],
        sources: (LivePipeline) -> [LiveService.Source] = { _ in [] }, watchSecurity: Bool = false,
        _ body: (Rig) async throws -> Void
    ) async throws {
        let folder = try TemporaryDirectory()
        let database = try TollGuardDatabase.open(path: folder.path("site.sqlite"))
        let switches = try LiveSwitches(
            configuration: configuration, environment: environment, backoffUnitSeconds: 0.01, logger: logger)
        let actions = ActionLayer(
            database: database, configuration: ReloadableConfiguration(configuration), logger: logger,
            hangUpCall: { try await switches.hangUp($0) })
        var assembled = LivePipeline(actions: actions, timeZone: .gmt, logger: logger)
        let securityEvents = watchSecurity ? SecurityEventInbox() : nil
        assembled.securityEvents = securityEvents
        let pipeline = assembled
        let inputs = LiveInputs()
        let sources = sources(pipeline)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run(inputs) }
            let running = Task {
                await withDiscardingTaskGroup { inner in
                    inner.addTask { await LivePipeline.tick(inputs) }
                    for live in switches.all { inner.addTask { await live.run(feeding: inputs) } }
                    for source in sources { inner.addTask { await source(inputs) } }
                    if let securityEvents {
                        let watcher = SecurityLogWatchService(
                            actions: actions, timeZone: .gmt, stats: pipeline.stats, liveEvents: securityEvents,
                            logger: logger)
                        inner.addTask { try? await watcher.run() }
                    }
                }
            }
            do {
                try await body(Rig(switches: switches, pipeline: pipeline, database: database))
            } catch {
                running.cancel()
                inputs.finish()
                throw error
            }
            running.cancel()
            await running.value
            inputs.finish()
            try await group.waitForAll()
        }
        await switches.shutdown()
        _ = folder
    }

    static func manager(_ name: String, port: Int) -> AMISettings {
        var manager = AMISettings()
        manager.name = name
        manager.port = port
        // The whole test run shares two cores: a session starved of them for 20 s is not dead.
        manager.silenceTimeoutSeconds = 300
        return manager
    }

    static let secret = ["TOLLGUARD_AMI_SECRET": "s3cret"]

    /// The switch names stored with the calls.
    static func storedSwitches(_ database: TollGuardDatabase) throws -> [String?] {
        try database.writer.read { db in
            try String?.fetchAll(db, sql: "SELECT switch_name FROM calls ORDER BY start_utc")
        }
    }

    @Test func aBurstThroughAsteriskIsSuspendedAndItsChannelsHungUpWithinThreeCalls() async throws {
        let fake = try await FakeAsterisk.start()
        defer { Task { await fake.stop() } }
        var configuration = TollGuardConfiguration()
        configuration.suspension.rules = ["concurrent_international": .warning]
        configuration.managers = [Self.manager("pbx-east", port: fake.port)]
        // An IRSF burst: five hour-long calls to Somalia a second apart, each answered.
        let burst = EventSocketLiveTests.irsfBurst(uuidPrefix: "a", secondsApart: 1)
        var writer = AsteriskEventWriter()
        let events = writer.stream(burst).filter { !["Hangup", "Cdr"].contains($0.event.event ?? "") }
        let channels = events.filter { $0.event.event == "DialBegin" }.compactMap { $0.event["Channel"] }
        try await Self.withSite(configuration, environment: Self.secret) { rig in
            try await fake.waitForLogins()
            try await fake.replay(events)
            try await EventSocketLiveTests.eventually(180) {
                try fake.hangups.count >= 5 && rig.database.callKills(account: "1001").count >= 5
            }
            let suspension = try #require(try rig.database.activeSuspension(account: "1001"))
            #expect(suspension.reason.contains("concurrent"))
            #expect(
                fake.hangups.map(\.channel) == channels, "the three calls up when the third started, then each new one")
            #expect(fake.hangups.allSatisfy { $0.cause == "21" })
            let kills = try rig.database.callKills(account: "1001")
            #expect(kills.count == 5)
            #expect(kills.allSatisfy { $0.switchName == "pbx-east" })
            #expect(kills.prefix(3).allSatisfy { $0.reason.hasPrefix("suspended") })
            #expect(kills.allSatisfy { $0.reply == "Success: Channel Hungup" }, "\(kills.map(\.reply))")
            #expect(kills.suffix(2).allSatisfy { $0.reason == "new call of a suspended account" })
            // Each hung-up channel's Cdr is the call, stored once, with its switch.
            try await EventSocketLiveTests.eventually(180) { try rig.database.callCount() == 5 }
            #expect(try Self.storedSwitches(rig.database) == Array(repeating: "pbx-east", count: 5))
            // The alert's evidence names the switch of each call (the case file and `alerts show`).
            let alert = try #require(try rig.database.alerts().first { $0.rule == "concurrent_international" })
            try await EventSocketLiveTests.eventually(180) {
                try rig.database.alertCalls(id: alert.id).allSatisfy { $0.switchName == "pbx-east" }
            }
            let hangups = fake.actions.filter { $0["Action"] == "Hangup" }
            #expect(hangups.count == 5 && hangups.allSatisfy { !($0["Channel"] ?? "/").hasPrefix("/") })
        }
    }

    /// One account calls Somalia twice through a FreeSWITCH and once through an Asterisk: one
    /// engine sees three calls at once, raises one alert, and each switch hangs up its own.
    @Test func anAccountCallingThroughFreeSWITCHAndAsteriskTripsOneConcurrencyLimit() async throws {
        let freeswitch = try await FakeFreeSWITCH.start()
        let asterisk = try await FakeAsterisk.start()
        defer {
            Task {
                await freeswitch.stop()
                await asterisk.stop()
            }
        }
        var configuration = TollGuardConfiguration()
        configuration.suspension.rules = ["concurrent_international": .warning]
        var socket = EventSocketSettings()
        socket.name = "fs-west"
        socket.enabled = true
        socket.port = freeswitch.port
        configuration.eventSockets = [socket]
        configuration.managers = [Self.manager("ast-east", port: asterisk.port)]
        // A hook hears of the suspension at once: its event names the switches of the calls.
        var hook = HookSettings(name: "noc", kind: .program)
        hook.path = "/bin/true"
        hook.minSeverity = .info
        configuration.hooks = [hook]
        #expect(configuration.validationErrors(includingDialPlan: false).isEmpty)
        let burst = EventSocketLiveTests.irsfBurst(uuidPrefix: "d", secondsApart: 1).prefix(3)
        var fsWriter = FreeSWITCHEventWriter()
        let fsEvents = fsWriter.stream(Array(burst.prefix(2))).map(\.event).filter {
            $0.name != "CHANNEL_HANGUP_COMPLETE"
        }
        var astWriter = AsteriskEventWriter()
        let astEvents = astWriter.stream([burst[2]]).filter { !["Hangup", "Cdr"].contains($0.event.event ?? "") }
        let environment = Self.secret.merging(["TOLLGUARD_ESL_PASSWORD": "ClueCon"]) { $1 }
        try await Self.withSite(configuration, environment: environment) { rig in
            try await freeswitch.waitForSubscribers()
            try await asterisk.waitForLogins()
            for event in fsEvents { await freeswitch.publish(event) }
            try await EventSocketLiveTests.eventually(180) {
                rig.pipeline.stats.liveCalls.load(ordering: .relaxed) == 2
            }
            try await asterisk.replay(astEvents)
            try await EventSocketLiveTests.eventually(180) {
                try freeswitch.kills.count == 2 && asterisk.hangups.count == 1
                    && rig.database.callKills(account: "1001").count == 3
            }
            #expect(freeswitch.kills == burst.prefix(2).map { "\($0.callID) CALL_REJECTED" })
            let kills = try rig.database.callKills(account: "1001")
            #expect(kills.filter { $0.switchName == "fs-west" }.count == 2)
            #expect(kills.filter { $0.switchName == "ast-east" }.count == 1)
            let alerts = try rig.database.alerts().filter {
                $0.rule == "concurrent_international" && $0.subject.value == "1001"
            }
            #expect(alerts.count == 1)
            #expect(rig.switches.all.allSatisfy { $0.counters.isConnected.load(ordering: .relaxed) })
            // The FreeSWITCH calls are still up (the fake ends none), so not stored: their switch
            // comes from the engine's evidence. (The Asterisk call's Cdr follows its hang-up, and may
            // be stored by now: the fake emits it, as Asterisk does.)
            #expect(try rig.database.callCount() <= 1)
            let delivery = try #require(try rig.database.outbox().first { $0.eventType == "suspend" })
            let event = try HookEvent.decode(try #require(try rig.database.hookEventPayload(id: delivery.eventID)))
            #expect(event.figures?.switches == ["fs-west", "ast-east"], "\(String(describing: event.figures))")
            #expect(event.environment["TOLLGUARD_SWITCHES"] == "fs-west,ast-east")
            #expect(
                try rig.database.alertCalls(id: alerts[0].id).map(\.switchName) == ["fs-west", "fs-west", "ast-east"])
            // One subject across both switches, and what each carried.
            let bySwitch = try rig.database.alertCalls(id: alerts[0].id).totalsBySwitch
            #expect(bySwitch.map { "\($0.switchName) \($0.calls)" } == ["fs-west 2", "ast-east 1"])
        }
    }

    /// Failed logins come as `security` events: the SIP watcher bans the address they come from
    /// and raises its alert, with no log file to follow.
    @Test func failedLoginsFromTheManagerAreBannedWithoutALogFile() async throws {
        let fake = try await FakeAsterisk.start()
        defer { Task { await fake.stop() } }
        let folder = try TemporaryDirectory()
        var configuration = TollGuardConfiguration()
        configuration.managers = [Self.manager("pbx-east", port: fake.port)]
        configuration.sipWatch.banLog = folder.path("bans.log")
        configuration.sipWatch.pollSeconds = 0.05
        try await Self.withSite(configuration, environment: Self.secret, watchSecurity: true) { rig in
            try await fake.waitForLogins()
            let login = try #require(fake.actions.first { $0["Action"] == "Login" })
            #expect(login["Events"]?.contains("security") == true)
            for attempt in 0..<12 {
                await fake.emit(
                    AMIMessage([
                        ("Event", "InvalidPassword"), ("EventTV", "2026-11-21T03:12:01.123+0000"),
                        ("Severity", "Error"), ("Service", "PJSIP"), ("EventVersion", "2"),
                        // The attacker's text names another address: never the one banned.
                        ("AccountID", "10\(attempt) RemoteAddress: IPV4/UDP/6.6.6.6/5060"),
                        ("SessionID", "0x\(attempt)"), ("LocalAddress", "IPV4/UDP/203.0.113.77/5060"),
                        ("RemoteAddress", "IPV4/UDP/198.51.100.28/5060"), ("Challenge", "5a1f0c3e"),
                        ("ReceivedChallenge", "5a1f0c3e"), ("ReceivedHash", "0a1b2c3d"),
                    ]))
            }
            try await EventSocketLiveTests.eventually(180) {
                try BanLog(path: configuration.sipWatch.banLog).banCounts()["198.51.100.28"] != nil
                    && rig.database.alerts().contains { $0.subject.value == "198.51.100.28" }
            }
            #expect(BanLog(path: configuration.sipWatch.banLog).banCounts().keys.sorted() == ["198.51.100.28"])
            #expect(rig.pipeline.stats.securityLines.load(ordering: .relaxed) == 12)
            #expect(try rig.database.callCount() == 0)
        }
    }

    /// Ten connection drops during a 100,000-event night, each losing the events emitted while
    /// no session was logged in: every call is stored once, from its Cdr event or, where that
    /// was lost, from the tailed `Master.csv`; the calls whose hangup was lost end at the
    /// resync of the next login; nothing is left up.
    @Test func tenDropsDuringA100kEventReplayStoreEveryCallOnce() async throws {
        let folder = try TemporaryDirectory()
        let master = URL(fileURLWithPath: folder.path("Master.csv"))
        let fake = try await FakeAsterisk.start(masterCSV: master)
        defer { Task { await fake.stop() } }
        var configuration = TollGuardConfiguration()
        configuration.managers = [Self.manager("pbx-east", port: fake.port)]
        configuration.cdrTail.files = [master.path]
        configuration.cdrTail.format = .asterisk
        configuration.cdrTail.pollSeconds = 0.1
        let calls = EventSocketLiveTests.honestCalls(19_000)
        var writer = AsteriskEventWriter()
        let events = writer.stream(calls)
        #expect(events.count >= 100_000)
        let drops = Set(stride(from: events.count / 11, to: events.count, by: events.count / 11).prefix(10))
        let tail: (LivePipeline) -> [LiveService.Source] = { pipeline in
            let source = CDRTailSource(
                database: pipeline.database, settings: configuration.cdrTail, timeZone: .gmt,
                columnMap: configuration.ingest.csv.columns, stats: pipeline.stats, logger: Self.logger)
            return [{ inputs in await source.run(inputs) }]
        }
        try await Self.withSite(configuration, environment: Self.secret, sources: tail) { rig in
            try await fake.waitForLogins()
            let counters = try #require(rig.switches.all.first?.counters)
            // Each cut comes once the client has read what was sent: the events lost are the 40
            // sent to nobody. (Cut while the client lags, Asterisk's unsent backlog is lost too;
            // the tailed Master.csv still stores every call, only fewer come both ways.)
            let emitted = try await fake.replay(
                events, dropBefore: drops, lose: 40,
                beforeDrop: { delivered in
                    _ = try? await poll(upTo: 120) { counters.events.load(ordering: .relaxed) >= delivered }
                },
                // The client sees the cut once the pipeline has taken the events it holds: under
                // CI's load (the whole suite on two cores) that was seen to take over two minutes.
                loginTimeout: .seconds(900))
            #expect(emitted == events.count)
            let stats = rig.pipeline.stats
            let state = { () -> String in
                "\((try? rig.database.callCount()) ?? -1) calls stored, \(stats.liveCalls.load(ordering: .relaxed)) up, "
                    + "\(stats.tailedRows.load(ordering: .relaxed)) rows read, "
                    + "\(stats.duplicates.load(ordering: .relaxed)) duplicates of \(fake.cdrsDelivered) Cdrs delivered, "
                    + "\(stats.resyncs.load(ordering: .relaxed)) resyncs"
            }
            // Every call stored, nothing up, every row read, and each Cdr event that reached the
            // client met its Master.csv row (whichever came first stored the call, the other was
            // a duplicate; a row is counted when read, a duplicate once its batch is stored).
            let settled = try await poll(upTo: 600) {
                try rig.database.callCount() == calls.count && stats.liveCalls.load(ordering: .relaxed) == 0
                    && stats.tailedRows.load(ordering: .relaxed) == calls.count
                    && stats.duplicates.load(ordering: .relaxed) == fake.cdrsDelivered
            }
            #expect(settled, "\(state())")
            #expect(stats.callsStored.load(ordering: .relaxed) == calls.count)
            let distinct = try await rig.database.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(DISTINCT call_id) FROM calls")
            }
            #expect(distinct == calls.count)
            #expect(counters.connects.load(ordering: .relaxed) == 11)
            // Only the Cdrs sent to nobody are missing: 40 events lost per drop, ~5 per call.
            #expect(fake.cdrsDelivered >= calls.count - 10 * 40 / 4, "\(state())")
            // Each login's channel list resynced the calls.
            #expect(stats.resyncs.load(ordering: .relaxed) == 11, "\(state())")
        }
    }
}
