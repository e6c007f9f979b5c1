import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import TollGuardCore

/// The analyzer as a service of `serve --role analyzer` (or `all` in a cluster): it stands by
/// until the lease is free, then leads — steps every `interval`, renews the lease every third of
/// its duration — until it loses the lease (then stands by again) or `serve` stops (then it gives
/// the lease up, so a standby takes over at once).
///
/// A node killed outright holds the lease until it lapses: a standby takes over within
/// `leaseDuration`, from the offsets the last step committed.
package struct ClusterAnalyzerService: Service {
    package let connector: ClusterConnector
    /// This node's name: the lease's holder.
    package let node: String
    package let timeZone: TimeZone
    package let makeEngine: @Sendable () throws -> AnalysisEngine
    package let status: AnalyzerStatus
    /// Noted when the configuration or the lists change (SIGHUP): the leader starts again from
    /// its last commit with an engine made anew.
    package let engineChanges = EngineChanges()
    package var leaseDuration = Duration.seconds(10)
    /// The longest pause between two steps that found nothing more to read: an edge's promise
    /// (a notification on ``ClusterStore/promiseChannel``) ends it at once.
    package var interval = Duration.milliseconds(200)
    package var evidenceLimit = 1000
    /// See ``ClusterAnalyzer/staleAfter``.
    package var staleAfter = Duration.seconds(60)
    /// The pause after a failure that was not a lost lease; it doubles up to 30 s.
    package var firstPause = Duration.seconds(1)
    /// See ``ClusterAnalyzer/actions`` and ``ClusterAnalyzer/summarizer``.
    package var actions: @Sendable () -> ActionSettings = { ActionSettings() }
    package var summarizer: AlertSummarizer?
    /// Delivers what the cluster's outbox holds, once; run every `deliveryInterval` while this
    /// node leads (nil: the events wait for a node that delivers).
    package var deliverHooks: (@Sendable (ClusterOutbox) async throws -> Void)?
    package var deliveryInterval = Duration.seconds(1)
    /// Days of calls the cluster store keeps (`cluster.keep_days`); 0 keeps them all.
    ///
    /// While this node leads, older days are dropped every `retentionInterval`.
    package var keepDays = 0
    package var retentionInterval = Duration.seconds(3600)
    /// How often the leader writes a snapshot of its engine (`cluster.snapshot_seconds`); nil:
    /// never (a node taking over then replays the engine's whole reach).
    package var snapshotInterval: Duration? = .seconds(300)
    private let logger: Logger

    package init(
        connector: ClusterConnector, node: String, timeZone: TimeZone, status: AnalyzerStatus = AnalyzerStatus(),
        logger: Logger, makeEngine: @escaping @Sendable () throws -> AnalysisEngine
    ) {
        self.connector = connector
        self.node = node
        self.timeZone = timeZone
        self.status = status
        self.makeEngine = makeEngine
        var logger = logger
        logger[metadataKey: "node"] = "\(node)"
        self.logger = logger
    }

    package func run() async throws {
        var pause = firstPause
        // While it stands by, the node keeps an engine at the leader's last commit: a takeover
        // then replays only the calls since (made anew when the configuration changes).
        var standby: ClusterAnalyzer.StandbyEngine?
        var standbyEngine = engineChanges.count
        var followed = true
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await connector.withPrimary { store, _ in
                    try await store.migrate()
                    var lease = AnalyzerLease(store: store, node: node)
                    lease.duration = leaseDuration
                    var analyzer = ClusterAnalyzer(
                        store: store, lease: lease, timeZone: timeZone, logger: logger, makeEngine: makeEngine)
                    analyzer.evidenceLimit = evidenceLimit
                    analyzer.staleAfter = staleAfter
                    analyzer.actions = actions
                    if let summarizer { analyzer.summarizer = summarizer }
                    var refusals = 0
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        let held: AnalyzerLease.Held?
                        do {
                            held = try await lease.acquire()
                            refusals = 0
                        } catch {
                            // A leader paused inside a write holds the lease row until the server
                            // ends its transaction: asked again soon. Repeated, the server itself
                            // may be gone: found again.
                            refusals += 1
                            if refusals >= 3 { throw error }
                            held = nil
                        }
                        if let held {
                            let kept = engineChanges.count == standbyEngine ? standby : nil
                            standby = nil
                            try await lead(held, analyzer, standby: kept)
                            pause = firstPause
                        } else {
                            status.standingBy(leader: try? await lease.holder()?.node)
                            if engineChanges.count != standbyEngine {
                                (standby, standbyEngine) = (nil, engineChanges.count)
                            }
                            do {
                                let kept = standby != nil
                                // A first rebuild may replay hours of calls: `serve` stopping
                                // ends it (the replay stops when cancelled).
                                let (following, follower) = (standby, analyzer)
                                standby = try await cancelWhenGracefulShutdown { try await follower.follow(following) }
                                status.keptStandby(released: standby?.released)
                                if !kept, let standby {
                                    logger.info(
                                        "keeping the leader's engine while standing by",
                                        metadata: ["released": "\(standby.released.map { "\($0)" } ?? "nothing yet")"])
                                }
                                followed = true
                            } catch {
                                standby = nil
                                status.keptStandby(released: nil)
                                if Task.isShuttingDownGracefully { return }
                                if followed {
                                    logger.warning(
                                        "could not keep the leader's engine while standing by; a takeover rebuilds it",
                                        metadata: ["error": "\(ReadableError(error))"])
                                }
                                followed = false
                            }
                            let wait = leaseDuration / 4
                            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                        }
                    }
                }
            } catch let lost as LeaseLost {
                status.lost(lost)
                logger.warning("lost the analyzer lease; standing by", metadata: ["error": "\(lost)"])
            } catch {
                if Task.isCancelled { return }
                status.failed(error)
                logger.warning(
                    "the analysis stopped; trying again",
                    metadata: ["error": "\(ReadableError(error))", "retry_in": "\(pause)"])
                let wait = pause
                guard (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: wait) })) != nil else {
                    return
                }
                // Never longer than the lease: a standby must be ready to take over within it.
                pause = min(pause * 2, max(firstPause, leaseDuration))
            }
        }
    }

    /// The time before which whole UTC days of calls may go: `keepDays` back from `now`, and
    /// never within the engine's `reach` back (a day more), which a new leader replays.
    package static func retentionCutoff(now: Date, keepDays: Int, reach: TimeInterval) -> Date {
        now.addingTimeInterval(-max(Double(keepDays) * 86_400, reach + 86_400))
    }

    /// Leads under `held` until the lease is lost (throws) or `serve` stops (gives it up).
    ///
    /// The lease is renewed beside the steps, every third of its duration, so a long step (a
    /// takeover's first, a backlog) does not outlast it; a node paused or cut off stops renewing
    /// with everything else, and its next write is refused.
    private func lead(
        _ held: AnalyzerLease.Held, _ analyzer: ClusterAnalyzer, standby: ClusterAnalyzer.StandbyEngine?
    ) async throws {
        let (status, logger, interval, renewal) = (self.status, self.logger, self.interval, leaseDuration / 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while true {
                    try await Task.sleep(for: renewal)
                    try await analyzer.lease.renew(held)
                }
            }
            if let deliver = deliverHooks {
                let (outbox, pause) = (ClusterOutbox(store: analyzer.store), deliveryInterval)
                group.addTask {
                    while true {
                        do {
                            try await deliver(outbox)
                        } catch {
                            logger.warning(
                                "could not deliver the cluster's hook events",
                                metadata: ["error": "\(ReadableError(error))"])
                        }
                        try await Task.sleep(for: pause)
                    }
                }
            }
            if keepDays > 0 {
                let (keepDays, pause, makeEngine) = (self.keepDays, retentionInterval, self.makeEngine)
                group.addTask {
                    while true {
                        do {
                            let cutoff = Self.retentionCutoff(
                                now: Date(), keepDays: keepDays, reach: try makeEngine().reach)
                            let dropped = try await analyzer.store.dropCalls(before: cutoff)
                            if !dropped.isEmpty {
                                logger.notice(
                                    "dropped the cluster's calls of days past cluster.keep_days",
                                    metadata: ["days": "\(dropped.joined(separator: ", "))"])
                            }
                        } catch {
                            logger.warning(
                                "could not drop the cluster's calls of older days",
                                metadata: ["error": "\(ReadableError(error))"])
                        }
                        try await Task.sleep(for: pause)
                    }
                }
            }
            // An edge's promise rings the doorbell: the next step comes at once, not after the
            // interval, which stays as the poll behind it. Not an edge's whose promise was past
            // the others' at the last step (``ClusterAnalyzer/Step/ahead``): its promise alone
            // moves nothing, and its calls wait for the promise that does.
            let doorbell = Doorbell()
            let ahead = AheadSources()
            group.addTask {
                while true {
                    do {
                        try await analyzer.store.ring(
                            doorbell, atNotificationsOn: ClusterStore.promiseChannel,
                            ringsFor: { !ahead.contains($0) })
                    } catch {
                        try Task.checkCancellation()
                        logger.debug(
                            "stopped listening for the edges' promises", metadata: ["error": "\(ReadableError(error))"])
                    }
                    try await Task.sleep(for: .seconds(1))
                }
            }
            let engineChanges = self.engineChanges
            let snapshotInterval = self.snapshotInterval
            group.addTask {
                var engine = engineChanges.count
                var session = try await analyzer.resume(held, standby: standby)
                status.leading(session)
                logger.notice("leading the cluster's analysis", metadata: ["epoch": "\(held.epoch)"])
                // Snapshots are written beside the steps: the engine's copy is the step's
                // value as committed, and the steps go on meanwhile.
                try await withThrowingDiscardingTaskGroup { snapshots in
                    var lastSnapshot = ContinuousClock.now
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        if engineChanges.count != engine {
                            engine = engineChanges.count
                            session = try await analyzer.restart(session)
                            status.remadeEngine()
                            logger.notice(
                                "the configuration changed: the analysis goes on with an engine made anew",
                                metadata: ["epoch": "\(held.epoch)"])
                        }
                        let started = ContinuousClock.now
                        let step = try await analyzer.step(&session)
                        ahead.set(step.ahead)
                        status.stepped(step, session, at: Date(), took: ContinuousClock.now - started)
                        if let snapshotInterval, ContinuousClock.now - lastSnapshot >= snapshotInterval {
                            lastSnapshot = ContinuousClock.now
                            let taken = session
                            snapshots.addTask {
                                let started = ContinuousClock.now
                                if let bytes = await analyzer.writeSnapshot(of: taken) {
                                    status.wroteSnapshot(bytes: bytes, took: ContinuousClock.now - started)
                                }
                            }
                        }
                        if !step.more {
                            _ = await cancelWhenGracefulShutdown { await doorbell.wait(upTo: interval) }
                        }
                    }
                }
            }
            // The steps end only when serve stops; the renewals only when the lease is lost; the
            // deliveries, the retention and the listening never.
            defer { group.cancelAll() }
            try await group.next()
        }
        try? await analyzer.lease.release(held)
        logger.notice("gave the analyzer lease up", metadata: ["epoch": "\(held.epoch)"])
    }
}

/// The sources whose promises need not wake the leader (see ``ClusterAnalyzer/Step/ahead``), as
/// its last step found them: written by the steps, read by the listener.
private final class AheadSources: Sendable {
    private let sources = Mutex<Set<String>>([])

    func set(_ ahead: Set<String>) { sources.withLock { $0 = ahead } }

    func contains(_ source: String) -> Bool { sources.withLock { $0.contains(source) } }
}
