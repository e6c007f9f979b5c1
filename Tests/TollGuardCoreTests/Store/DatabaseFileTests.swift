import Foundation
import GRDB
import Testing
import TollGuardCore

@Suite struct DatabaseFileTests {
    private func withScratchPath(_ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("file-\(UUID()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        try body(path)
    }

    private func settings(_ database: TollGuardDatabase) throws -> (
        pageSize: Int, checkpointPages: Int, journal: String
    ) {
        try database.writer.write { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0,
                try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? 0,
                try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
            )
        }
    }

    @Test func aNewFileGetsLargePagesAndAWALCheckpointOfAboutFortyMegabytes() throws {
        try withScratchPath { path in
            let database = try TollGuardDatabase.open(path: path)
            let found = try settings(database)
            #expect(found.pageSize == TollGuardDatabase.preferredPageSize)
            #expect(found.journal == "wal")
            #expect(found.checkpointPages * found.pageSize >= 40_000_000)
            #expect(found.checkpointPages * found.pageSize <= 41_000_000)
        }
    }

    /// A first import writes a store it creates without the WAL, and leaves it in WAL mode for
    /// readers and the daemon; a store that exists is never taken out of the WAL.
    @Test func aStoreLoadedDirectlyEndsInWALAndAnExistingOneNeverLeavesIt() throws {
        try withScratchPath { path in
            let loading = try TollGuardDatabase.open(path: path, loadingNewStoreDirectly: true)
            #expect(try settings(loading).journal == "delete")
            #expect(try settings(loading).pageSize == TollGuardDatabase.preferredPageSize)
            // Another reader is open: the switch waits for nothing and is left to the next open.
            let reader = try DatabaseQueue(path: path)
            try reader.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM calls")
                #expect(loading.finishLoading() == false)
            }
            #expect(loading.finishLoading())
            #expect(try settings(loading).journal == "wal")
            let reopened = try TollGuardDatabase.open(path: path, loadingNewStoreDirectly: true)
            #expect(try settings(reopened).journal == "wal")
        }
    }

    @Test func aFileMadeWithSmallerPagesKeepsThemAndItsCheckpointStaysAboutFortyMegabytes() throws {
        try withScratchPath { path in
            let queue = try DatabaseQueue(path: path)
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA page_size = 4096; CREATE TABLE t(x); DROP TABLE t;")
            }
            try queue.close()
            let database = try TollGuardDatabase.open(path: path)
            let found = try settings(database)
            #expect(found.pageSize == 4096)
            #expect(found.checkpointPages == 10_000)
            #expect(try database.callCount() == 0)  // migrated as any other file
        }
    }
}
