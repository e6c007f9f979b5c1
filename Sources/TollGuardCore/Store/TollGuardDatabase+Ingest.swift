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
        try writer.writeWithoutTransaction { db in
            // The batch's rows all name `fileID`, registered before and never deleted (no command
            // deletes from `ingested_files`): SQLite's lookup of it for every row (~4 % of a bulk
            // ingest) would check nothing. `foreign_keys` cannot change inside a transaction.
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            // A statement that may abort halfway keeps a statement journal; past SQLite's 64 KiB
            // it went to a temporary file, doubling ingest's writes. The call groups no longer
            // keep one (`CallInsertStatement`: `INSERT OR IGNORE`); should any statement of a
            // batch need one again, it stays in memory. (A process-wide spill size,
            // SQLITE_CONFIG_STMTJRNL_SPILL, made SQLite 3.40 fail analyze's large UPDATE of a
            // million-call store with SQLITE_FULL.) The writer keeps the setting: each change of
            // it makes SQLite reload the schema and prepare every statement again.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            var outcome = BatchOutcome()
            try db.inTransaction {
                guard try IngestedFileRow.exists(db, key: fileID) else {
                    throw DatabaseError(
                        resultCode: .SQLITE_CONSTRAINT_FOREIGNKEY, message: "no ingested file \(fileID)")
                }
                outcome = try write(batch, fileID: fileID, path: path, format: format, dayKeys: dayKeys, db)
                return .commit
            }
            return outcome
        }
    }

    private func write(
        _ batch: IngestBatch, fileID: Int64, path: String, format: CDRFormat, dayKeys: StoredDayKeys?, _ db: Database
    ) throws -> BatchOutcome {
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
    /// does; `source` goes in `calls.source_format` (`fs-event-socket`, `fs-json-cdr`, a format
    /// name), `switchName` (the live source's `name`) in `calls.switch_name`.
    package func store(
        _ calls: [(record: CallRecord, destination: CallDestination?)], source: String, switchName: String? = nil
    ) throws -> BatchOutcome {
        let encoded = Self.encode(calls)
        return try writer.write { db in
            try CallInsertStatement(db).insert(encoded, source: source, fileID: nil, switchName: switchName)
        }
    }

    /// ``store(_:source:switchName:)`` without holding a thread of the cooperative pool while the store is busy.
    package func store(
        _ calls: [(record: CallRecord, destination: CallDestination?)], source: String, switchName: String? = nil
    ) async throws -> BatchOutcome {
        let encoded = Self.encode(calls)
        return try await writer.write { db in
            try CallInsertStatement(db).insert(encoded, source: source, fileID: nil, switchName: switchName)
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

    /// What `account`'s stored calls cost, by call id (a call id stored twice: summed).
    package func costsByCallID(account: String) throws -> [String: Int64] {
        try writer.read { db in
            var costs: [String: Int64] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT call_id, cost_micros FROM calls WHERE account = ?", arguments: [account])
            while let row = try rows.next() {
                costs[row["call_id"], default: 0] += row["cost_micros"] ?? 0
            }
            return costs
        }
    }

    /// Number of stored calls.
    package func callCount() throws -> Int {
        try writer.read { db in try Table("calls").fetchCount(db) }
    }
}
