import GRDB
import GRDBSQLite

/// The prepared statements of the ingest hot path.
///
/// Dedup goes through `key_hash` (see `CallKeyHash`: the start day, then a hash of the dedup key)
/// under a unique integer index: far smaller and faster to maintain than a unique index on the
/// text key. It stays exact: when the slot is taken, the stored key is compared, and a call whose
/// slot holds a different key is stored with a NULL `key_hash` (found again through a small
/// partial index).
///
/// Calls go in ``rowsPerStatement`` at a time, one multi-row `INSERT` for each group: SQLite
/// then opens its cursors on the table and its indexes once per group rather than once per call
/// (a fresh million-row ingest ~20 % faster). Only a group in which a slot was already taken is
/// looked at call by call.
///
/// A group is `INSERT OR IGNORE`: a statement that cannot fail halfway needs no statement
/// journal, which cost a fresh ingest ~13 %. It would also skip a call that broke a constraint
/// (a NOT NULL, a CHECK) rather than fail, so every call a group skipped is settled on its own by
/// the one-row statement, which ignores only a taken `key_hash` slot and raises anything else. Binds through the SQLite C API on GRDB's statements: no
/// `StatementArguments` array and no `DatabaseValue` boxing per field. GRDB still owns the
/// connection, transaction and statement cache.
struct CallInsertStatement {
    /// Calls in one multi-row insert: 3,968 parameters, far below SQLite's limit of 32,766 (64 and 256 measured no faster).
    static let rowsPerStatement = 128

    private let single: Statement
    private let keyForHash: Statement
    private let collided: Statement
    private let db: Database
    private let dayKeys: StoredDayKeys?
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    private static let columns = """
        key_hash, dedup_key, call_id, account, caller_number, caller_name, destination, context, source_ip, trunk,
        start_utc, answer_utc, end_utc, duration, billsec, disposition, hangup_cause, user_agent, source_format,
        file_id, line, dest_scope, dest_e164, dest_region, dest_calling_code, dest_type, dest_risk, dest_hotspot,
        rate_prefix, cost_micros, rate_per_min_micros, switch_name
        """
    /// Parameters of one row: the encoded call's columns, then the batch's switch name.
    private static let rowWidth = EncodedCalls.columnCount + 1
    private static let switchColumn = EncodedCalls.columnCount + 1

    init(_ db: Database, dayKeys: StoredDayKeys? = nil) throws {
        self.db = db
        self.dayKeys = dayKeys
        single = try db.cachedStatement(sql: Self.insertSQL(rows: 1))
        keyForHash = try db.cachedStatement(sql: "SELECT dedup_key FROM calls WHERE key_hash = ?")
        collided = try db.cachedStatement(sql: "SELECT 1 FROM calls WHERE key_hash IS NULL AND dedup_key = ?")
    }

    /// The insert of `rows` calls.
    ///
    /// One row skips only a taken `key_hash` slot. A group skips any row that breaks a
    /// constraint, so SQLite keeps no statement journal for it; its skipped rows go through the
    /// one-row statement.
    private static func insertSQL(rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: rowWidth).joined(separator: ", ") + ")"
        let values = Array(repeating: row, count: rows).joined(separator: ", ")
        guard rows > 1 else {
            return "INSERT INTO calls (\(columns)) VALUES \(values) ON CONFLICT(key_hash) DO NOTHING"
        }
        return "INSERT OR IGNORE INTO calls (\(columns)) VALUES \(values)"
    }

    /// Inserts the calls of `calls` not stored yet, all from `source` (and `fileID`'s file, or
    /// the switch `switchName`).
    func insert(_ calls: EncodedCalls, source: String, fileID: Int64?, switchName: String? = nil) throws
        -> BatchOutcome
    {
        var outcome = BatchOutcome()
        let group =
            calls.count >= Self.rowsPerStatement
            ? try db.cachedStatement(sql: Self.insertSQL(rows: Self.rowsPerStatement)) : nil
        let statements = [single] + (group.map { [$0] } ?? [])
        for statement in statements {
            let handle = statement.sqliteStatement
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            for row in 0..<Int(sqlite3_bind_parameter_count(handle)) / Self.rowWidth {
                let offset = Int32(row * Self.rowWidth)
                bind(handle, source, offset + Int32(EncodedCalls.sourceColumn))
                if let fileID { sqlite3_bind_int64(handle, offset + Int32(EncodedCalls.fileColumn), fileID) }
                bind(handle, switchName, offset + Int32(Self.switchColumn))
            }
        }
        // No statement keeps pointing into the buffer once it is gone.
        defer {
            for statement in statements {
                sqlite3_reset(statement.sqliteStatement)
                sqlite3_clear_bindings(statement.sqliteStatement)
            }
            sqlite3_clear_bindings(collided.sqliteStatement)
        }
        try calls.bytes.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return }  // no calls
            let base = UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self)
            var pending = PendingCalls(capacity: Self.rowsPerStatement)
            for index in 0..<calls.count {
                let slots = calls.slots[index]
                // A call of the group not inserted yet may be this one under a neighbouring day.
                if pending.holds(slots.earlierDay, of: calls) || pending.holds(slots.laterDay, of: calls) {
                    try insertOneByOne(pending.indexes, calls, base: base, outcome: &outcome)
                    pending.removeAll()
                }
                // Another source may have placed the call on the neighbouring day (its clock or time zone).
                if try isStored(underNeighbour: slots.earlierDay, calls, index, base)
                    || isStored(underNeighbour: slots.laterDay, calls, index, base)
                {
                    outcome.duplicates += 1
                    continue
                }
                pending.append(index, slot: slots.own)
                if let group, pending.indexes.count == Self.rowsPerStatement {
                    try insert(group: pending.indexes, with: group, calls, base: base, outcome: &outcome)
                    pending.removeAll()
                }
            }
            try insertOneByOne(pending.indexes, calls, base: base, outcome: &outcome)
        }
        return outcome
    }

    /// Inserts `indexes` with one statement; a call whose slot was taken (stored before, twice in
    /// the group, or a different key with the same hash) is then settled on its own.
    private func insert(
        group indexes: [Int], with statement: Statement, _ calls: EncodedCalls, base: UnsafePointer<CChar>,
        outcome: inout BatchOutcome
    ) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        for (row, index) in indexes.enumerated() {
            bind(calls, index, base: base, keyHash: calls.slots[index].own, to: handle, row: row)
        }
        try check(sqlite3_step(handle), handle, expected: SQLITE_DONE)
        let inserted = Int(sqlite3_changes(db.sqliteConnection))
        // Every slot of the group now holds a call (this group's or one stored before), unless a
        // call broke a constraint; the one-row statement then raises that.
        for index in indexes { dayKeys?.inserted(calls.slots[index].own) }
        outcome.inserted += inserted
        if inserted == indexes.count { return }
        var holdingTheirKey = 0
        for index in indexes {
            switch try storedKey(under: calls.slots[index].own, is: calls, index, base) {
            case true?:
                holdingTheirKey += 1
            case false?:
                if try insertUnderNoHash(calls, index, base: base) {
                    outcome.inserted += 1
                } else {
                    outcome.duplicates += 1
                }
            case nil:  // skipped for a broken constraint: the one-row statement raises it
                if try insertOne(calls, index, base: base) { outcome.inserted += 1 } else { outcome.duplicates += 1 }
            }
        }
        // Of the calls whose slot holds their own key, `inserted` were this group's; the rest were stored before.
        outcome.duplicates += holdingTheirKey - inserted
    }

    private func insertOneByOne(
        _ indexes: [Int], _ calls: EncodedCalls, base: UnsafePointer<CChar>, outcome: inout BatchOutcome
    ) throws {
        for index in indexes {
            if try insertOne(calls, index, base: base) { outcome.inserted += 1 } else { outcome.duplicates += 1 }
        }
    }

    /// Inserts call `index` (its neighbouring days already checked); false when a call with its
    /// dedup key is already stored.
    private func insertOne(_ calls: EncodedCalls, _ index: Int, base: UnsafePointer<CChar>) throws -> Bool {
        let own = calls.slots[index].own
        if try step(calls, index, base: base, keyHash: own) {
            dayKeys?.inserted(own)
            return true
        }
        // The slot is taken: the same call, or (rarely) another key with the same day and hash.
        if try storedKey(under: own, is: calls, index, base) == true { return false }
        return try insertUnderNoHash(calls, index, base: base)
    }

    /// Stores call `index`, whose slot holds another key, with a NULL `key_hash`; false when it is stored so already.
    private func insertUnderNoHash(_ calls: EncodedCalls, _ index: Int, base: UnsafePointer<CChar>) throws -> Bool {
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

    /// Inserts call `index` alone under `keyHash`; false when its slot was taken.
    private func step(_ calls: EncodedCalls, _ index: Int, base: UnsafePointer<CChar>, keyHash: Int64?) throws -> Bool {
        let handle = single.sqliteStatement
        sqlite3_reset(handle)
        bind(calls, index, base: base, keyHash: keyHash, to: handle, row: 0)
        try check(sqlite3_step(handle), handle, expected: SQLITE_DONE)
        return sqlite3_changes(db.sqliteConnection) > 0
    }

    /// Binds call `index`'s columns as row `row` of `handle`'s `VALUES` (the batch's source and file are bound already).
    private func bind(
        _ calls: EncodedCalls, _ index: Int, base: UnsafePointer<CChar>, keyHash: Int64?, to handle: OpaquePointer,
        row: Int
    ) {
        let offset = Int32(row * Self.rowWidth)
        calls.forEachColumn(of: index, base: base) { column, field in
            if column == EncodedCalls.sourceColumn || column == EncodedCalls.fileColumn { return }  // the batch's
            switch field {
            case .null:
                sqlite3_bind_null(handle, offset + Int32(column))
            case .integer(let number):
                sqlite3_bind_int64(handle, offset + Int32(column), number)
            case .text(let text, let count):
                sqlite3_bind_text(handle, offset + Int32(column), text, Int32(count), nil)  // SQLITE_STATIC
            }
        }
        let keyColumn = offset + Int32(EncodedCalls.keyHashColumn)
        if let keyHash { sqlite3_bind_int64(handle, keyColumn, keyHash) } else { sqlite3_bind_null(handle, keyColumn) }
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

/// The calls of a group not inserted yet, with a bit per low bits of their slots: asking whether
/// one of them holds a slot scans them only when the bit is set (a scan for every call cost ~2 %
/// of a fresh ingest).
private struct PendingCalls {
    private(set) var indexes: [Int] = []
    private var filter = [UInt64](repeating: 0, count: Self.filterWords)
    private static let filterWords = 64

    init(capacity: Int) {
        indexes.reserveCapacity(capacity)
    }

    /// Whether a pending call's own slot is `slot`.
    func holds(_ slot: Int64?, of calls: EncodedCalls) -> Bool {
        guard let slot else { return false }
        let (word, bit) = Self.position(of: slot)
        guard filter[word] & bit != 0 else { return false }
        return indexes.contains { calls.slots[$0].own == slot }
    }

    mutating func append(_ index: Int, slot: Int64) {
        indexes.append(index)
        let (word, bit) = Self.position(of: slot)
        filter[word] |= bit
    }

    mutating func removeAll() {
        indexes.removeAll(keepingCapacity: true)
        for word in filter.indices { filter[word] = 0 }
    }

    private static func position(of slot: Int64) -> (word: Int, bit: UInt64) {
        let low = Int(truncatingIfNeeded: slot) & (filterWords * 64 - 1)
        return (low >> 6, 1 << UInt64(low & 63))
    }
}
