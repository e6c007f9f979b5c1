import Foundation
import Logging
import ServiceLifecycle
import TollGuardCore

/// Keeps SQLite's checkpoints off the live write path while `serve` runs.
///
/// The writer's own checkpoint (every ~40 MB of WAL) stalled the pipeline for ~100 ms each time:
/// the copy and fsync ran inside a commit that events waited behind. This service turns it off
/// and copies the WAL every `interval` from a connection of its own, passively, so no write
/// waits for it; when it stops (or cannot start) the writer's own checkpoints come back.
package struct StoreCheckpointService: Service {
    package let database: TollGuardDatabase
    package let interval: Duration
    package let logger: Logger

    package init(database: TollGuardDatabase, interval: Duration = .seconds(1), logger: Logger) {
        self.database = database
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        var checkpointer: WALCheckpointer
        do {
            guard let opened = try database.checkpointer() else { return }
            checkpointer = opened
            try await database.checkpointsOnCommit(false)
        } catch {
            logger.warning(
                "the store's checkpoints stay with its writer (a connection for them could not be set up)",
                metadata: ["error": "\(error)"])
            return
        }
        let emptyAbove = checkpointer.truncateAboveBytes
        var failing = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            do {
                let pass = try await checkpointer.checkpoint()
                if pass.truncated {
                    // Seen by default: the store is written faster than its checkpoints copy,
                    // and writes waited for the WAL to be emptied.
                    logger.warning(
                        "the store's writes outran its checkpoints; its WAL was copied whole and emptied",
                        metadata: ["bytes": "\(pass.bytes)"])
                    checkpointer.truncateAboveBytes = emptyAbove
                } else if pass.bytes > checkpointer.truncateAboveBytes {
                    // A long reader (a report, a backup) outlasted the wait, and writes waited
                    // with it: not again before the WAL has grown as much once more.
                    logger.warning(
                        "the store's WAL could not be emptied while a reader held it; it grows meanwhile",
                        metadata: ["bytes": "\(pass.bytes)"])
                    checkpointer.truncateAboveBytes = pass.bytes + emptyAbove
                }
                if failing { logger.notice("the store's checkpoints run again") }
                failing = false
            } catch {
                // A busy or failing disk: the WAL grows meanwhile and the next pass tries again.
                if !failing { logger.warning("a checkpoint of the store failed", metadata: ["error": "\(error)"]) }
                failing = true
            }
        }
        do {
            // In a task of its own: a cancelled service still hands the checkpoints back.
            try await Task { [database] in try await database.checkpointsOnCommit(true) }.value
        } catch {
            logger.warning("the store's writer could not take its checkpoints back", metadata: ["error": "\(error)"])
        }
    }
}
