import Foundation
import Synchronization
import TollGuardCore

/// How an analyzer node goes, for `/healthz`, `/metrics`, `cluster status` and tests.
package final class AnalyzerStatus: Sendable {
    /// A moment of it.
    package struct Snapshot: Sendable, Equatable {
        /// The epoch of the lease this node holds; nil while it stands by.
        package var epoch: Int64?
        /// The node holding the lease while this one stands by, when known.
        package var leader: String?
        /// Every call that started before it has been analyzed (while leading).
        package var released: Date?
        /// Calls consumed and waiting for the sources' watermarks.
        package var waiting = 0
        /// Totals of this node's steps, and the time they took (reading, playing, writing):
        /// what the analyzer adds to an alert's way, as an operator can follow it.
        package var steps = 0
        package var stepSeconds = 0.0
        package var played = 0
        package var late = 0
        /// Calls started from their edges' word while up (late: after the analysis passed their
        /// start), and ended by their records; those up now.
        package var begun = 0
        package var begunLate = 0
        package var ended = 0
        package var live = 0
        package var alertsWritten = 0
        /// Findings a false positive kept quiet.
        package var quieted = 0
        /// Hook deliveries queued with the alerts written.
        package var deliveriesQueued = 0
        /// Times this node took the lease, and lost it.
        package var takeovers = 0
        /// Whether this node's engine, when it last took the lease, was restored from a snapshot
        /// (else it replayed the engine's reach).
        package var startedFromSnapshot = false
        /// Whether this node's engine, when it last took the lease, was the one it kept while
        /// standing by (it replayed only the calls since).
        package var startedFromStandby = false
        /// While standing by: how far the engine it keeps at the leader's commits has got (nil:
        /// it keeps none).
        package var standbyReleased: Date?
        /// Snapshots of the engine this node wrote while leading; the last one's size and the
        /// time it took to encode and write.
        package var snapshotsWritten = 0
        package var lastSnapshotBytes = 0
        package var lastSnapshotSeconds = 0.0
        /// Times the leader made its engine anew for a changed configuration.
        package var enginesRemade = 0
        package var leasesLost = 0
        package var failures = 0
        /// When a step last committed.
        package var lastStep: Date?
        package var lastError: String?
        /// Since when the analysis has failed (the store unreachable, an error); nil while it
        /// steps or stands by.
        package var failingSince: Date?

        /// Whether this node leads the analysis now.
        package var leading: Bool { epoch != nil }
    }

    private let state = Mutex(Snapshot())

    package init() {}

    package var snapshot: Snapshot { state.withLock { $0 } }

    func standingBy(leader: String?) {
        state.withLock { state in
            state.failingSince = nil
            state.epoch = nil
            state.leader = leader
        }
    }

    func keptStandby(released: Date?) {
        state.withLock { $0.standbyReleased = released }
    }

    func remadeEngine() {
        state.withLock { $0.enginesRemade += 1 }
    }

    func leading(_ session: ClusterAnalyzer.Session) {
        state.withLock { state in
            state.epoch = session.held.epoch
            state.leader = nil
            state.takeovers += 1
            state.startedFromSnapshot = session.startedFromSnapshot
            state.startedFromStandby = session.startedFromStandby
            state.standbyReleased = nil
            state.released = session.released
            state.waiting = session.waitingCount
            state.live = session.liveCount
        }
    }

    func stepped(
        _ step: ClusterAnalyzer.Step, _ session: ClusterAnalyzer.Session, at time: Date, took: Duration = .zero
    ) {
        state.withLock { state in
            state.steps += 1
            state.stepSeconds += took.seconds
            state.played += step.played
            state.late += step.late
            state.begun += step.begun
            state.begunLate += step.begunLate
            state.ended += step.ended
            state.live = session.liveCount
            state.alertsWritten += step.alertsWritten
            state.quieted += step.quieted
            state.deliveriesQueued += step.deliveriesQueued
            state.released = session.released
            state.waiting = session.waitingCount
            state.lastStep = time
            state.lastError = nil
            state.failingSince = nil
        }
    }

    func wroteSnapshot(bytes: Int, took: Duration) {
        state.withLock { state in
            state.snapshotsWritten += 1
            state.lastSnapshotBytes = bytes
            state.lastSnapshotSeconds = took.seconds
        }
    }

    func lost(_ error: any Error) {
        state.withLock { state in
            state.epoch = nil
            state.leasesLost += 1
            state.lastError = "\(ReadableError(error))"
        }
    }

    func failed(_ error: any Error, at time: Date = Date()) {
        state.withLock { state in
            state.failingSince = state.failingSince ?? time
            state.epoch = nil
            state.failures += 1
            state.lastError = "\(ReadableError(error))"
        }
    }
}
