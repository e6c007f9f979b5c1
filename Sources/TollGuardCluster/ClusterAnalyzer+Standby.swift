import Foundation
import TollGuardCore

extension ClusterAnalyzer {
    /// The engine as the leader's commits left it, kept by a node that stands by
    /// (``follow(_:)``): taking the lease over, it replays only the calls since its last catch-up,
    /// however much the engine holds — not the last snapshot (minutes to restore at a carrier's
    /// rate) or the engine's reach.
    package struct StandbyEngine: Sendable {
        var engine: AnalysisEngine
        var live: [LiveCallID: LiveEntry] = [:]
        var recorded = RecentIDs(capacity: 200_000)
        /// The committed offsets it was brought to, the released time among them.
        package internal(set) var offsets: [String: Int64]
        /// The calls its last catch-up (or rebuild) replayed.
        package internal(set) var replayed = 0
        /// When the snapshot it was rebuilt from was written (nil: not from a snapshot).
        var snapshotTaken: Date?

        init(engine: AnalysisEngine, offsets: [String: Int64]) {
            self.engine = engine
            self.offsets = offsets
        }

        /// Every call that started before it has been played (nil: nothing analyzed yet).
        package var released: Date? {
            offsets[ClusterAnalyzer.releasedKey].map { Date(timeIntervalSince1970: Double($0) / 1000) }
        }
    }

    /// What a new leader's engine was rebuilt from.
    enum EngineOrigin: Equatable {
        case nothing, standby, snapshot, reach

        /// How the analysis log tells it: `state` is the engine rebuilt.
        func text(_ state: StandbyEngine) -> String {
            switch self {
            case .nothing: "nothing analyzed yet"
            case .standby: "the engine it kept standing by and \(state.replayed) calls since"
            case .snapshot:
                "the snapshot of \(state.snapshotTaken.map { "\($0)" } ?? "?") and \(state.replayed) calls since"
            case .reach: "a replay of the engine's reach (\(state.replayed) calls)"
            }
        }
    }

    /// Brings `standby` to what the leader committed last, reading only (no lease needed).
    ///
    /// The calls committed since its last catch-up are replayed into it; an engine is rebuilt
    /// as a takeover would rebuild one when there is none yet, or when the store went back behind
    /// it (a failover). Returns `standby` as it was while nothing was committed.
    package func follow(_ standby: StandbyEngine?) async throws -> StandbyEngine? {
        guard let committed = try await lease.committed() else { return standby }
        if let standby, standby.offsets == committed { return standby }
        return try await engine(at: committed, standby: standby).0
    }
}
