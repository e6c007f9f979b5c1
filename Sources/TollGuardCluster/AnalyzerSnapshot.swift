import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The leading analyzer's engine as of a step it committed.
///
/// A node taking the lease over restores it and replays only the calls consumed since, instead
/// of every call of the engine's reach (four weeks by default: hours at a carrier's rate).
package struct AnalyzerSnapshot: Sendable {
    /// The edges' offsets and the released time (``ClusterAnalyzer/releasedKey``) of the step.
    package var offsets: [String: Int64]
    /// What shaped the engine (``AnalysisEngine/configuration``).
    package var configuration: String
    /// ``AnalysisEngine/snapshot()``.
    package var engine: Data
    /// The calls the analysis had started from their edges' word and not ended.
    package var live: [LiveCall]
    /// When it was written, by the database's clock (nil before it is).
    package var taken: Date?

    /// A call started from its edge's word, as the snapshot keeps it.
    package struct LiveCall: Sendable, Codable {
        package var source: String
        package var call: ObservedCall
        /// Whether the engine was given its answer.
        package var answerPlayed: Bool
    }

    /// The released time of the step.
    package var released: Date? {
        offsets[ClusterAnalyzer.releasedKey].map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// Whether a leader that committed `committed` (the lease's offsets) went on from this
    /// snapshot: no edge's offset and no released time behind the snapshot's (a store that lost
    /// commits, restored from a backup or failed over to a standby that lagged, may hold less).
    package func precedes(_ committed: [String: Int64]) -> Bool {
        ClusterAnalyzer.offsets(offsets, precede: committed)
    }
}

extension AnalyzerLease {
    /// Writes `snapshot` while `held` is this node's (a deposed leader's late write changes
    /// nothing), unless one of a later epoch is there; returns whether it was written.
    @discardableResult
    package func write(_ snapshot: AnalyzerSnapshot, under held: Held) async throws -> Bool {
        let (range, epoch, logger) = (keyRange, held.epoch, store.logger)
        let offsets = String(decoding: try JSONEncoder().encode(snapshot.offsets), as: UTF8.self)
        let live = String(decoding: try JSONEncoder().encode(snapshot.live), as: UTF8.self)
        let (configuration, engine) = (snapshot.configuration, snapshot.engine)
        let rows = try await store.client.query(
            """
            INSERT INTO analyzer_snapshots (key_range, epoch, offsets, configuration, engine, live)
            SELECT key_range, epoch, \(offsets)::jsonb, \(configuration), \(engine), \(live)::jsonb
            FROM analyzer_leases WHERE key_range = \(range) AND epoch = \(epoch) AND lease_until >= now()
            ON CONFLICT (key_range) DO UPDATE SET epoch = excluded.epoch, offsets = excluded.offsets,
                configuration = excluded.configuration, taken_utc = now(), engine = excluded.engine,
                live = excluded.live
            WHERE analyzer_snapshots.epoch <= excluded.epoch
            RETURNING 1
            """, logger: logger)
        var written = false
        for try await _ in rows.decode(Int.self) { written = true }
        return written
    }

    /// The last snapshot written for this key range, if any.
    package func snapshot() async throws -> AnalyzerSnapshot? {
        let rows = try await store.client.query(
            """
            SELECT offsets::text, configuration, engine, live::text, taken_utc
            FROM analyzer_snapshots WHERE key_range = \(keyRange)
            """, logger: store.logger)
        for try await (offsets, configuration, engine, live, taken) in rows.decode(
            (String, String, Data, String, Date).self)
        {
            return AnalyzerSnapshot(
                offsets: try Self.offsets(offsets), configuration: configuration, engine: engine,
                live: try JSONDecoder().decode([AnalyzerSnapshot.LiveCall].self, from: Data(live.utf8)), taken: taken)
        }
        return nil
    }
}
