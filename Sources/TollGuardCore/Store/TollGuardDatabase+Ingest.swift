import Foundation
import GRDB
import GRDBSQLite

/// What the store knows about a file ingested before.
package struct IngestedFile: Sendable, Hashable {
    package var id: Int64
    package var format: CDRFormat
    package var checkpoint: IngestCheckpoint?
    package var isCompleted: Bool
}

/// How many calls of a batch were new and how many the store already had.
package struct BatchOutcome: Sendable, Hashable {
    package var inserted = 0
    package var duplicates = 0
}

extension TollGuardDatabase {
    /// The ingest record of the file whose content fingerprint is `fingerprint`.
    package func ingestedFile(fingerprint: String) throws -> IngestedFile? {
        try writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT id, format, committed_offset, committed_line, checkpoint_tail_hash,
                               checkpoint_tail_length, completed_utc
                        FROM ingested_files WHERE fingerprint = ?
                        """, arguments: [fingerprint])
            else { return nil }
            let offset: Int64 = row["committed_offset"]
            let tailHash: String? = row["checkpoint_tail_hash"]
            return IngestedFile(
                id: row["id"], format: CDRFormat(rawValue: row["format"]) ?? .auto,
                checkpoint: offset > 0 && tailHash != nil
                    ? IngestCheckpoint(
                        offset: offset, line: row["committed_line"], tailHash: tailHash ?? "",
                        tailLength: row["checkpoint_tail_length"]) : nil,
                isCompleted: row["completed_utc"] != nil)
        }
    }

    /// Records that `path` (content `fingerprint`) is being ingested as `format`; returns its id.
    /// `restart` clears a checkpoint that no longer matches the file.
    package func registerFile(
        fingerprint: String, path: String, format: CDRFormat, compressed: Bool, restart: Bool
    ) throws -> Int64 {
        let now = CivilTime.utcText(Date())
        return try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO ingested_files (fingerprint, path, format, compressed, first_ingested_utc, last_ingested_utc)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(fingerprint) DO UPDATE SET
                        path = excluded.path, format = excluded.format, compressed = excluded.compressed,
                        last_ingested_utc = excluded.last_ingested_utc, completed_utc = NULL
                    """, arguments: [fingerprint, path, format.rawValue, compressed, now, now])
            if restart {
                try db.execute(
                    sql: """
                        UPDATE ingested_files SET committed_offset = 0, committed_line = 0,
                            checkpoint_tail_hash = NULL, checkpoint_tail_length = 0
                        WHERE fingerprint = ?
                        """, arguments: [fingerprint])
            }
            return try Int64.fetchOne(db, sql: "SELECT id FROM ingested_files WHERE fingerprint = ?", arguments: [fingerprint]) ?? 0
        }
    }

    /// Writes a batch and moves the file's checkpoint, all in one transaction, so a crash
    /// leaves either the whole batch or none of it.
    package func commit(_ batch: IngestBatch, fileID: Int64, path: String, format: CDRFormat) throws -> BatchOutcome {
        try writer.write { db in
            var outcome = BatchOutcome()
            if !batch.calls.isEmpty {
                let inserter = try CallInsertStatement(db)
                for pending in batch.calls {
                    if try inserter.insert(pending.record, format: format, fileID: fileID, line: pending.line) {
                        outcome.inserted += 1
                    } else {
                        outcome.duplicates += 1
                    }
                }
            }
            if !batch.rejected.isEmpty {
                let now = CivilTime.utcText(Date())
                let statement = try db.cachedStatement(
                    sql: """
                        INSERT INTO rejected_rows
                            (file_id, path, line, reason_code, reason, column_number, raw_row, truncated, rejected_utc)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(file_id, line) DO NOTHING
                        """)
                for row in batch.rejected {
                    try statement.execute(arguments: [
                        fileID, path, row.line, row.problem.kind.rawValue, row.problem.description,
                        row.problem.column, Data(row.raw), row.isTruncated, now,
                    ])
                }
            }
            if let checkpoint = batch.checkpoint {
                try db.execute(
                    sql: """
                        UPDATE ingested_files SET committed_offset = ?, committed_line = ?,
                            checkpoint_tail_hash = ?, checkpoint_tail_length = ?
                        WHERE id = ?
                        """,
                    arguments: [checkpoint.offset, checkpoint.line, checkpoint.tailHash, checkpoint.tailLength, fileID])
            }
            try db.execute(
                sql: """
                    UPDATE ingested_files SET rows_read = rows_read + ?, inserted = inserted + ?,
                        duplicates = duplicates + ?, rejected = rejected + ?, last_ingested_utc = ?
                    WHERE id = ?
                    """,
                arguments: [
                    batch.rowsRead, outcome.inserted, outcome.duplicates, batch.rejected.count,
                    CivilTime.utcText(Date()), fileID,
                ])
            return outcome
        }
    }

    /// Marks the file as read to its end.
    package func markCompleted(fileID: Int64) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE ingested_files SET completed_utc = ? WHERE id = ?",
                arguments: [CivilTime.utcText(Date()), fileID])
        }
    }

    /// Number of stored calls.
    package func callCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM calls") ?? 0 }
    }
}

/// The prepared `INSERT … ON CONFLICT DO NOTHING` of the ingest hot path.
///
/// Binds through the SQLite C API on GRDB's statement: no `StatementArguments` array and no
/// `DatabaseValue` boxing per field. GRDB still owns the connection, transaction and statement cache.
struct CallInsertStatement {
    private let statement: Statement
    private let db: Database
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database) throws {
        self.db = db
        statement = try db.cachedStatement(
            sql: """
                INSERT INTO calls (dedup_key, call_id, account, caller_number, caller_name, destination, context,
                    source_ip, trunk, start_utc, answer_utc, end_utc, duration, billsec, disposition, hangup_cause,
                    user_agent, source_format, file_id, line)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(dedup_key) DO NOTHING
                """)
    }

    /// Inserts `call`; false when a call with its dedup key is already stored.
    func insert(_ call: CallRecord, format: CDRFormat, fileID: Int64?, line: Int?) throws -> Bool {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        bind(call.dedupKey, 1)
        bind(call.callID, 2)
        bind(call.account, 3)
        bind(call.callerNumber, 4)
        bind(call.callerName, 5)
        bind(call.destination, 6)
        bind(call.context, 7)
        bind(call.sourceIP, 8)
        bind(call.trunk, 9)
        bind(call.startedAt, 10)
        bind(call.answeredAt, 11)
        bind(call.endedAt, 12)
        sqlite3_bind_int64(handle, 13, Int64(call.duration))
        sqlite3_bind_int64(handle, 14, Int64(call.billsec))
        bind(call.disposition.rawValue, 15)
        bind(call.hangupCause, 16)
        bind(call.userAgent, 17)
        bind(format.rawValue, 18)
        if let fileID { sqlite3_bind_int64(handle, 19, fileID) } else { sqlite3_bind_null(handle, 19) }
        if let line { sqlite3_bind_int64(handle, 20, Int64(line)) } else { sqlite3_bind_null(handle, 20) }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        return sqlite3_changes(db.sqliteConnection) > 0
    }

    private func bind(_ text: String?, _ index: Int32) {
        guard var text else {
            sqlite3_bind_null(statement.sqliteStatement, index)
            return
        }
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress {
                    _ = sqlite3_bind_text(statement.sqliteStatement, index, base, Int32(chars.count), Self.transient)
                } else {
                    _ = sqlite3_bind_text(statement.sqliteStatement, index, "", 0, Self.transient)
                }
            }
        }
    }

    private func bind(_ date: Date?, _ index: Int32) {
        guard let date else {
            sqlite3_bind_null(statement.sqliteStatement, index)
            return
        }
        var bytes = [UInt8](repeating: 0, count: 19)
        CivilTime.writeUTC(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)), into: &bytes)
        bytes.withUnsafeBufferPointer { buffer in
            _ = buffer.withMemoryRebound(to: CChar.self) { chars in
                sqlite3_bind_text(statement.sqliteStatement, index, chars.baseAddress, 19, Self.transient)
            }
        }
    }
}
