import Foundation
import GRDB
import Logging
import Testing
import TollGuardCore
import TollGuardLive
import TollGuardTestSupport

/// `serve` copies the WAL into the database file beside the writer, never in a commit.
@Suite struct StoreCheckpointServiceTests {
    static func autocheckpointPages(_ database: TollGuardDatabase) async throws -> Int {
        try await database.writer.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? -1
        }
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// ~4 MB in one commit (4,000 rows in table `filler`).
    static func writeFiller(_ database: TollGuardDatabase) async throws {
        try await database.writer.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE filler (bytes BLOB);
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
                    INSERT INTO filler SELECT randomblob(1000) FROM n;
                    """)
        }
    }

    /// A store at `path` with its writer's checkpoints off and ~4 MB in its WAL; the WAL's path
    /// and size.
    static func filledStore(at path: String) async throws -> (TollGuardDatabase, wal: String, written: Int) {
        let database = try TollGuardDatabase.open(path: path)
        try await database.checkpointsOnCommit(false)
        try await writeFiller(database)
        return (database, path + "-wal", fileSize(path + "-wal"))
    }

    @Test func theWALIsCopiedAsideWhileItRunsAndTheWriterTakesItsCheckpointsBackAfter() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("serve.sqlite")
        let database = try TollGuardDatabase.open(path: path)
        let standing = try await Self.autocheckpointPages(database)
        #expect(standing == 40_960_000 / TollGuardDatabase.preferredPageSize)
        let service = StoreCheckpointService(
            database: database, interval: .milliseconds(20), logger: Logger(label: "test.checkpoints"))
        let running = Task { try await service.run() }
        #expect(try await poll(upTo: 60) { try await Self.autocheckpointPages(database) == 0 })
        let before = Self.fileSize(path)
        // ~4 MB in one commit: with the writer's checkpoints off, only the service can move it
        // into the database file.
        try await Self.writeFiller(database)
        let copied = try await poll(upTo: 60) { Self.fileSize(path) >= before + 4_000_000 }
        #expect(copied, "database file \(Self.fileSize(path)) bytes, \(before) before")
        running.cancel()
        try await running.value
        #expect(try await Self.autocheckpointPages(database) == standing)
    }

    /// Past its limit, a pass empties the WAL.
    ///
    /// A WAL starts again from its beginning only once a checkpoint copied all of it: writes that
    /// outrun the passive copies grow it without bound.
    @Test func aWALPastItsLimitIsCopiedWholeAndEmptied() async throws {
        let folder = try TemporaryDirectory()
        let (database, wal, written) = try await Self.filledStore(at: folder.path("busy.sqlite"))
        var checkpointer = try #require(try database.checkpointer())
        #expect(written >= 4_000_000)
        // Under the limit: copied, the WAL left to be written over from its beginning.
        let under = try await checkpointer.checkpoint()
        #expect(!under.truncated && under.copied == under.frames && under.frames > 0, "\(under)")
        #expect(Self.fileSize(wal) == written)
        // Past it: emptied.
        checkpointer.truncateAboveBytes = written / 2
        let past = try await checkpointer.checkpoint()
        #expect(past.bytes >= written - 32_768, "\(past)")
        #expect(past.truncated, "\(past)")
        #expect(Self.fileSize(wal) == 0)
        // The store reads whole after it.
        let rows = try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM filler") }
        #expect(rows == 4000)
    }

    /// A reader that holds the WAL past the wait keeps it as it is (the pass says so, and writes
    /// waited meanwhile); once it is done, the next pass empties it.
    @Test func aWALAReaderHoldsIsLeftAsItIsUntilTheReaderIsDone() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("read.sqlite")
        let (database, wal, written) = try await Self.filledStore(at: path)
        var checkpointer = try #require(try database.checkpointer())
        checkpointer.truncateAboveBytes = written / 2
        // A report's long read, on a connection of its own.
        var holding = Configuration()
        holding.allowsUnsafeTransactions = true  // the read stays open between the accesses
        let reader = try DatabaseQueue(path: path, configuration: holding)
        try reader.inDatabase { db in
            try db.execute(sql: "BEGIN")
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM filler")
        }
        let held = try await checkpointer.checkpoint()
        #expect(!held.truncated && held.bytes > written / 2, "\(held)")
        #expect(Self.fileSize(wal) == written)
        try reader.inDatabase { db in try db.execute(sql: "COMMIT") }
        let done = try await checkpointer.checkpoint()
        #expect(done.truncated, "\(done)")
        #expect(Self.fileSize(wal) == 0)
    }
}
