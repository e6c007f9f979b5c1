import Foundation
import GRDB
import GRDBSQLite

/// How many calls of a batch were new and how many the store already had.
package struct BatchOutcome: Sendable, Hashable {
    package var inserted = 0
    package var duplicates = 0
}

extension TollGuardDatabase {
    /// The ingest record of the file whose content fingerprint is `fingerprint`.
    package func ingestedFile(fingerprint: String) throws -> IngestedFile? {
        try writer.read { db in
            try IngestedFile.filter(IngestedFileRow.Columns.fingerprint == fingerprint).fetchOne(db)
        }
    }

    /// Records that `path` (content `fingerprint`) is being ingested as `format`; returns its id.
    ///
    /// `restart` clears a checkpoint that no longer matches the file.
    package func registerFile(
        fingerprint: String, path: String, format: CDRFormat, compressed: Bool, restart: Bool
    ) throws -> Int64 {
        let now = Date()
        return try writer.write { db in
            typealias Columns = IngestedFileRow.Columns
            var row = IngestedFileRow(
                fingerprint: fingerprint, path: path, format: format, compressed: compressed, now: now)
            let file = try row.upsertAndFetch(
                db, onConflict: [Columns.fingerprint.name], updating: .noColumnUnlessSpecified
            ) { excluded in
                [
                    Columns.path.set(to: excluded[Columns.path]), Columns.format.set(to: excluded[Columns.format]),
                    Columns.compressed.set(to: excluded[Columns.compressed]),
                    Columns.lastIngested.set(to: excluded[Columns.lastIngested]), Columns.completed.set(to: nil),
                ]
            }
            let id = try file.storedID()
            if restart {
                // Read from the start again: the file's figures and rejected rows are this read's.
                try IngestedFileRow.filter(Columns.id == id).updateAll(
                    db, Columns.committedOffset.set(to: 0), Columns.committedLine.set(to: 0),
                    Columns.checkpointTailHash.set(to: nil), Columns.checkpointTailLength.set(to: 0),
                    Columns.rowsRead.set(to: 0), Columns.inserted.set(to: 0), Columns.duplicates.set(to: 0),
                    Columns.rejected.set(to: 0))
                try db.execute(sql: "DELETE FROM rejected_rows WHERE file_id = ?", arguments: [id])
            }
            return id
        }
    }

    /// Writes a batch and moves the file's checkpoint, all in one transaction, so a crash
    /// leaves either the whole batch or none of it.
    ///
    /// `dayKeys` is the run's cache of stored keys,
    /// kept from batch to batch.
    package func commit(
        _ batch: IngestBatch, fileID: Int64, path: String, format: CDRFormat, dayKeys: StoredDayKeys? = nil
    ) throws -> BatchOutcome {
        try writer.write { db in
            try dayKeys?.beginTransaction(db)
            var outcome = BatchOutcome()
            if !batch.calls.isEmpty {
                outcome = try CallInsertStatement(db, dayKeys: dayKeys).insert(
                    batch.calls, source: format.rawValue, fileID: fileID)
            }
            let rejected = try Self.insertRejected(batch.rejected, fileID: fileID, path: path, db)
            typealias Columns = IngestedFileRow.Columns
            let file = IngestedFileRow.filter(Columns.id == fileID)
            if let checkpoint = batch.checkpoint {
                try file.updateAll(
                    db, Columns.committedOffset.set(to: checkpoint.offset),
                    Columns.committedLine.set(to: checkpoint.line),
                    Columns.checkpointTailHash.set(to: checkpoint.tailHash),
                    Columns.checkpointTailLength.set(to: checkpoint.tailLength))
            }
            try file.updateAll(
                db, Columns.rowsRead += batch.rowsRead, Columns.inserted += outcome.inserted,
                Columns.duplicates += outcome.duplicates, Columns.rejected += rejected,
                Columns.lastIngested.set(to: StoredTime.text(Date())))
            try dayKeys?.endTransaction(db)
            return outcome
        }
    }

    /// Keeps rows of a followed CDR file (`serve`'s `[cdr_tail]`) that could not be read, as
    /// ingest keeps a file's: in `rejected_rows`, under the `ingested_files` row of the file's
    /// content (`fingerprint`, as ingest names it — a later `ingest` of the rotated file finds the
    /// same rows).
    ///
    /// A row read again after a restart is not added twice; returns how many were new.
    @discardableResult
    package func recordRejectedRows(
        _ rows: [RejectedRow], followedFile path: String, fingerprint: String, format: CDRFormat
    ) async throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let now = Date()
        return try await writer.write { db in
            typealias Columns = IngestedFileRow.Columns
            // The tail does not reset what ingest recorded (completion, format): only the path and time.
            var row = IngestedFileRow(
                fingerprint: fingerprint, path: path, format: format, compressed: false, now: now)
            let file = try row.upsertAndFetch(
                db, onConflict: [Columns.fingerprint.name], updating: .noColumnUnlessSpecified
            ) { excluded in
                [
                    Columns.path.set(to: excluded[Columns.path]),
                    Columns.lastIngested.set(to: excluded[Columns.lastIngested]),
                ]
            }
            let fileID = try file.storedID()
            let added = try Self.insertRejected(rows, fileID: fileID, path: path, db)
            try IngestedFileRow.filter(Columns.id == fileID).updateAll(db, Columns.rejected += added)
            return added
        }
    }

    /// Inserts `rows` into `rejected_rows` (a line already there is left as it is); returns how
    /// many were new.
    private static func insertRejected(_ rows: [RejectedRow], fileID: Int64, path: String, _ db: Database) throws -> Int
    {
        guard !rows.isEmpty else { return 0 }
        let now = Date()
        var added = 0
        for row in rows {
            try RejectedRowRecord(fileID: fileID, path: path, row: row, rejected: now).insert(db, onConflict: .ignore)
            added += db.changesCount
        }
        return added
    }

    /// Stores calls that come from no file (live events, CDR posts, tests), deduplicated as ingest
    /// does; `source` goes in `calls.source_format` (`fs-event-socket`, `fs-json-cdr`, a format name).
    package func store(_ calls: [(record: CallRecord, destination: CallDestination?)], source: String) throws
        -> BatchOutcome
    {
        let encoded = Self.encode(calls)
        return try writer.write { db in try CallInsertStatement(db).insert(encoded, source: source, fileID: nil) }
    }

    /// ``store(_:source:)`` without holding a thread of the cooperative pool while the store is busy.
    package func store(_ calls: [(record: CallRecord, destination: CallDestination?)], source: String) async throws
        -> BatchOutcome
    {
        let encoded = Self.encode(calls)
        return try await writer.write { db in
            try CallInsertStatement(db).insert(encoded, source: source, fileID: nil)
        }
    }

    private static func encode(_ calls: [(record: CallRecord, destination: CallDestination?)]) -> EncodedCalls {
        var encoded = EncodedCalls()
        encoded.reserveCapacity(calls.count)
        for call in calls { encoded.append(call.record, destination: call.destination, line: nil) }
        return encoded
    }

    /// Marks the file as read to its end.
    package func markCompleted(fileID: Int64) throws {
        try writer.write { db in
            _ = try IngestedFileRow.filter(IngestedFileRow.Columns.id == fileID).updateAll(
                db, IngestedFileRow.Columns.completed.set(to: StoredTime.text(Date())))
        }
    }

    /// Number of stored calls.
    package func callCount() throws -> Int {
        try writer.read { db in try Table("calls").fetchCount(db) }
    }
}

/// The prepared statements of the ingest hot path.
///
/// Dedup goes through `key_hash` (see `CallKeyHash`: the start day, then a hash of the dedup key)
/// under a unique integer index: far smaller and faster to maintain than a unique index on the
/// text key. It stays exact: when the slot is taken, the stored key is compared, and a call whose
/// slot holds a different key is stored with a NULL `key_hash` (found again through a small
/// partial index).
/// Binds through the SQLite C API on GRDB's statements: no `StatementArguments` array and no
/// `DatabaseValue` boxing per field. GRDB still owns the connection, transaction and statement cache.
struct CallInsertStatement {
    private let insert: Statement
    private let keyForHash: Statement
    private let collided: Statement
    private let db: Database
    private let dayKeys: StoredDayKeys?
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, dayKeys: StoredDayKeys? = nil) throws {
        self.db = db
        self.dayKeys = dayKeys
        insert = try db.cachedStatement(
            sql: """
                INSERT INTO calls (key_hash, dedup_key, call_id, account, caller_number, caller_name, destination,
                    context, source_ip, trunk, start_utc, answer_utc, end_utc, duration, billsec, disposition,
                    hangup_cause, user_agent, source_format, file_id, line, dest_scope, dest_e164, dest_region,
                    dest_calling_code, dest_type, dest_risk, dest_hotspot, rate_prefix, cost_micros, rate_per_min_micros)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(key_hash) DO NOTHING
                """)
        keyForHash = try db.cachedStatement(sql: "SELECT dedup_key FROM calls WHERE key_hash = ?")
        collided = try db.cachedStatement(sql: "SELECT 1 FROM calls WHERE key_hash IS NULL AND dedup_key = ?")
    }

    /// Inserts the calls of `calls` not stored yet, all from `source` (and `fileID`'s file).
    func insert(_ calls: EncodedCalls, source: String, fileID: Int64?) throws -> BatchOutcome {
        var outcome = BatchOutcome()
        let handle = insert.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        bind(handle, source, Int32(EncodedCalls.sourceColumn))
        if let fileID { sqlite3_bind_int64(handle, Int32(EncodedCalls.fileColumn), fileID) }
        // No statement keeps pointing into the buffer once it is gone.
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            sqlite3_clear_bindings(collided.sqliteStatement)
        }
        try calls.bytes.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return }  // no calls
            let base = UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self)
            for index in 0..<calls.count {
                if try insert(calls, index, base: base) { outcome.inserted += 1 } else { outcome.duplicates += 1 }
            }
        }
        return outcome
    }

    /// Inserts call `index`; false when a call with its dedup key is already stored.
    private func insert(_ calls: EncodedCalls, _ index: Int, base: UnsafePointer<CChar>) throws -> Bool {
        let slots = calls.slots[index]
        // Another source may have placed the call on the neighbouring day (its clock or time zone).
        if try isStored(underNeighbour: slots.earlierDay, calls, index, base)
            || isStored(underNeighbour: slots.laterDay, calls, index, base)
        {
            return false
        }
        if try step(calls, index, base: base, keyHash: slots.own) {
            dayKeys?.inserted(slots.own)
            return true
        }
        // The slot is taken: the same call, or (rarely) another key with the same day and hash.
        if try storedKey(under: slots.own, is: calls, index, base) == true { return false }
        let collidedBefore = try firstRow(
            collided,
            bind: { handle in
                let (key, count) = calls.dedupKey(of: index, base: base)
                sqlite3_bind_text(handle, 1, key, Int32(count), nil)  // SQLITE_STATIC: the buffer outlives the step
            }
        ) { _ in true }
        if collidedBefore == true { return false }
        return try step(calls, index, base: base, keyHash: nil)
    }

    /// Whether call `index` is stored under `slot`, a neighbouring day's value (asked of SQLite only
    /// when the run's `dayKeys` do not rule it out).
    private func isStored(
        underNeighbour slot: Int64?, _ calls: EncodedCalls, _ index: Int, _ base: UnsafePointer<CChar>
    ) throws -> Bool {
        guard let slot, try dayKeys?.mayBeStored(slot, db) ?? true else { return false }
        return try storedKey(under: slot, is: calls, index, base) == true
    }

    /// Whether the call stored under `keyHash` has call `index`'s dedup key; nil when none is stored there.
    private func storedKey(
        under keyHash: Int64, is calls: EncodedCalls, _ index: Int, _ base: UnsafePointer<CChar>
    ) throws -> Bool? {
        try firstRow(keyForHash, bind: { sqlite3_bind_int64($0, 1, keyHash) }) { handle in
            calls.dedupKey(
                index, base: base, equals: sqlite3_column_text(handle, 0), count: Int(sqlite3_column_bytes(handle, 0)))
        }
    }

    private func step(_ calls: EncodedCalls, _ index: Int, base: UnsafePointer<CChar>, keyHash: Int64?) throws -> Bool {
        let handle = insert.sqliteStatement
        sqlite3_reset(handle)
        calls.forEachColumn(of: index, base: base) { column, field in
            if column == EncodedCalls.sourceColumn || column == EncodedCalls.fileColumn { return }  // the batch's
            switch field {
            case .null:
                sqlite3_bind_null(handle, Int32(column))
            case .integer(let number):
                sqlite3_bind_int64(handle, Int32(column), number)
            case .text(let text, let count):
                sqlite3_bind_text(handle, Int32(column), text, Int32(count), nil)  // SQLITE_STATIC
            }
        }
        if let keyHash { sqlite3_bind_int64(handle, Int32(EncodedCalls.keyHashColumn), keyHash) }
        try check(sqlite3_step(handle), handle, expected: SQLITE_DONE)
        return sqlite3_changes(db.sqliteConnection) > 0
    }

    /// Runs a one-row query: `bind` sets its arguments, `read` reads the first row; `nil` when there is none.
    private func firstRow<T>(
        _ statement: Statement, bind: (OpaquePointer) -> Void, read: (OpaquePointer) -> T
    ) throws -> T? {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        bind(handle)
        let code = sqlite3_step(handle)
        defer { sqlite3_reset(handle) }
        if code == SQLITE_DONE { return nil }
        try check(code, handle, expected: SQLITE_ROW)
        return read(handle)
    }

    private func check(_ code: Int32, _ handle: OpaquePointer, expected: Int32) throws {
        guard code == expected else {
            let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }

    private func bind(_ handle: OpaquePointer, _ text: String?, _ index: Int32) {
        guard var text else {
            sqlite3_bind_null(handle, index)
            return
        }
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress {
                    _ = sqlite3_bind_text(handle, index, base, Int32(chars.count), Self.transient)
                } else {
                    _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)
                }
            }
        }
    }
}
