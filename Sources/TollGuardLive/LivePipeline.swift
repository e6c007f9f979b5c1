import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TollGuardCore
import TollGuardHooks

/// The live side of `serve`: events in time order through the ``LiveMonitor`` (the one engine),
/// completed calls stored in micro-batches, alerts stored and acted on as soon as they are
/// found (through the ``ActionLayer``), and the live calls of suspended accounts hung up.
package struct LivePipeline: Sendable {
    package let database: TollGuardDatabase
    /// What follows an alert: the policy, the outbox, the kills.
    package let actions: ActionLayer
    /// Replaced on SIGHUP; the pipeline rebuilds its engine when it hears `.reload`.
    package var configurationCell: ReloadableConfiguration { actions.configuration }
    package var configuration: TollGuardConfiguration { configurationCell.current }
    package let timeZone: TimeZone
    package let logger: Logger
    package let stats = Stats()
    /// Where a refused write is recorded (and `/healthz` reads it).
    package let health: StoreHealth
    /// Calls kept in memory while the store refuses writes before the pipeline stops taking inputs.
    package var maxPendingCalls = 100_000
    /// How long a shutdown keeps retrying a refusing store before giving up what it holds.
    package var drainTimeout: Duration = .seconds(10)
    /// Where the Asterisk Managers' security events go for the SIP watcher; nil: dropped.
    package var securityEvents: SecurityEventInbox?
    /// Hears that the store took new calls (an edge's shipping rings its doorbell).
    package var onCallsStored: (@Sendable () -> Void)?
    /// How late a switch's event may reach the pipeline after the time it carries: the margin
    /// of the promise an edge makes the cluster.
    package var eventLateness: Duration = .seconds(5)
    /// An edge's calls up as it tells the cluster (nil: it tells none): each tick updates them
    /// with what changed and the time before which every event is told; a tick after events
    /// rings ``onCallsStored`` too, so the edge ships the change at once.
    package var callsUp: EdgeCallsUp?

    /// How often the pipeline ticks (stores what waits, takes the calls up): every 100 ms, and
    /// on an edge that tells its calls up at least twice within ``eventLateness``, so that its
    /// promise follows its switch's clock closely.
    package var tickInterval: Duration {
        guard callsUp != nil else { return .milliseconds(100) }
        return max(.milliseconds(10), min(.milliseconds(100), eventLateness / 2))
    }

    /// Counters for `/metrics`, the benchmark and tests.
    package final class Stats: Sendable {
        package let events = Atomic<Int>(0)
        /// Events handled to the end: stored what they completed, acted on what they found.
        package let eventsHandled = Atomic<Int>(0)
        package let callsStored = Atomic<Int>(0)
        package let duplicates = Atomic<Int>(0)
        package let alertsRaised = Atomic<Int>(0)
        package let kills = Atomic<Int>(0)
        package let liveCalls = Atomic<Int>(0)
        /// Completed calls received and not yet stored.
        package let pendingCalls = Atomic<Int>(0)
        package let alertsByRule = Mutex<[String: Int]>([:])
        /// Event received → its alert stored and acted on, in microseconds (the last 100,000).
        package let alertLatencies = Mutex<[Int]>([])
        /// How long each write of the store held the pipeline, in microseconds (the last 100,000):
        /// every event that came meanwhile waited that long.
        package let writeDurations = Mutex<[Int]>([])
        /// Rows read from tailed CDR files, and those rejected.
        package let tailedRows = Atomic<Int>(0)
        package let tailedRowsRejected = Atomic<Int>(0)
        /// Security lines read from followed PBX logs, and addresses banned.
        package let securityLines = Atomic<Int>(0)
        package let bans = Atomic<Int>(0)
        /// Configuration reloads applied (SIGHUP).
        package let reloads = Atomic<Int>(0)
        /// Channel lists taken after a (re)connect; calls they started and ended.
        package let resyncs = Atomic<Int>(0)
        package let resyncStarted = Atomic<Int>(0)
        package let resyncEnded = Atomic<Int>(0)
        /// The calls up, as of the last refresh (the console's live page).
        package let snapshot = Mutex<LiveCallsSnapshot?>(nil)
        package init() {}
    }

    package init(actions: ActionLayer, timeZone: TimeZone, health: StoreHealth = StoreHealth(), logger: Logger) {
        database = actions.database
        self.actions = actions
        self.timeZone = timeZone
        self.health = health
        self.logger = logger
    }

    /// The monitor with the engine warmed up on the stored calls its windows reach back to.
    package func makeMonitor(now: Date = Date()) throws -> LiveMonitor {
        let (engine, rater) = try makeEngine(configuration, now: now)
        return LiveMonitor(engine: engine, rater: rater)
    }

    /// An engine built from `configuration` and the store's lists, quotas and rates, warmed up on
    /// the stored calls its windows reach back to, and the rater of the same rates.
    private func makeEngine(
        _ configuration: TollGuardConfiguration, now: Date
    ) throws -> (AnalysisEngine, DestinationRater) {
        let run = AnalysisRun(
            database: database, configuration: configuration, timeZone: timeZone, countryNames: [:])
        var engine = try run.makeEngine()
        try database.forEachObservedCall(from: now.addingTimeInterval(-engine.reach), to: now) { call in
            _ = engine.replay(call)
        }
        _ = engine.finish()
        let rater = try configuration.destinationRater(plan: NumberingPlan.builtIn.get(), deck: database.rateDeck())
        return (engine, rater)
    }

    private func makeFlushState(_ configuration: TollGuardConfiguration) -> FlushState {
        FlushState(
            summarizer: AlertSummarizer(
                timeZone: timeZone, currency: configuration.rating.currency,
                countryNames: (try? NumberingPlan.builtIn.get().countryNames) ?? [:]),
            evidenceLimit: configuration.analysis.maxEvidenceCalls)
    }

    /// Consumes `inputs` until the stream ends, then stores what is pending.
    ///
    /// A write the store refuses (locked past the busy timeout, disk full, I/O error, read-only)
    /// stops nothing: the engine goes on with the events, the calls and alerts not written stay in
    /// memory and are written again with backoff, ``health`` says why meanwhile, and CDR posts
    /// hear at once that their call is not stored yet (the switch retries). Past
    /// ``maxPendingCalls`` the pipeline takes no more inputs until the store takes what it holds:
    /// the sources then wait (the event socket's reads stop, the switch buffers).
    package func run(_ inputs: LiveInputs) async throws {
        var monitor = try makeMonitor()
        monitor.tracksChanges = callsUp != nil
        var callsUpDiff = CallsUpDiff()
        var state = makeFlushState(configuration)
        var suspended: Set<String> = try await database.suspendedAccounts()
        var watched = configuration
        /// Each switch's clock: the time of its last event (recorded with each kill), and its
        /// clock less ours, so that a channel list (which has no time of its own) is dated on
        /// the switch's clock, as its calls' events are.
        var clocks: [String: SwitchClock] = [:]
        // Events since the last tick: a tick after some rings the edge's shipping.
        var eventsSinceTick = 0
        /// The Asterisk switches' calls as their channel events show them, and their CDR readers.
        var managers: [String: AsteriskSwitch] = [:]
        var taken = 0

        func policy(_ call: LiveCall) -> LiveKillPolicy { watched.killPolicy(ofSwitch: call.switchName) }

        /// Hangs up `account`'s calls on the switches whose policy kills on suspension.
        func hangUpCalls(ofAccount account: String, reason: String) async {
            await hangUp(
                monitor.calls(ofAccount: account).filter { policy($0).killOnSuspend }, reason: reason, clocks: clocks)
        }

        /// Writes what is pending, then hangs up the calls of the accounts it suspended.
        func storePending() async {
            let newlySuspended = await flush(&state)
            for suspension in newlySuspended {
                suspended.insert(suspension.account)
                await hangUpCalls(
                    ofAccount: suspension.account,
                    reason: "suspended (suspension \(suspension.id): \(suspension.reason))")
            }
        }

        /// A call just started: hung up at once when its account is suspended.
        func started(_ call: LiveCall, reason: String = "new call of a suspended account") async {
            guard suspended.contains(call.account), policy(call).killNewCallsOfSuspended else { return }
            await hangUp([call], reason: reason, clocks: clocks)
        }

        /// Brings the calls of switch `name` in line with its list of the channels up.
        func resync(_ upNow: [LiveCall], switchName: String?, at now: Date) async {
            let resync = monitor.resync(with: upNow, at: now, switchName: switchName)
            state.add(resync.findings, receivedAt: ContinuousClock.now)
            stats.resyncs.add(1, ordering: .relaxed)
            stats.resyncStarted.add(resync.started.count, ordering: .relaxed)
            stats.resyncEnded.add(resync.ended.count, ordering: .relaxed)
            if !resync.started.isEmpty || !resync.ended.isEmpty {
                logger.notice(
                    "resync: calls up that no event showed, calls ended unseen",
                    metadata: [
                        "switch": "\(switchName ?? "")", "resync.started": "\(resync.started.count)",
                        "resync.ended": "\(resync.ended.count)",
                    ])
            }
            for call in resync.started { await started(call, reason: "call of a suspended account") }
        }

        for await input in inputs.stream {
            inputs.took()
            // A busy stream never suspends the loop: let the other services on the cooperative
            // pool (HTTP, hook delivery, the event-socket reader itself) run now and then.
            taken &+= 1
            if taken % 64 == 0 { await Task.yield() }
            switch input {
            case .event(let event, let switchName, let receivedAt):
                stats.events.add(1, ordering: .relaxed)
                if let date = event.date { clocks[switchName ?? "", default: SwitchClock()].heard(date) }
                let step = monitor.handle(event, switchName: switchName)
                state.add(step.findings, receivedAt: receivedAt)
                state.completed += step.completed.map {
                    PendingCall(
                        record: $0.record, destination: $0.destination, source: "fs-event-socket",
                        switchName: switchName)
                }
                if let call = step.started { await started(call) }
            case .channels(let list, let switchName, let listedAt):
                let now = clocks[switchName ?? "", default: SwitchClock()].onSwitch(listedAt)
                await resync(list.liveCalls(at: now), switchName: switchName, at: now)
            case .managerEvent(let event, let switchName, let received, let receivedAt):
                stats.events.add(1, ordering: .relaxed)
                if event["Timestamp"] != nil {
                    clocks[switchName, default: SwitchClock()].heard(
                        AsteriskCallTracker.time(of: event, received: received))
                }
                if AsteriskSecurityEvent.isSecurityEvent(event) {
                    stats.securityLines.add(1, ordering: .relaxed)
                    securityEvents?.add(
                        event, switchName: switchName, at: AsteriskCallTracker.time(of: event, received: received))
                    break
                }
                var manager = managers[switchName] ?? makeAsteriskSwitch(switchName)
                defer { managers[switchName] = manager }
                if event.event == "Cdr" {
                    switch AsteriskCDREvent.record(event, decoder: &manager.decoder) {
                    case .success(let record):
                        let (findings, destination) = monitor.complete(
                            record, liveUUID: event["UniqueID"] ?? record.dedupKey, switchName: switchName)
                        state.add(findings, receivedAt: receivedAt)
                        state.completed.append(
                            PendingCall(
                                record: record, destination: destination, source: AsteriskCDREvent.source,
                                switchName: switchName))
                    case .failure(let problem):
                        logger.warning(
                            "Asterisk Manager: a Cdr event could not be read; the call is in Master.csv",
                            metadata: ["switch": "\(switchName)", "problem": "\(problem)"])
                    }
                    break
                }
                for change in manager.tracker.handle(event, received: received) {
                    switch change {
                    case .started(var call):
                        call.switchName = switchName
                        state.add(monitor.begin(call), receivedAt: receivedAt)
                        await started(call)
                    case .answered(let uuid, let time):
                        state.add(monitor.answered(uuid, at: time), receivedAt: receivedAt)
                    case .ended(let uuid, let time, let cause):
                        state.add(monitor.hungUp(uuid, at: time, cause: cause), receivedAt: receivedAt)
                    }
                }
            case .managerChannels(let list, let switchName, let listedAt):
                let now = clocks[switchName, default: SwitchClock()].onSwitch(listedAt)
                var manager = managers[switchName] ?? makeAsteriskSwitch(switchName)
                let upNow = manager.tracker.resync(with: list, at: now).map { call in
                    var call = call
                    call.switchName = switchName
                    return call
                }
                managers[switchName] = manager
                await resync(upNow, switchName: switchName, at: now)
            case .completed(let record, let source, let stored):
                // An Asterisk row keys the call `uniqueid/sequence`: its live events knew it by
                // the uniqueid (the call id), and it must not count twice in the engine.
                let (findings, destination) =
                    record.callID.isEmpty || record.callID == record.dedupKey
                    ? monitor.complete(record) : monitor.complete(record, liveUUID: record.callID)
                state.add(findings, receivedAt: ContinuousClock.now)
                state.completed.append(
                    PendingCall(record: record, destination: destination, source: source, switchName: nil))
                if let stored { state.acknowledgements.append(stored) }
            case .tick:
                break
            case .refresh:
                // The calls up for the console's live page, once per refresh (2 s), not per
                // event or per 100 ms tick: the event path never pays for a page.
                let snapshot = LiveCallsSnapshot(
                    monitor, at: Date().addingTimeInterval(clocks.values.first?.offset ?? 0))
                stats.snapshot.withLock { $0 = snapshot }
                do {
                    monitor.updateQuotas(try await database.quotaTable(), raises: try await database.quotaRaises())
                    let now: Set<String> = try await database.suspendedAccounts()
                    for account in now.subtracting(suspended).sorted() {
                        await hangUpCalls(ofAccount: account, reason: "suspended")
                    }
                    suspended = now
                } catch {
                    logger.warning(
                        "the quotas and suspensions could not be read; the last ones read stay",
                        metadata: ["error": "\(error)"])
                }
            case .reload:
                break  // after the flush below: the new engine's warm-up reads what it stores
            }
            stats.liveCalls.store(monitor.calls.count, ordering: .relaxed)
            // Findings are stored and acted on at once, whatever else waits: a suspension must not
            // wait for a batch (the burst's next call would get through). While the store refuses
            // writes, attempts wait for their backoff.
            if state.hasFindings || state.completed.count >= 500 || state.isDue || isTick(input),
                state.mayAttempt
            {
                await storePending()
            }
            // Full: take nothing more until the store takes what waits (bounded memory; the
            // sources wait in turn). A graceful shutdown goes on draining the stream instead.
            while state.isFailing, state.completed.count >= maxPendingCalls, !Task.isCancelled,
                !Task.isShuttingDownGracefully
            {
                if let retryAt = state.retryAt { try? await Task.sleep(until: retryAt) }
                await storePending()
            }
            stats.pendingCalls.store(state.completed.count, ordering: .relaxed)
            if let callsUp, isTick(input) {
                let (watermark, changes) = callsUpDiff.next(
                    now: clocks.values.map { $0.onSwitch(Date()) }.min() ?? Date(), lateness: eventLateness,
                    changedUp: monitor.takeChanges(), up: monitor.calls,
                    unstored: state.completed.map { ($0.record, $0.destination, $0.switchName) })
                callsUp.update(watermark: watermark, changes: changes)
                if eventsSinceTick > 0 { onCallsStored?() }
                eventsSinceTick = 0
            } else if callsUp != nil, !isTick(input) {
                eventsSinceTick += 1
            }
            switch input {
            case .event, .managerEvent: stats.eventsHandled.add(1, ordering: .relaxed)
            default: break
            }
            if case .reload = input {
                let configuration = configuration
                do {
                    let (engine, rater) = try makeEngine(configuration, now: Date())
                    monitor.replaceEngine(engine, rater: rater)
                    state.reconfigure(makeFlushState(configuration))
                    watched = configuration
                    stats.reloads.add(1, ordering: .relaxed)
                    logger.notice(
                        "reloaded the configuration, lists, quotas and rates; the calls in progress are kept",
                        metadata: ["calls.live": "\(monitor.calls.count)"])
                } catch {
                    logger.error(
                        "reload: the engine could not be rebuilt, the running one stays",
                        metadata: ["error": "\(error)"])
                }
            }
        }
        // The stream ended (shutdown): store what is pending, retrying a refusing store until
        // the drain time is up.
        let deadline = ContinuousClock.now + drainTimeout
        await storePending()
        while state.isFailing, !Task.isCancelled, ContinuousClock.now < deadline {
            try? await Task.sleep(until: min(state.retryAt ?? deadline, deadline))
            await storePending()
        }
        stats.pendingCalls.store(state.completed.count, ordering: .relaxed)
        if state.isFailing || !state.completed.isEmpty || state.hasFindings {
            logger.critical(
                "stopping with calls and alerts the store did not take; the switch's own CDRs hold the calls",
                metadata: [
                    "calls.unstored": "\(state.completed.count)",
                    "alerts.unstored": "\(state.aggregator.drafts.count)",
                    "outage": "\(health.outages.map(\.reason).joined(separator: "; "))",
                ])
            for acknowledge in state.acknowledgements { await acknowledge(false) }
        }
    }

    private func isTick(_ input: LiveInput) -> Bool {
        switch input {
        case .tick, .refresh, .reload: true
        case .event, .completed, .channels, .managerEvent, .managerChannels: false
        }
    }

    /// Sends `.tick` every `flush` and `.refresh` every `refresh` until cancelled, so pending
    /// calls are stored within `flush` even when no event follows them.
    package static func tick(
        _ inputs: LiveInputs, flush: Duration = .milliseconds(100), refresh: Duration = .seconds(2)
    ) async {
        var sinceRefresh = Duration.zero
        while !Task.isCancelled {
            try? await Task.sleep(for: flush)
            sinceRefresh += flush
            if sinceRefresh >= refresh {
                sinceRefresh = .zero
                inputs.yield(.refresh)
            } else {
                inputs.yield(.tick)
            }
        }
    }

    /// What waits to be written.
    private struct FlushState {
        var summarizer: AlertSummarizer
        var evidenceLimit: Int
        var aggregator: AlertAggregator
        var completed: [PendingCall] = []
        var findingsReceived: [ContinuousClock.Instant] = []
        var acknowledgements: [@Sendable (Bool) async -> Void] = []
        var lastFlush = ContinuousClock.now
        /// Alerts stored and not yet acted on (the action layer's write failed).
        var actionsPending = false
        /// When the store refuses writes: the time of the next attempt.
        var retryAt: ContinuousClock.Instant?
        var backoff = RetryBackoff()

        init(summarizer: AlertSummarizer, evidenceLimit: Int) {
            self.summarizer = summarizer
            self.evidenceLimit = evidenceLimit
            aggregator = AlertAggregator(evidenceLimit: evidenceLimit)
        }

        var hasFindings: Bool { !findingsReceived.isEmpty }
        var isDue: Bool { !completed.isEmpty && ContinuousClock.now - lastFlush > .milliseconds(100) }
        var isFailing: Bool { retryAt != nil }
        /// False while the backoff after a refused write runs.
        var mayAttempt: Bool { retryAt.map { ContinuousClock.now >= $0 } ?? true }

        mutating func add(_ findings: [Finding], receivedAt: ContinuousClock.Instant) {
            guard !findings.isEmpty else { return }
            for finding in findings { aggregator.add(finding) }
            findingsReceived.append(receivedAt)
        }

        /// Takes `fresh`'s summarizer and evidence limit (a reload), keeping what waits.
        mutating func reconfigure(_ fresh: FlushState) {
            summarizer = fresh.summarizer
            evidenceLimit = fresh.evidenceLimit
        }
    }

    /// The part of `serve` the store health names for this pipeline's writes.
    package static let storeComponent = "live pipeline"

    /// Stores alerts and acts on them, then stores the calls; returns the suspensions made.
    ///
    /// What the store refuses stays in `state` for the next attempt, after a backoff.
    private func flush(_ state: inout FlushState) async -> [Suspension] {
        let started = ContinuousClock.now
        defer {
            state.lastFlush = .now
            let micros = Int(started.duration(to: state.lastFlush).seconds * 1_000_000)
            stats.writeDurations.withLock { all in
                all.append(micros)
                if all.count > 100_000 { all.removeFirst(all.count - 100_000) }
            }
        }
        do {
            let suspended = try await write(&state)
            if state.isFailing {
                state.retryAt = nil
                state.backoff.reset()
                health.succeeded(Self.storeComponent, logger: logger)
            }
            return suspended
        } catch {
            state.retryAt = .now + state.backoff.step()
            health.failed(
                Self.storeComponent, error: error, logger: logger,
                metadata: [
                    "calls.pending": "\(state.completed.count)", "alerts.pending": "\(state.aggregator.drafts.count)",
                ])
            // A CDR post is answered now (503: the switch keeps the CDR and retries); the calls
            // stay pending and are stored with the next attempt that succeeds.
            for acknowledge in state.acknowledgements { await acknowledge(false) }
            return []
        }
    }

    private func write(_ state: inout FlushState) async throws -> [Suspension] {
        var suspended: [Suspension] = []
        // Alerts first: they are what the latency is about; the calls' batch follows.
        let drafts = state.aggregator.drafts
        if !drafts.isEmpty {
            let changes = try await database.apply(
                drafts, summarizer: state.summarizer, evidenceLimit: state.evidenceLimit, raisedBy: "serve",
                now: Date())
            state.aggregator = AlertAggregator(evidenceLimit: state.evidenceLimit)
            // Stored: they must be acted on whatever happens next.
            state.actionsPending = true
            // Evidence of calls stored by earlier batches takes their row and cost before the
            // hooks hear of the alert; the calls still to come link as they are stored. A
            // refusal here delays no suspension: the evidence waits for the next link.
            let earlier = drafts.flatMap(\.calls).filter { $0.rowID == nil }
            do {
                try await database.linkEvidence(
                    toCalls: earlier.map { .init(key: $0.key, start: $0.time) }, summarizer: state.summarizer)
            } catch {
                logger.warning(
                    "alert evidence could not be linked to its stored calls yet",
                    metadata: ["error": "\(error)", "calls": "\(earlier.count)"])
            }
            stats.alertsRaised.add(changes.newCount, ordering: .relaxed)
            stats.alertsByRule.withLock { counts in
                for draft in drafts { counts[draft.rule.rawValue, default: 0] += 1 }
            }
        }
        if state.actionsPending {
            suspended = try await actions.actOnNewAlerts().suspended
            state.actionsPending = false
            let done = ContinuousClock.now
            let latencies = state.findingsReceived.map { Int($0.duration(to: done).seconds * 1_000_000) }
            stats.alertLatencies.withLock { all in
                all += latencies
                if all.count > 100_000 { all.removeFirst(all.count - 100_000) }
            }
        }
        state.findingsReceived = []
        if !state.completed.isEmpty {
            // Source by source and switch by switch, each batch taken off once stored: a retry
            // writes only what is left.
            let batches = Set(state.completed.map { BatchKey(source: $0.source, switchName: $0.switchName) })
            for key in batches.sorted(by: { ($0.source, $0.switchName ?? "") < ($1.source, $1.switchName ?? "") }) {
                let batch = state.completed.filter { BatchKey(source: $0.source, switchName: $0.switchName) == key }
                let outcome = try await database.store(
                    batch.map { ($0.record, $0.destination) }, source: key.source, switchName: key.switchName)
                stats.callsStored.add(outcome.inserted, ordering: .relaxed)
                stats.duplicates.add(outcome.duplicates, ordering: .relaxed)
                if outcome.inserted > 0 { onCallsStored?() }
                state.completed.removeAll { BatchKey(source: $0.source, switchName: $0.switchName) == key }
                // The alerts stored before these calls take them as their evidence now. A
                // refusal here leaves that evidence waiting (the next `analyze` links it).
                do {
                    try await database.linkEvidence(
                        toCalls: batch.flatMap(\.evidenceReferences), summarizer: state.summarizer)
                } catch {
                    logger.warning(
                        "stored calls could not be linked to the alerts that wait for them",
                        metadata: ["error": "\(error)", "calls": "\(batch.count)"])
                }
            }
            let acknowledgements = state.acknowledgements
            state.acknowledgements = []
            for acknowledge in acknowledgements { await acknowledge(true) }
        }
        return suspended
    }

    /// Hangs up `calls` through the action layer, each on its switch, and counts the kills.
    private func hangUp(_ calls: [LiveCall], reason: String, clocks: [String: SwitchClock]) async {
        guard !calls.isEmpty else { return }
        let kills = await actions.hangUp(calls, reason: reason) { clocks[$0 ?? ""]?.time }
        stats.kills.add(kills.count, ordering: .relaxed)
    }

    /// The state kept for an Asterisk switch named `name`.
    private func makeAsteriskSwitch(_ name: String) -> AsteriskSwitch {
        let variable = configuration.managers.first { $0.name == name }?.sourceAddressVariable ?? "TG_SRC"
        return AsteriskSwitch(
            tracker: AsteriskCallTracker(sourceAddressVariable: variable),
            decoder: CDRRowDecoder(format: .asterisk, timeZone: timeZone))
    }
}

/// A completed call waiting to be stored, with where it came from.
private struct PendingCall {
    var record: CallRecord
    var destination: CallDestination
    /// `calls.source_format`: `fs-event-socket`, `asterisk-ami`, a CDR post's or file's format.
    var source: String
    /// The live switch that carried it; nil for posts and files.
    var switchName: String?

    /// The keys alerts may have kept it under as evidence: its dedup key, and for an Asterisk
    /// call the Uniqueid its live events named it by.
    var evidenceReferences: [TollGuardDatabase.CallReference] {
        let stored = TollGuardDatabase.CallReference(key: record.dedupKey, start: record.startedAt)
        guard !record.callID.isEmpty, record.callID != record.dedupKey else { return [stored] }
        return [stored, .init(key: record.dedupKey, start: record.startedAt, evidenceKey: record.callID)]
    }
}

/// The calls of one store batch: one source, one switch.
private struct BatchKey: Hashable {
    var source: String
    var switchName: String?
}

/// A switch's clock as its events show it.
private struct SwitchClock {
    /// The time of the switch's last event.
    var time: Date?
    /// The switch's clock less ours.
    var offset: TimeInterval = 0

    mutating func heard(_ date: Date) {
        time = date
        offset = date.timeIntervalSinceNow
    }

    /// `date` of our clock on the switch's.
    func onSwitch(_ date: Date) -> Date { date.addingTimeInterval(offset) }
}

/// What the pipeline keeps for an Asterisk switch: its calls as the channel events show them,
/// and the reader of its `Cdr` events (in the site's time zone, as its `Master.csv`).
private struct AsteriskSwitch {
    var tracker: AsteriskCallTracker
    var decoder: CDRRowDecoder
}
