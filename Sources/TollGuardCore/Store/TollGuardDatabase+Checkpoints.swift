import Foundation
import GRDB

extension TollGuardDatabase {
    /// Whether the store's writer copies its WAL into the database file itself once the WAL
    /// reaches ~40 MB (SQLite's automatic checkpoint, the default).
    ///
    /// That copy and its fsync run inside the commit that crosses the mark: on a live store a
    /// write, and every event queued behind it, waits ~100 ms for it. `serve` turns it off and
    /// checkpoints from a connection of its own (``checkpointer()``), which no write waits for.
    package func checkpointsOnCommit(_ enabled: Bool) async throws {
        try await writer.writeWithoutTransaction { db in try Self.setAutocheckpoint(db, enabled: enabled) }
    }

    /// A connection of its own to this store's file, for checkpoints beside the writer; nil for
    /// a store that has no WAL (a queue).
    package func checkpointer() throws -> WALCheckpointer? {
        guard let pool = writer as? DatabasePool else { return nil }
        return WALCheckpointer(
            connection: try DatabaseQueue(
                path: pool.path, configuration: Self.makeConfiguration(busyTimeout: .seconds(5)))
        )
    }
}

/// A connection of its own to a store's file that copies the WAL into the database file.
package struct WALCheckpointer: Sendable {
    fileprivate let connection: DatabaseQueue
    /// The WAL's size past which a pass empties it (1 GiB).
    package var truncateAboveBytes = 1 << 30

    fileprivate init(connection: DatabaseQueue) {
        self.connection = connection
    }

    /// Copies what the WAL holds without waiting for readers or the writer (a passive
    /// checkpoint); what the WAL held, and whether it was emptied.
    ///
    /// A WAL starts again from its beginning only once a checkpoint has copied all of it: writes
    /// that outrun the passive copies (thousands of calls a second with alerts rewritten) grow it
    /// without bound — 19 GB in eight minutes in a benchmark. Past `truncateAboveBytes` the
    /// pass waits for the writer and the readers (up to the connection's busy timeout; writes
    /// wait meanwhile), copies everything and empties the WAL: writes wait once, instead of the
    /// disk filling. A reader that outlasts the wait keeps the WAL as it is (`truncated` false).
    @discardableResult
    package func checkpoint() async throws -> WALCheckpoint {
        let limit = truncateAboveBytes
        return try await connection.writeWithoutTransaction { db in
            let passive = try db.checkpoint(.passive)
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? TollGuardDatabase.preferredPageSize
            var pass = WALCheckpoint(
                frames: passive.walFrameCount, copied: passive.checkpointedFrameCount,
                bytes: passive.walFrameCount * pageSize, truncated: false)
            guard pass.bytes > limit else { return pass }
            do {
                pass.copied = try db.checkpoint(.truncate).checkpointedFrameCount
                pass.truncated = true
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                // A reader or the writer held on past the busy timeout: the WAL stays.
            }
            return pass
        }
    }
}

/// What a pass of ``WALCheckpointer/checkpoint()`` found and did.
package struct WALCheckpoint: Sendable, Equatable {
    /// The WAL's frames (pages) before the pass, and those copied.
    package var frames: Int
    package var copied: Int
    /// The WAL's size before the pass.
    package var bytes: Int
    /// Whether the WAL was copied whole and emptied.
    package var truncated: Bool
}
