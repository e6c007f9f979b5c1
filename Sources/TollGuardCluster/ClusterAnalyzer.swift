import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The cluster's analyzer: the one engine, fed the calls every edge shipped in order of start,
/// its alerts and spend written under the lease with the offsets they came from.
///
/// Each edge promises, with its shipments, a watermark: every call of its switch that started
/// before it is in the store (an edge with a live view knows the calls still up). The analyzer
/// plays a call once every live edge's watermark is past its start, so calls from several
/// switches meet the engine in the order a nightly replay of the same calls gives them — and
/// find what it finds. A source silent past ``staleAfter`` no longer holds the analysis back;
/// a call that arrives after the analysis passed its start (from such a source, or from an
/// edge that reads files or posts and promises nothing) is played at once and counted `late`.
///
/// A step reads what arrived, plays what the watermarks release, and writes alerts, spend and
/// the new offsets in one transaction fenced by the lease's epoch. A node that takes the lease
/// over starts from those offsets: it replays the calls of the engine's reach before the
/// released time (their findings were written) and goes on — no alert lost or written twice.
package struct ClusterAnalyzer: Sendable {
    /// The key of ``AnalyzerLease/Held/offsets`` that holds the released time (epoch ms); the
    /// others are edges' names.
    package static let releasedKey = "@released"

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

        /// Calls consumed and waiting for the sources' watermarks.
        package var waitingCount: Int { waiting.count }

        init(held: AnalyzerLease.Held, released: Date?, offsets: [String: Int64], engine: AnalysisEngine) {
            self.held = held
            self.released = released
            self.offsets = offsets
            self.engine = engine
        }
    }

    /// What one step did.
    package struct Step: Sendable, Equatable {
        /// Calls that arrived, and of them those played late.
        package var arrived = 0
        package var late = 0
        /// Calls played in order.
        package var played = 0
        package var findings = 0
        /// Alert rows written (new or updated).
        package var alertsWritten = 0
        /// Hook deliveries queued with them.
        package var deliveriesQueued = 0
        /// Whether a source had more to read than one step takes.
        package var more = false
    }

    /// Starts leading under `held`: the engine rebuilt from the offsets the last leader committed.
    package func resume(_ held: AnalyzerLease.Held) async throws -> Session {
        var offsets = held.offsets
        let released = offsets.removeValue(forKey: Self.releasedKey).map {
            Date(timeIntervalSince1970: Double($0) / 1000)
        }
        var engine = try makeEngine()
        if let released {
            // Their findings were written by the leader before: only the state is wanted.
            for arrived in try await store.consumedCalls(
                from: released.addingTimeInterval(-engine.reach), to: released, offsets: offsets)
            {
                _ = engine.replay(arrived.call)
            }
            _ = engine.advance(to: released)
        }
        var session = Session(held: held, released: released, offsets: offsets, engine: engine)
        session.waiting = try await store.consumedCalls(from: released, to: nil, offsets: offsets).map(\.call)
        logger.info(
            "analyzing the cluster's calls",
            metadata: [
                "epoch": "\(held.epoch)", "released": "\(released.map { "\($0)" } ?? "nothing yet")",
                "waiting": "\(session.waiting.count)",
            ])
        return session
    }

    /// Reads what arrived, plays what the watermarks release, and writes it under the lease.
    ///
    /// Throws ``LeaseLost`` when the lease is no longer `session`'s; after any error the session
    /// is spent (its engine moved on without the write): ``resume(_:)`` again.
    package func step(_ session: inout Session) async throws -> Step {
        var step = Step()
        let sources = try await store.analysisSources(staleAfter: staleAfter)
        var offsets = session.offsets
        var arrivals: [ObservedCall] = []
        for source in sources.list {
            let after = offsets[source.id] ?? 0
            guard source.lastSequence > after else { continue }
            let through = min(source.lastSequence, after + Int64(batchSize))
            if through < source.lastSequence { step.more = true }
            arrivals += try await store.calls(of: source.id, after: after, through: through).map(\.call)
            offsets[source.id] = through
        }
        step.arrived = arrivals.count
        // How far the sources' promises reach; not past what this step could read.
        var target = step.more ? session.released : sources.now
        for source in sources.list where source.fresh {
            if let watermark = source.watermark { target = target.map { min($0, watermark) } }
        }
        if let released = session.released { target = target.map { max($0, released) } ?? released }
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
        for call in arrivals {
            if let released = session.released, call.startedAt < released {
                play(call)
                step.late += 1
            } else {
                session.waiting.append(call)
            }
        }
        if let target {
            var due: [ObservedCall] = []
            var still: [ObservedCall] = []
            for call in session.waiting { if call.startedAt < target { due.append(call) } else { still.append(call) } }
            due.sort { ($0.startedAt, $0.switchName ?? "", $0.key) < ($1.startedAt, $1.switchName ?? "", $1.key) }
            for call in due { play(call) }
            step.played = due.count
            session.waiting = still
            findings += session.engine.advance(to: target)
        }
        step.findings = findings.count

        // Each finding continues the latest alert of its key, as `analyze` merges them.
        var retired: [ClusterAlert] = []
        var dirty: Set<AlertKey> = []
        for finding in findings {
            let key = AlertKey(rule: finding.rule, subject: finding.subject, windowKey: finding.windowKey)
            if session.open[key] == nil {
                session.open[key] = .some(
                    try await store.latestAlert(rule: key.rule, subject: key.subject, windowKey: key.windowKey))
            }
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
        let (ids, acted) = try await lease.fenced(session.held, offsets: committed, expecting: believed) {
            connection -> ([AlertKey: Int64], ClusterSuspensions.Outcome) in
            var queued = 0
            var escalated: [(id: Int64, draft: AlertDraft)] = []
            // The alert and the hook events it owes, in one transaction: a takeover neither
            // loses nor repeats an event.
            func write(_ alert: ClusterAlert) async throws -> Int64 {
                let id = try await ClusterStore.write(alert, epoch: epoch, on: connection, logger: logger)
                let owed = alert.owedEvents
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
            var acted = try await ClusterSuspensions.act(
                on: escalated, settings: settings, summarizer: summarizer, epoch: epoch, now: now, on: connection,
                logger: logger)
            acted.queued += queued
            for (key, total) in spending {
                try await connection.query(
                    """
                    INSERT INTO cluster_spend (account, day, calls, cost_micros)
                    VALUES (\(key.account), \(key.day)::date, \(total.calls), \(total.cost))
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
