import Foundation
import Logging
import Synchronization
import TollGuardCore
import TollGuardHooks
import TollGuardLive

/// `tollguard demo --live`: the night of the simulation's IRSF burst replayed as FreeSWITCH events
/// through the replay server into the live pipeline (event-socket client, engine, store, policy,
/// `uuid_kill` over a second connection) — or with `--asterisk` as Asterisk Manager events
/// through the fake Asterisk (`Action: Hangup` for the kills) — and the money that reached the
/// revenue-share numbers live, beside what the nightly analysis — which acts the next morning —
/// lets through.
package struct LiveNightReplay {
    /// Which switch the night is replayed as.
    package enum Switch: Sendable {
        case freeswitch
        case asterisk
    }

    /// What the replay showed.
    package struct Outcome: Sendable {
        package var calls = 0
        package var events = 0
        package var burstAccount = ""
        package var burstCalls = 0
        /// Burst calls started when the account was suspended (`nil`: never suspended).
        package var suspendedAfterCalls: Int?
        package var kills: [CallKill] = []
        /// Cost of the burst's calls as they ran (what the nightly run lets through).
        package var nightlyMicros: Int64 = 0
        /// Cost of the burst's calls up to their kills.
        package var liveMicros: Int64 = 0
        package var alerts: [StoredAlert] = []
        package var currency = "USD"
    }

    package let site: SimulatedSiteRun
    package let configuration: TollGuardConfiguration
    package let eventsPerSecond: Double
    package let logger: Logger
    package let switchKind: Switch

    package init(
        site: SimulatedSiteRun, configuration: TollGuardConfiguration, eventsPerSecond: Double,
        switchKind: Switch = .freeswitch, logger: Logger
    ) {
        self.switchKind = switchKind
        self.site = site
        self.configuration = configuration
        self.eventsPerSecond = eventsPerSecond
        self.logger = logger
    }

    /// Replays the burst's night of `simulation` (whose CDR file ``SimulatedSiteRun/run(_:logger:now:)``
    /// wrote) into a fresh store, `live.sqlite` in the site's folder.
    package func run(_ simulation: Simulation) async throws -> Outcome {
        var outcome = Outcome()
        outcome.currency = configuration.rating.currency
        guard let burst = simulation.scenarios.first(where: { $0.kind == .irsfBurst }) else { return outcome }
        let burstIDs = Set(burst.callIDs)
        // Labels name subjects as `account 1019`.
        let subject = burst.subjects.first { $0.hasPrefix("account ") } ?? ""
        outcome.burstAccount = String(subject.dropFirst("account ".count))

        let records = try CDRTail(
            path: site.cdrPath, format: .auto, timeZone: Simulation.timeZone, resumingAt: nil
        ).poll().records.map(\.record)
        let burstCalls = records.filter { burstIDs.contains($0.callID) }.sorted { $0.startedAt < $1.startedAt }
        guard let first = burstCalls.first?.startedAt, let last = burstCalls.map(\.endedAt).max() else {
            return outcome
        }
        let night = records.filter { $0.startedAt >= first.addingTimeInterval(-2 * 3600) && $0.startedAt <= last }
            .sorted { $0.startedAt < $1.startedAt }
        outcome.calls = night.count
        outcome.burstCalls = burstCalls.count

        let path = site.folder.appendingPathComponent("live.sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let database = try TollGuardDatabase.open(path: path)
        let rater = try site.loadReferenceData(into: database, configuration: configuration)
        /// Each call's id on the switch, by its call id, where they differ (Asterisk's Uniqueid).
        var uniqueids: [String: String] = [:]
        switch switchKind {
        case .freeswitch:
            var writer = FreeSWITCHEventWriter()
            let events = writer.stream(night, heartbeatSeconds: 60).map(\.event)
            outcome.events = events.count
            try await replay(events, into: database)
        case .asterisk:
            var writer = AsteriskEventWriter(timeZone: Simulation.timeZone)
            let events = writer.stream(night)
            outcome.events = events.count
            uniqueids = writer.uniqueids
            try await replayThroughAsterisk(events, into: database)
        }

        outcome.kills = try database.callKills(account: outcome.burstAccount)
        outcome.alerts = try database.alerts(AlertFilter(states: Set(AlertState.allCases)))
        if let suspended = outcome.kills.compactMap(\.callTime).min() {
            outcome.suspendedAfterCalls = burstCalls.filter { $0.startedAt <= suspended }.count
        }
        // Live: what the switch billed, as its own records of the night say (a killed call ends
        // at its kill); a burst call it has no record of counts whole.
        let liveIDs = Dictionary(burstCalls.map { (uniqueids[$0.callID] ?? $0.callID, $0.callID) }) { first, _ in first
        }
        var billed: [String: Int64] = [:]
        for (id, cost) in try database.costsByCallID(account: outcome.burstAccount) {
            if let callID = liveIDs[id] { billed[callID, default: 0] += cost }
        }
        for call in burstCalls {
            let price = rater.rate(call).price
            outcome.nightlyMicros += price.costMicros
            outcome.liveMicros += billed[call.callID] ?? price.costMicros
        }
        return outcome
    }

    /// The replay server sends `events`; the live pipeline takes them, stores, acts and kills.
    private func replay(_ events: [ESLEvent], into database: TollGuardDatabase) async throws {
        // The replay's own connection notices (the replay server closing, and so on) are not the demo's news.
        var logger = logger
        logger.logLevel = .error
        let server = try await FakeFreeSWITCH.start()
        let connection = EventSocketConnection(host: "127.0.0.1", port: server.port, password: server.password)
        let listener = EventSocketListener(
            connection: connection, reconnectMaxSeconds: 1, heartbeatTimeoutSeconds: 65, logger: logger)
        let commander = EventSocketCommander(connection: connection, logger: logger)
        let freeswitch = LiveSwitch(
            name: configuration.eventSocket.name,
            feed: .eventSocket(listener, commander, killCause: configuration.eventSocket.killCause))
        try await run(switch: freeswitch, into: database) { pace in
            try await server.waitForSubscribers()
            return try await server.replay(events, eventsPerSecond: eventsPerSecond, pace: pace)
        }
        await server.stop()
    }

    /// The fake Asterisk sends `events`; the live pipeline takes them through its Manager client,
    /// stores, acts and hangs up with `Action: Hangup`.
    private func replayThroughAsterisk(
        _ events: [AsteriskEventWriter.TimedEvent], into database: TollGuardDatabase
    ) async throws {
        var logger = logger
        logger.logLevel = .error
        let server = try await FakeAsterisk.start(timeZone: Simulation.timeZone)
        let connection = AMIConnection(
            host: "127.0.0.1", port: server.port, username: server.username, secret: server.secret,
            authentication: .md5)
        let manager = AMISettings()
        let asterisk = LiveSwitch(
            name: manager.name,
            feed: .manager(
                AMIListener(connection: connection, reconnectMaxSeconds: 1, logger: logger),
                AMICommander(connection: connection, logger: logger), killCause: manager.killCause))
        try await run(switch: asterisk, into: database) { pace in
            try await server.waitForLogins()
            return try await server.replay(events, eventsPerSecond: eventsPerSecond, pace: pace)
        }
        await server.stop()
    }

    /// Events a session sends by itself at its login: Asterisk's `FullyBooted`.
    private static func loginEvents(of live: LiveSwitch) -> Int {
        if case .manager = live.feed { return 1 }
        return 0
    }

    /// Runs the pipeline fed by `live` while `feed` replays the night (returning the events it
    /// sent), until the pipeline has taken them; then the hooks hear what it did.
    ///
    /// `feed` gets the pace to replay at: each event waits until the pipeline has taken the one
    /// before it (and so has acted on the one before that). A night replayed in a second would
    /// otherwise count TollGuard's milliseconds as minutes of the switch's time; on a switch in
    /// real time they are milliseconds.
    private func run(
        switch live: LiveSwitch, into database: TollGuardDatabase,
        feed: (@escaping @Sendable (Int) async -> Void) async throws -> Int
    ) async throws {
        let actions = ActionLayer(
            database: database, configuration: ReloadableConfiguration(configuration), logger: logger,
            hangUpCall: { try await live.hangUp($0) })
        let pipeline = LivePipeline(actions: actions, timeZone: Simulation.timeZone, logger: logger)
        let inputs = LiveInputs()
        let consumer = Task { try await pipeline.run(inputs) }
        let sources = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await LivePipeline.tick(inputs) }
                group.addTask { await live.run(feeding: inputs) }
            }
        }
        // What the login itself sent (Asterisk's FullyBooted) before the replay's first event.
        let stats = pipeline.stats
        let baseline = Self.loginEvents(of: live)
        let pace: @Sendable (Int) async -> Void = { sent in
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(5)
            while stats.eventsHandled.load(ordering: .relaxed) < sent + baseline, clock.now < deadline {
                try? await Task.sleep(for: .microseconds(200))
            }
        }
        let sent = try await feed(pace)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while pipeline.stats.events.load(ordering: .relaxed) < sent, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        sources.cancel()
        await sources.value
        inputs.finish()
        try await consumer.value
        // What `serve`'s hook delivery does as it goes: the hooks hear of the alerts and suspensions.
        _ = try await actions.deliverDue()
        await live.shutdown()
    }
}
