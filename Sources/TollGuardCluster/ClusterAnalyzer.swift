import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The cluster's analyzer: the one engine, fed the calls every edge shipped in order of start,
/// its alerts and spend written under the lease with the offsets they came from.
///
/// Each edge promises, with its shipments, a watermark: every event of its switch before it is
/// told — a call that started before it is stored or told as up (`calls_up`, an edge with a live
/// view), its answer told, its end stored. The analyzer starts a call once every live edge's
/// watermark is past its start: a call told as up from the edge's word (its answer played at its
/// time, its end when its record comes), a call whose record came whole from the record — so
/// calls from several switches meet the engine in the order a nightly replay of the same calls
/// gives them, and find what it finds, however long a call stays up. A source silent past
/// ``staleAfter`` no longer holds the analysis back; a call that arrives after the analysis
/// passed its start (from such a source, or from an edge that reads files or posts and promises
/// nothing) is played at once and counted `late`.
///
/// A step reads what arrived, plays what the watermarks release, and writes alerts, spend, the
/// calls it started from their edges' word and the new offsets in one transaction fenced by the
/// lease's epoch. A node that takes the lease over starts from those: it replays the calls of the
/// engine's reach before the released time and starts again the calls still up (their findings
/// were written) and goes on — no alert lost or written twice.
package struct ClusterAnalyzer: Sendable {
    /// The key of ``AnalyzerLease/Held/offsets`` that holds the released time (epoch ms); the
    /// others are edges' names.
    package static let releasedKey = "@released"

    /// Takes the released time out of committed `offsets`, leaving the edges' offsets.
    static func takeReleased(from offsets: inout [String: Int64]) -> Date? {
        offsets.removeValue(forKey: releasedKey).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    package let store: ClusterStore
    package let lease: AnalyzerLease
    /// The engine as configured (settings, lists, quotas).
    package let makeEngine: @Sendable () throws -> AnalysisEngine
    /// The site's time zone: the day of an account's spend.
    package var timeZone: TimeZone
    /// Evidence calls kept per alert.
    package var evidenceLimit = 1000
    /// How long a source may stay silent before it stops holding the analysis back.
    package var staleAfter = Duration.seconds(60)
    /// The most calls read from one source in one step (a step's work stays well inside the lease).
    package var batchSize = 5_000
    /// The policy and hooks as configured now: each alert raised or escalated owes the hooks an
    /// `alert` event (and a daily quota's warning a `quota_warning`), and the policy may suspend
    /// its account (``ClusterSuspensions``) — all written with the alert.
    package var actions: @Sendable () -> ActionSettings = { ActionSettings() }
    /// How the events' alert summaries are written.
    package var summarizer: AlertSummarizer
    /// How often the leader's engine takes the cluster's daily quotas and their raises again.
    ///
    /// They are ``ClusterStore/quotaTable()``'s, where `tollguard quota` sets them on any node: a quota set
    /// while it leads counts from then on, as in a single box's live view. It takes them when it
    /// starts leading, too.
    package var quotaRefresh = Duration.seconds(2)
    /// How often a step lifts the suspensions whose time ran out (a round trip each time: not
    /// every step of the dozens a second a busy cluster takes).
    package var expiryCheck = Duration.seconds(1)
    let logger: Logger

    package init(
        store: ClusterStore, lease: AnalyzerLease, timeZone: TimeZone, logger: Logger,
        makeEngine: @escaping @Sendable () throws -> AnalysisEngine
    ) {
        self.store = store
        self.lease = lease
        self.timeZone = timeZone
        self.makeEngine = makeEngine
        summarizer = AlertSummarizer(timeZone: timeZone, currency: "USD", countryNames: [:])
        var logger = logger
        logger[metadataKey: "node"] = "\(lease.node)"
        self.logger = logger
    }

    /// An alert's identity before its row exists.
    struct AlertKey: Hashable, Sendable {
        var rule: AnalysisRule
        var subject: Subject
        var windowKey: String?
    }

    /// What the leader holds between two steps.
    package struct Session: Sendable {
        package var held: AnalyzerLease.Held
        /// Every consumed call that started before it has been played; nil before the first.
        package fileprivate(set) var released: Date?
        /// Per edge, the last of its calls consumed.
        package fileprivate(set) var offsets: [String: Int64]
        /// Calls consumed that start at or after `released`.
        var waiting: [ObservedCall] = []
        var engine: AnalysisEngine
        /// The latest alert of each key seen (nil: none in the store).
        var open: [AlertKey: ClusterAlert?] = [:]
        /// Calls played after the analysis had passed their start.
        package fileprivate(set) var late = 0
        /// Whether the engine was restored from a snapshot (else it replayed its reach).
        package fileprivate(set) var startedFromSnapshot = false
        /// Whether the engine was the one this node kept standing by (``follow(_:)``).
        package fileprivate(set) var startedFromStandby = false
        /// Per edge, the last change of its calls up read (`calls_up.told_seq`).
        var upSeen: [String: Int64] = [:]
        /// Calls told as up that the analysis has not reached yet.
        var upWaiting: [LiveCallID: CallUp] = [:]
        /// The calls started from their edges' word (``CallUp``) and not ended yet.
        var live: [LiveCallID: LiveEntry] = [:]
        /// The alerts that counted a call while it was up, by the call's key: its record tells
        /// them its cost.
        var costToCome: [String: Set<AlertKey>] = [:]
        /// Calls whose record was consumed lately: an edge's word of them that lingers (its next
        /// promise drops it) starts nothing.
        var recentlyRecorded = RecentIDs(capacity: 200_000)
        /// When the engine last took the quotas in force (its making counts).
        var quotasTaken = ContinuousClock.now
        /// When a step last lifted the suspensions whose time ran out (nil: not yet).
        var expiriesLifted: ContinuousClock.Instant?

        /// Calls started from their edges' word and not ended yet.
        package var liveCount: Int { live.count }

        /// Calls consumed and waiting for the sources' watermarks.
        package var waitingCount: Int { waiting.count }

        init(held: AnalyzerLease.Held, released: Date?, offsets: [String: Int64], engine: AnalysisEngine) {
            self.held = held
            self.released = released
            self.offsets = offsets
            self.engine = engine
        }
    }

    /// A call the analysis started from its edge's word.
    struct LiveEntry: Sendable {
        var up: CallUp
        var subjects: CallSubjects
        var answerPlayed: Bool
    }

    /// What one step did.
    package struct Step: Sendable, Equatable {
        /// Records of calls that arrived, and of them those played late.
        package var arrived = 0
        package var late = 0
        /// Records of calls played in order.
        package var played = 0
        /// Calls started from their edges' word while up (and of them, those started after the
        /// analysis had passed their start), and such calls ended by their records.
        package var begun = 0
        package var begunLate = 0
        package var ended = 0
        package var findings = 0
        /// Findings not written: a false positive keeps their rule quiet for their subject.
        package var quieted = 0
        /// Alert rows written (new or updated).
        package var alertsWritten = 0
        /// Hook deliveries queued with them.
        package var deliveriesQueued = 0
        /// Whether a source had more to read than one step takes.
        package var more = false
        /// The fresh sources whose promise was past the time the analysis waits for: a promise
        /// of theirs alone moves nothing (their rings may wait for the next look).
        package var ahead: Set<String> = []
    }

    /// Starts again from what this leader committed last, with an engine made anew (the
    /// configuration or the lists changed), as a takeover does — without giving the lease up.
    ///
    /// The calls of the engine's reach are replayed into the new engine; what they would raise
    /// under it is not written (as a single box's reload does not report it again).
    package func restart(_ session: Session) async throws -> Session {
        var held = session.held
        held.offsets = session.offsets
        if let released = session.released {
            held.offsets[Self.releasedKey] = Int64((released.timeIntervalSince1970 * 1000).rounded())
        }
        return try await resume(held)
    }

    /// Starts leading under `held`: the engine rebuilt from the offsets the last leader committed
    /// — caught up from `standby` (the engine this node kept while it stood by, ``follow(_:)``)
    /// when the last leader went on from it.
    package func resume(_ held: AnalyzerLease.Held, standby: StandbyEngine? = nil) async throws -> Session {
        try await lease.record(timeZone: timeZone, under: held)
        var offsets = held.offsets
        let released = Self.takeReleased(from: &offsets)
        let (state, origin) = try await engine(at: held.offsets, standby: standby)
        var session = Session(held: held, released: released, offsets: offsets, engine: state.engine)
        session.live = state.live
        session.startedFromSnapshot = origin == .snapshot
        session.startedFromStandby = origin == .standby
        var recorded = state.recorded
        let waiting = try await store.consumedCalls(from: released, to: nil, offsets: offsets)
        for call in waiting { recorded.insert(LiveCallID(switchName: call.call.switchName ?? "", callID: call.callID)) }
        session.recentlyRecorded = recorded
        session.waiting = waiting.map(\.call)
        // The alerts that counted calls still up: their records tell those alerts their cost.
        let upKeys = Set(state.live.values.map(\.up.call.key))
        for var alert in try await store.latestAlerts(counting: upKeys.sorted()) {
            let key = AlertKey(rule: alert.draft.rule, subject: alert.draft.subject, windowKey: alert.draft.windowKey)
            alert.draft.countAsUp(upKeys)
            for call in alert.draft.callsUpCounted { session.costToCome[call, default: []].insert(key) }
            session.open[key] = .some(alert)
        }
        logger.info(
            "analyzing the cluster's calls",
            metadata: [
                "epoch": "\(held.epoch)", "released": "\(released.map { "\($0)" } ?? "nothing yet")",
                "waiting": "\(session.waiting.count)", "live": "\(session.live.count)",
                "from": "\(origin.text(state))",
            ])
        return session
    }

    /// The engine as the leader that committed `committed` (the lease's offsets) left it, and
    /// what it was rebuilt from: `standby` caught up, when the leader went on from it; else the
    /// last snapshot and the calls since; else a replay of the engine's reach.
    func engine(at committed: [String: Int64], standby: StandbyEngine?) async throws -> (
        StandbyEngine, EngineOrigin
    ) {
        var offsets = committed
        guard let released = Self.takeReleased(from: &offsets) else {
            var engine = try makeEngine()
            try await takeQuotas(into: &engine)
            return (StandbyEngine(engine: engine, offsets: committed), .nothing)
        }
        if var standby, Self.offsets(standby.offsets, precede: committed) {
            try await takeQuotas(into: &standby.engine)
            standby.replayed = try await catchUp(
                since: standby.offsets, to: released, offsets: offsets, engine: &standby.engine, live: &standby.live,
                recorded: &standby.recorded)
            standby.offsets = committed
            return (standby, .standby)
        }
        var state = StandbyEngine(engine: try makeEngine(), offsets: committed)
        // The cluster's quotas, whatever the node's own store holds.
        try await takeQuotas(into: &state.engine)
        if let snapshot = try await restoreSnapshot(into: &state.engine, offsets: committed) {
            for remembered in snapshot.live {
                let up = CallUp(source: remembered.source, call: remembered.call)
                state.live[up.id] = LiveEntry(
                    up: up, subjects: state.engine.subjects(of: remembered.call),
                    answerPlayed: remembered.answerPlayed)
            }
            state.replayed = try await catchUp(
                since: snapshot.offsets, to: released, offsets: offsets, engine: &state.engine, live: &state.live,
                recorded: &state.recorded)
            state.snapshotTaken = snapshot.taken
            return (state, .snapshot)
        }
        // Their findings were written by the leader before: only the state is wanted. The calls
        // it started from their edges' word start again among them, in order. Streamed as the
        // server sends them: the engine's reach of a busy cluster (a week by default) is never
        // held at once.
        var begun = BegunCalls(try await store.liveAnalysis())
        try await store.forEachConsumedCall(
            from: released.addingTimeInterval(-state.engine.reach), to: released, offsets: offsets
        ) { consumed in
            begun.begin(before: consumed.call, in: &state.engine, live: &state.live)
            _ = state.engine.replay(consumed.call)
            state.recorded.insert(LiveCallID(switchName: consumed.call.switchName ?? "", callID: consumed.callID))
            state.replayed += 1
        }
        begun.begin(before: nil, in: &state.engine, live: &state.live)
        _ = state.engine.advance(to: released)
        return (state, .reach)
    }

    /// Whether a leader that committed `committed` went on from `offsets` (a snapshot's, a
    /// standby's): no edge's offset and no released time behind them (a store that lost commits,
    /// restored from a backup or failed over to a standby that lagged, may hold less).
    static func offsets(_ offsets: [String: Int64], precede committed: [String: Int64]) -> Bool {
        offsets.allSatisfy { key, value in (committed[key] ?? Int64.min) >= value }
    }

    /// Restores the last snapshot into `engine` and returns it, if this node may start from it:
    /// written under this configuration, of a step the committed `offsets` went on from, and
    /// readable by this build (else `engine` stays as it was made).
    private func restoreSnapshot(
        into engine: inout AnalysisEngine, offsets: [String: Int64]
    ) async throws -> AnalyzerSnapshot? {
        guard let snapshot = try await lease.snapshot() else { return nil }
        let reason: String
        if snapshot.configuration != engine.configuration {
            reason = "it was taken under another configuration"
        } else if !snapshot.precedes(offsets) {
            reason = "it is ahead of the offsets the store holds (commits were lost)"
        } else {
            do {
                try engine.restore(snapshot.engine)
                return snapshot
            } catch {
                // Written by another version of TollGuard, say: a replay still gets there.
                reason = "it could not be read: \(error)"
            }
        }
        logger.notice(
            "the analysis replays its reach instead of starting from the snapshot", metadata: ["reason": "\(reason)"])
        return nil
    }

    /// Plays into `engine`, as the leaders left it at `since` (the offsets and released time of a
    /// snapshot, of a standby's last catch-up), what the leaders after played.
    ///
    /// Up to `released`: the calls consumed since (late ones first, then in order of start), the
    /// calls started from their edges' word since, and the records that ended those it had
    /// started (`live`: those started at `since`). Returns how many calls it replayed.
    private func catchUp(
        since committedThen: [String: Int64], to released: Date, offsets: [String: Int64],
        engine: inout AnalysisEngine, live: inout [LiveCallID: LiveEntry], recorded: inout RecentIDs
    ) async throws -> Int {
        var then = committedThen
        let since = Self.takeReleased(from: &then) ?? released
        let begun = try await store.liveAnalysis()
        let stillBegun = Set(begun.map(\.id))
        var begunSince = BegunCalls(begun.filter { live[$0.id] == nil })
        var replayed = 0
        func consume(_ consumed: ArrivedCall) {
            let id = LiveCallID(switchName: consumed.call.switchName ?? "", callID: consumed.callID)
            recorded.insert(id)
            if !consumed.callID.isEmpty, let entry = live.removeValue(forKey: id) {
                _ = Self.end(entry, record: consumed.call, in: &engine)
                return
            }
            begunSince.begin(before: consumed.call, in: &engine, live: &live)
            _ = engine.replay(consumed.call)
            replayed += 1
        }
        // Consumed after the snapshot but started before its released time: played late.
        var late: [ArrivedCall] = []
        for (source, through) in offsets.sorted(by: { $0.key < $1.key }) {
            var after = then[source] ?? 0
            while after < through {
                let upTo = min(through, after + Int64(batchSize))
                late += try await store.calls(of: source, after: after, through: upTo).filter {
                    $0.call.startedAt < since
                }
                after = upTo
            }
        }
        for consumed in late.sorted(by: { Self.order($0.call) < Self.order($1.call) }) { consume(consumed) }
        try await store.forEachConsumedCall(from: since, to: released, offsets: offsets) { consume($0) }
        begunSince.begin(before: nil, in: &engine, live: &live)
        live = live.filter { stillBegun.contains($0.key) }
        _ = engine.advance(to: released)
        return replayed
    }

    /// The calls a replay starts again from their edges' word, each among the replayed calls in
    /// order of start (``ClusterAnalyzer/order(_:)``).
    struct BegunCalls {
        private let calls: [CallUp]
        private var next = 0

        init(_ calls: [CallUp]) { self.calls = calls }

        /// Begins, in order, those that start before `call` (all that are left when nil).
        mutating func begin(
            before call: ObservedCall?, in engine: inout AnalysisEngine, live: inout [LiveCallID: LiveEntry]
        ) {
            let bound = call.map(ClusterAnalyzer.order)
            while next < calls.endIndex, bound.map({ ClusterAnalyzer.order(calls[next].call) < $0 }) ?? true {
                let (entry, _) = ClusterAnalyzer.begin(calls[next], in: &engine)
                live[entry.up.id] = entry
                next += 1
            }
        }
    }

    /// Writes ``snapshot(of:)`` under `session`'s lease.
    ///
    /// Returns its engine's size in bytes, or nil when nothing was written. A failure is logged
    /// and the analysis goes on (a takeover then starts from an older snapshot, or replays).
    package func writeSnapshot(of session: Session) async -> Int? {
        let started = ContinuousClock.now
        do {
            guard let snapshot = try snapshot(of: session) else { return nil }
            guard try await lease.write(snapshot, under: session.held) else {
                logger.info("a snapshot of the engine was not written: the lease is over")
                return nil
            }
            logger.info(
                "wrote a snapshot of the engine",
                metadata: [
                    "bytes": "\(snapshot.engine.count)", "live": "\(snapshot.live.count)",
                    "seconds": "\((ContinuousClock.now - started).seconds)",
                ])
            return snapshot.engine.count
        } catch {
            logger.warning(
                "could not write a snapshot of the engine; a takeover starts from an older one",
                metadata: ["error": "\(ReadableError(error))"])
            return nil
        }
    }

    /// What a node taking the lease over would start from: `session`'s engine as of its last
    /// committed step (nil before the first, or for an engine assembled by hand).
    package func snapshot(of session: Session) throws -> AnalyzerSnapshot? {
        guard let released = session.released, let configuration = session.engine.configuration else { return nil }
        var offsets = session.offsets
        offsets[Self.releasedKey] = Int64((released.timeIntervalSince1970 * 1000).rounded())
        return AnalyzerSnapshot(
            offsets: offsets, configuration: configuration, engine: try session.engine.snapshot(),
            live: session.live.values.sorted { Self.order($0.up.call) < Self.order($1.up.call) }.map {
                AnalyzerSnapshot.LiveCall(source: $0.up.source, call: $0.up.call, answerPlayed: $0.answerPlayed)
            }, taken: nil)
    }

    /// Where a call goes in the analysis's order of starts.
    static func order(_ call: ObservedCall) -> (Date, String, String) {
        (call.startedAt, call.switchName ?? "", call.key)
    }

    /// Starts `up` in `engine` (and its answer, if told): the entry that ends it later.
    static func begin(_ up: CallUp, in engine: inout AnalysisEngine) -> (LiveEntry, [Finding]) {
        var started = up.call
        started.answeredAt = nil
        started.disposition = .noAnswer
        let (subjects, findings) = engine.begin(&started)
        var entry = LiveEntry(up: up, subjects: subjects, answerPlayed: false)
        if up.call.answeredAt != nil {
            engine.schedule(.answered, up.call, subjects: subjects)
            entry.answerPlayed = true
        }
        return (entry, findings)
    }

    /// Ends `entry`, a call started from its edge's word, with its record.
    ///
    /// Its answer (when not played yet) and its end, at their times, with the subjects it began
    /// with and its start to the fraction of a second (the record keeps whole seconds). Returns
    /// the call as it ended.
    static func end(_ entry: LiveEntry, record: ObservedCall, in engine: inout AnalysisEngine) -> ObservedCall {
        var final = record
        final.startedAt = min(entry.up.call.startedAt, final.endedAt ?? entry.up.call.startedAt)
        final.account = entry.up.call.account
        final.sourceIP = entry.up.call.sourceIP
        final.trunk = entry.up.call.trunk
        if !entry.answerPlayed, final.answeredAt != nil {
            engine.schedule(.answered, final, subjects: entry.subjects)
        }
        engine.schedule(.ended, final, subjects: entry.subjects)
        return final
    }

    /// Gives `engine` the cluster's daily quotas and their raises.
    private func takeQuotas(into engine: inout AnalysisEngine) async throws {
        engine.updateQuotas(try await store.quotaTable(), raises: try await store.quotaRaises())
    }

    /// Reads what arrived, plays what the watermarks release, and writes it under the lease.
    ///
    /// Throws ``LeaseLost`` when the lease is no longer `session`'s; after any error the session
    /// is spent (its engine moved on without the write): ``resume(_:)`` again.
    package func step(_ session: inout Session) async throws -> Step {
        var step = Step()
        if ContinuousClock.now - session.quotasTaken >= quotaRefresh {
            do {
                try await takeQuotas(into: &session.engine)
            } catch {
                logger.warning(
                    "the quotas could not be read; the last ones read stay",
                    metadata: ["error": "\(ReadableError(error))"])
            }
            session.quotasTaken = ContinuousClock.now
        }
        let sources = try await store.analysisSources(staleAfter: staleAfter)
        var offsets = session.offsets
        var ranges: [(source: String, after: Int64, through: Int64)] = []
        for source in sources.list {
            let after = offsets[source.id] ?? 0
            guard source.lastSequence > after else { continue }
            let through = min(source.lastSequence, after + Int64(batchSize))
            if through < source.lastSequence { step.more = true }
            ranges.append((source.id, after, through))
            offsets[source.id] = through
        }
        let arrivals = try await store.calls(in: ranges)
        step.arrived = arrivals.count
        // Read after the calls: a call whose record came meanwhile is in both, and ends here.
        let told = try await store.callsUp(
            of: sources.list.filter { $0.fresh && $0.watermark != nil }.map(\.id), seen: &session.upSeen)
        // How far the sources' promises reach; not past what this step could read.
        var target = step.more ? session.released : sources.now
        for source in sources.list where source.fresh {
            if let watermark = source.watermark { target = target.map { min($0, watermark) } }
        }
        if let released = session.released { target = target.map { max($0, released) } ?? released }
        if let bound = sources.list.filter(\.fresh).compactMap(\.watermark).min() {
            step.ahead = Set(sources.list.filter { $0.fresh && ($0.watermark ?? bound) > bound }.map(\.id))
        }
        // Committed in whole milliseconds: what this leader plays is exactly what a successor
        // resumes after (a call that started within the millisecond is played by one of them).
        target = target.map { Date(timeIntervalSince1970: ($0.timeIntervalSince1970 * 1000).rounded(.down) / 1000) }

        var findings: [Finding] = []
        var spent: [SpendKey: (calls: Int64, cost: Int64)] = [:]
        var clock = LocalClock(timeZone: timeZone)
        func play(_ call: ObservedCall) {
            findings += session.engine.replay(call)
            let day = LocalClock.dayText(clock.local(call.startedAt.timeIntervalSince1970).day)
            spent[SpendKey(account: call.account, day: day), default: (0, 0)].calls += 1
            spent[SpendKey(account: call.account, day: day), default: (0, 0)].cost += call.costMicros
        }
        var ended: [LiveCallID] = []
        var settled: [(key: String, costMicros: Int64)] = []
        for arrived in arrivals {
            let call = arrived.call
            let id = LiveCallID(switchName: call.switchName ?? "", callID: arrived.callID)
            if !arrived.callID.isEmpty, let entry = session.live.removeValue(forKey: id) {
                // Started from its edge's word: its record ends it, with its cost.
                let final = Self.end(entry, record: call, in: &session.engine)
                let day = LocalClock.dayText(clock.local(call.startedAt.timeIntervalSince1970).day)
                spent[SpendKey(account: final.account, day: day), default: (0, 0)].calls += 1
                spent[SpendKey(account: final.account, day: day), default: (0, 0)].cost += final.costMicros
                ended.append(id)
                settled.append((entry.up.call.key, final.costMicros))
                session.recentlyRecorded.insert(id, cost: (entry.up.call.key, final.costMicros))
                step.ended += 1
                continue
            }
            if !arrived.callID.isEmpty {
                session.recentlyRecorded.insert(id)
                session.upWaiting[id] = nil
            }
            if let released = session.released, call.startedAt < released {
                play(call)
                step.late += 1
            } else {
                session.waiting.append(call)
            }
        }
        // The calls up the edges told: an answer told since is played at its time; a call not
        // started yet starts in order with the others (at once when the analysis is past it).
        var seen: Set<LiveCallID> = []
        for up in told where seen.insert(up.id).inserted {
            if var entry = session.live[up.id] {
                if !entry.answerPlayed, up.call.answeredAt != nil {
                    var answered = entry.up.call
                    answered.answeredAt = up.call.answeredAt
                    answered.disposition = .answered
                    session.engine.schedule(.answered, answered, subjects: entry.subjects)
                    entry.answerPlayed = true
                    entry.up.call = answered
                    session.live[up.id] = entry
                }
            } else if !session.recentlyRecorded.contains(up.id) {
                session.upWaiting[up.id] = up
            }
        }
        let toBegin = session.upWaiting.values.sorted { Self.order($0.call) < Self.order($1.call) }
        var begun: [CallUp] = []
        func begin(_ up: CallUp) {
            session.upWaiting[up.id] = nil
            let (entry, found) = Self.begin(up, in: &session.engine)
            findings += found
            session.live[up.id] = entry
            begun.append(up)
            step.begun += 1
        }
        if let released = session.released {
            for up in toBegin where up.call.startedAt < released {
                begin(up)
                step.begunLate += 1
            }
        }
        if let target {
            var due: [ObservedCall] = []
            var still: [ObservedCall] = []
            for call in session.waiting { if call.startedAt < target { due.append(call) } else { still.append(call) } }
            due.sort { Self.order($0) < Self.order($1) }
            let dueUp = toBegin.filter { up in
                up.call.startedAt < target && !(session.released.map { up.call.startedAt < $0 } ?? false)
            }
            // The records and the word of calls up, merged in order of start.
            var (next, nextUp) = (due.startIndex, dueUp.startIndex)
            while next < due.endIndex || nextUp < dueUp.endIndex {
                if nextUp < dueUp.endIndex,
                    next == due.endIndex || Self.order(dueUp[nextUp].call) < Self.order(due[next])
                {
                    begin(dueUp[nextUp])
                    nextUp += 1
                } else {
                    play(due[next])
                    next += 1
                }
            }
            step.played = due.count
            session.waiting = still
            findings += session.engine.advance(to: target)
        }
        let stillBegun = begun.filter { session.live[$0.id] != nil }
        step.findings = findings.count
        // A false positive keeps its rule quiet for its subject (as the single box drops the
        // drafts its suppressions cover). Asked beside the latest alerts of the findings' keys
        // this session has not seen yet: two reads at once, not one after the other.
        var unseen: [AlertKey] = []
        var asked: Set<AlertKey> = []
        for finding in findings {
            let key = AlertKey(rule: finding.rule, subject: finding.subject, windowKey: finding.windowKey)
            if session.open[key] == nil, asked.insert(key).inserted { unseen.append(key) }
        }
        let found = findings
        async let quieting = store.quietTimes(for: found)
        let latest = try await store.latestAlerts(of: unseen.map { ($0.rule, $0.subject, $0.windowKey) })
        let quiet = try await quieting
        findings.removeAll { quiet.covers($0) }
        step.quieted = step.findings - findings.count
        // Only the keys of the findings kept are taken (a quieted one is asked again when its
        // rule speaks after the quiet time).
        let kept = Set(findings.map { AlertKey(rule: $0.rule, subject: $0.subject, windowKey: $0.windowKey) })
        let latestByKey = Dictionary(
            latest.map {
                (AlertKey(rule: $0.draft.rule, subject: $0.draft.subject, windowKey: $0.draft.windowKey), $0)
            },
            uniquingKeysWith: { first, _ in first })
        for key in unseen where kept.contains(key) {
            var stored = latestByKey[key]
            if !session.live.isEmpty {
                // Its calls still up count their cost when their records come.
                stored?.draft.countAsUp(session.live.values.lazy.map(\.up.call.key))
                for call in stored?.draft.callsUpCounted ?? [] { session.costToCome[call, default: []].insert(key) }
            }
            session.open[key] = .some(stored)
        }

        // Each finding continues the latest alert of its key, as `analyze` merges them.
        var retired: [ClusterAlert] = []
        var dirty: Set<AlertKey> = []
        for finding in findings {
            let key = AlertKey(rule: finding.rule, subject: finding.subject, windowKey: finding.windowKey)
            if let current = session.open[key] ?? nil,
                finding.windowKey != nil
                    || finding.time.timeIntervalSince(current.draft.lastSeen) <= finding.rule.mergeGapSeconds
            {
                var alert = current
                alert.draft.merge(finding, evidenceLimit: evidenceLimit)
                session.open[key] = .some(alert)
            } else {
                if dirty.contains(key), let current = session.open[key] ?? nil { retired.append(current) }
                var draft = AlertDraft(finding)
                draft.merge(finding, evidenceLimit: evidenceLimit)
                session.open[key] = .some(ClusterAlert(id: nil, draft: draft, acted: nil))
            }
            dirty.insert(key)
            // A call counted while up (a window's earlier call, say) whose record came already
            // counts its cost now; one still up when its record comes.
            for call in finding.calls where !call.costKnown {
                if let cost = session.recentlyRecorded.cost(of: call.key) {
                    if var alert = session.open[key] ?? nil, alert.draft.settle(call.key, costMicros: cost) {
                        session.open[key] = .some(alert)
                    }
                } else {
                    session.costToCome[call.key, default: []].insert(key)
                }
            }
        }
        // The calls that ended from up: their cost, in the alerts that counted them up.
        for (call, cost) in settled {
            for key in session.costToCome.removeValue(forKey: call) ?? [] {
                guard var alert = session.open[key] ?? nil, alert.draft.settle(call, costMicros: cost) else { continue }
                session.open[key] = .some(alert)
                dirty.insert(key)
            }
        }
        let current = dirty.compactMap { key in (session.open[key] ?? nil).map { (key, $0) } }

        var committed = offsets
        if let target { committed[Self.releasedKey] = Int64((target.timeIntervalSince1970 * 1000).rounded()) }
        let (epoch, logger) = (session.held.epoch, self.logger)
        let spending = spent.map { ($0.key, $0.value) }
        // What this leader committed last (or took the lease with): a store that holds other
        // offsets lost those commits, and this session's state with them.
        var believed = session.offsets
        if let released = session.released {
            believed[Self.releasedKey] = Int64((released.timeIntervalSince1970 * 1000).rounded())
        }
        let (settings, summarizer, now) = (actions(), self.summarizer, Date())
        let liftingExpired = session.expiriesLifted.map { ContinuousClock.now - $0 >= expiryCheck } ?? true
        let (ids, acted) = try await lease.fenced(session.held, offsets: committed, expecting: believed) {
            connection -> ([AlertKey: Int64], ClusterSuspensions.Outcome) in
            var queued = 0
            var escalated: [(id: Int64, draft: AlertDraft)] = []
            // The alert and the hook events it owes, in one transaction: a takeover neither
            // loses nor repeats an event.
            func write(_ alert: ClusterAlert) async throws -> Int64 {
                let (id, state) = try await ClusterStore.write(alert, epoch: epoch, on: connection, logger: logger)
                // As the single box's action layer: an alert a person closed tells no one and
                // suspends no one, however it escalates.
                let owed = state == .open || state == .acknowledged ? alert.owedEvents : []
                if owed.contains(.alert) { escalated.append((id, alert.draft)) }
                for type in owed where !settings.hooks.isEmpty {
                    let event = HookEvent.about(alert.draft, id: id, type: type, summarizer: summarizer, now: now)
                    queued += try await ClusterOutbox.enqueue(
                        event, hooks: settings.hooks, epoch: epoch, on: connection, logger: logger)
                }
                return id
            }
            for alert in retired { _ = try await write(alert) }
            var ids: [AlertKey: Int64] = [:]
            for (key, alert) in current { ids[key] = try await write(alert) }
            try await ClusterStore.recordLiveAnalysis(
                begun: stillBegun, ended: ended, on: connection, logger: logger)
            var acted = try await ClusterSuspensions.act(
                on: escalated, settings: settings, summarizer: summarizer, epoch: epoch, now: now,
                liftingExpired: liftingExpired, on: connection, logger: logger)
            acted.queued += queued
            if !spending.isEmpty {
                // One statement for the step's accounts (one each took a round trip apiece: a
                // step of a busy site's calls spent most of its write there).
                let rows = spending.sorted { ($0.0.account, $0.0.day) < ($1.0.account, $1.0.day) }.map { key, total in
                    [
                        ClusterStore.storable(key.account), key.day, String(total.calls),
                        String(total.cost),
                    ]
                }
                let json = String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
                try await connection.answer(
                    """
                    INSERT INTO cluster_spend (account, day, calls, cost_micros)
                    SELECT row->>0, (row->>1)::date, (row->>2)::bigint, (row->>3)::bigint
                    FROM jsonb_array_elements(\(json)::jsonb) AS row
                    ON CONFLICT (account, day) DO UPDATE SET calls = cluster_spend.calls + excluded.calls,
                        cost_micros = cluster_spend.cost_micros + excluded.cost_micros
                    """, logger: logger)
            }
            return (ids, acted)
        }
        for (key, id) in ids {
            session.open[key] = .some(
                (session.open[key] ?? nil).map { ClusterAlert(id: id, draft: $0.draft, acted: $0.draft.severity) })
        }
        step.alertsWritten = retired.count + current.count
        step.deliveriesQueued = acted.queued
        for suspension in acted.suspended {
            logger.notice(
                suspension.enforced ? "suspended by the policy" : "the policy would suspend (report-only)",
                metadata: [
                    "account": "\(suspension.account)", "suspension.id": "\(suspension.id)",
                    "suspension.reason": "\(suspension.reason)",
                ])
        }
        if liftingExpired { session.expiriesLifted = ContinuousClock.now }
        session.offsets = offsets
        session.released = target
        session.late += step.late
        return step
    }

    struct SpendKey: Hashable {
        var account: String
        var day: String
    }
}

/// The edges as the analyzer reads them at the start of a step.
struct AnalysisSources: Sendable {
    struct Source: Sendable {
        var id: String
        var lastSequence: Int64
        var watermark: Date?
        /// Heard from within the analyzer's `staleAfter`.
        var fresh: Bool
    }

    var list: [Source]
    /// The database's clock.
    var now: Date
}

extension ClusterStore {
    /// The edges, their last calls, promises and whether each was heard from lately.
    func analysisSources(staleAfter: Duration) async throws -> AnalysisSources {
        let seconds = staleAfter.seconds
        let rows = try await client.query(
            """
            SELECT source_id, last_sequence, watermark_utc,
                   coalesce(shipped_utc >= now() - make_interval(secs => \(seconds)), false),
                   (now() AT TIME ZONE 'UTC')
            FROM sources ORDER BY source_id
            """, logger: logger)
        var sources = AnalysisSources(list: [], now: Date())
        for try await (id, last, watermark, fresh, now) in rows.decode((String, Int64, Date?, Bool, Date).self) {
            sources.list.append(.init(id: id, lastSequence: last, watermark: watermark, fresh: fresh))
            sources.now = now
        }
        if sources.list.isEmpty {
            for try await now in try await client.query("SELECT (now() AT TIME ZONE 'UTC')", logger: logger)
                .decode(Date.self)
            {
                sources.now = now
            }
        }
        return sources
    }
}
