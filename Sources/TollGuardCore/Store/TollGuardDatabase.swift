import CSQLiteTuning
import Foundation
import GRDB

/// The TollGuard store: a `Sendable` handle around a GRDB writer, migrated on open.
///
/// On disk it is a `DatabasePool` (WAL, `synchronous=NORMAL`), so the daemon and CLI
/// commands can share the file; tests use an in-memory queue with the same schema.
package struct TollGuardDatabase: Sendable {
    /// The GRDB writer; reads may use it as a reader too.
    package let writer: any DatabaseWriter

    /// Opens (creating if needed) and migrates the database at `path`.
    package static func open(path: String, busyTimeout: Duration = .seconds(5)) throws -> TollGuardDatabase {
        _ = processSetUp
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let pool = try DatabasePool(path: path, configuration: makeConfiguration(busyTimeout: busyTimeout))
        return try TollGuardDatabase(writer: pool)
    }

    /// Process-wide SQLite settings, applied before the first connection opens.
    private static let processSetUp: Void = {
        // Memory statistics cost a global mutex per allocation; nothing here reads them.
        _ = tollguard_sqlite_disable_memory_statistics()
    }()

    /// A fresh in-memory database, for tests.
    package static func inMemory() throws -> TollGuardDatabase {
        try TollGuardDatabase(writer: DatabaseQueue(configuration: makeConfiguration(busyTimeout: .seconds(1))))
    }

    /// Wraps `writer` and applies the migrations.
    package init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// Page size of a database file TollGuard creates.
    package static let preferredPageSize = 16_384
    /// WAL size at which SQLite checkpoints automatically.
    private static let walCheckpointBytes = 40_960_000

    /// The one place connections are configured.
    package static func makeConfiguration(busyTimeout: Duration) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout.seconds)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // A new file gets 16 KiB pages (SQLite's default is 4 KiB): a call row is ~300 bytes,
            // and larger pages mean fewer page splits and WAL frames per million rows (ingest
            // ~8 % faster in paired runs). An existing file keeps the page size it was made with.
            try db.execute(sql: "PRAGMA page_size = \(preferredPageSize)")
            // 32 MiB of page cache holds the key-hash index of a few million calls and keeps
            // a 10-million-row import under 100 MB of memory.
            try db.execute(sql: "PRAGMA cache_size = -32768")
            // Checkpoint every ~40 MB of WAL rather than 4 MB: bulk ingest rewrites far fewer pages.
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(walCheckpointBytes / max(pageSize, 512))")
        }
        return configuration
    }

    /// Rows in the tables `tollguard db status` shows: calls, the files they came from, the rows rejected.
    package func rowCounts() throws -> [(table: String, rows: Int)] {
        try writer.read { db in
            [
                ("calls", try Table("calls").fetchCount(db)),
                (IngestedFileRow.databaseTableName, try IngestedFileRow.fetchCount(db)),
                (RejectedRowRecord.databaseTableName, try RejectedRowRecord.fetchCount(db)),
            ]
        }
    }

    /// Identifiers of the migrations applied to this database.
    package func appliedMigrations() throws -> [String] {
        try writer.read { db in try Self.migrator.appliedIdentifiers(db).sorted() }
    }
}
