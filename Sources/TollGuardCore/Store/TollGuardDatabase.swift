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
    ///
    /// With `loadingNewStoreDirectly`, a store this call creates is written through SQLite's
    /// rollback journal instead of the WAL until ``finishLoading()``: a first import of history
    /// writes each page once rather than twice (WAL, then checkpoint). Nothing else has the new
    /// file open yet; a crash mid-load rolls back to the last commit as the WAL would, and the
    /// next open turns the WAL on.
    package static func open(
        path: String, busyTimeout: Duration = .seconds(5), loadingNewStoreDirectly: Bool = false
    ) throws -> TollGuardDatabase {
        _ = processSetUp
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        do {
            let folderWritable = FileManager.default.isWritableFile(atPath: directory.isEmpty ? "." : directory)
            if FileManager.default.fileExists(atPath: path),
                !folderWritable || !FileManager.default.isWritableFile(atPath: path)
            {
                // In a read-only folder SQLite cannot make the WAL's shared-memory file: the store
                // is opened as the unchanging file it is there.
                return try openReadOnly(
                    path: folderWritable ? path : "file:\(path)?immutable=1", busyTimeout: busyTimeout)
            }
            if loadingNewStoreDirectly, !FileManager.default.fileExists(atPath: path) {
                let queue = try DatabaseQueue(path: path, configuration: makeConfiguration(busyTimeout: busyTimeout))
                return try TollGuardDatabase(writer: queue)
            }
            let pool = try DatabasePool(path: path, configuration: makeConfiguration(busyTimeout: busyTimeout))
            return try TollGuardDatabase(writer: pool)
        } catch var error as StoreOpenError {
            error.path = path
            throw error
        } catch {
            guard var damaged = StoreOpenError.damage(in: error) else { throw error }
            damaged.path = path
            throw damaged
        }
    }

    /// A store this process may not write (its file or folder read-only): read as it is, never
    /// migrated — one that needs migrating is refused, naming what it lacks.
    private static func openReadOnly(path: String, busyTimeout: Duration) throws -> TollGuardDatabase {
        var configuration = makeConfiguration(busyTimeout: busyTimeout)
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try refuseUnknownMigrations(queue)
        let pending = try queue.read { db in
            let applied = try migrator.appliedIdentifiers(db)
            return migrator.migrations.filter { !applied.contains($0) }
        }
        guard pending.isEmpty else {
            throw StoreOpenError(
                path: path,
                reason: "the store is read-only here and needs migrating (\(pending.joined(separator: ", "))); "
                    + "run a tollguard command that may write it once")
        }
        return TollGuardDatabase(migrated: queue)
    }

    /// Refuses a store written by a newer TollGuard: migrations this one does not know.
    private static func refuseUnknownMigrations(_ writer: any DatabaseWriter) throws {
        let known = migrator.migrations
        let unknown = try writer.read { db -> [String] in
            guard try db.tableExists("grdb_migrations") else { return [] }
            return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
                .filter { !known.contains($0) }
        }
        guard unknown.isEmpty else {
            throw StoreOpenError(
                path: "",
                reason:
                    "the store was written by a newer TollGuard: its schema has \(unknown.joined(separator: ", ")), "
                    + "this TollGuard's ends at \(known.last ?? "none"); run the newer tollguard (nothing was written)")
        }
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

    /// Wraps `writer` and applies the migrations; a store from a newer TollGuard is refused
    /// before anything is written.
    package init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.refuseUnknownMigrations(writer)
        try Self.migrator.migrate(writer)
    }

    /// Turns the WAL on for a store opened with `loadingNewStoreDirectly`, so that readers and
    /// the daemon share it from then on; a no-op for any other store.
    ///
    /// Returns false when another connection held the store at that moment: it stays in the
    /// rollback journal until the next TollGuard command opens it, which turns the WAL on.
    @discardableResult
    package func finishLoading() -> Bool {
        guard writer is DatabaseQueue else { return true }
        do {
            return try writer.writeWithoutTransaction { db in
                guard try String.fetchOne(db, sql: "PRAGMA journal_mode") == "delete" else { return true }
                return try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") == "wal"
            }
        } catch {
            return false
        }
    }

    /// Wraps a store known to be migrated already.
    private init(migrated writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// Problems SQLite's `quick_check` finds in the store's pages and indexes; empty when sound.
    package func integrityProblems() throws -> [String] {
        try writer.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check(20)") }.filter { $0 != "ok" }
    }

    /// Page size of a database file TollGuard creates.
    package static let preferredPageSize = 16_384
    /// WAL size at which SQLite checkpoints automatically.
    static let walCheckpointBytes = 40_960_000

    /// Sets whether `db` checkpoints its WAL itself when a commit takes it past ~40 MB.
    static func setAutocheckpoint(_ db: Database, enabled: Bool) throws {
        let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
        let pages = enabled ? walCheckpointBytes / max(pageSize, 512) : 0
        try db.execute(sql: "PRAGMA wal_autocheckpoint = \(pages)")
    }

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
            try setAutocheckpoint(db, enabled: true)
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
