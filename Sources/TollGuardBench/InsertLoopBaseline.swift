import ArgumentParser
import Foundation
import GRDBSQLite
import TollGuardDemo

/// The reference the ingest issue names as the ceiling to aim near: a loop over the file with one
/// prepared statement, each row's 15 fields bound straight from the line buffer, no index, one
/// transaction, SQLite's default journal.
///
/// Nothing of a store is there: no call record, no times
/// converted, no checkpoints, no dedup.
///
/// `--dedup` adds the least a deduplicating store writes for each row: a 64-bit key (the start
/// day, then a hash of the uuid, as `calls.key_hash` is laid out) under a unique index, `ON
/// CONFLICT DO NOTHING`, and an index on the start time to read calls back by time. The
/// difference between the two is what deduplication costs SQLite on this machine, before any of
/// TollGuard's own work.
///
/// Reads the FreeSWITCH `example` template as `ExampleCDRWriter` writes it (every field quoted,
/// none holding a quote); a hidden subcommand that `tollguard-bench ingest` runs as a child.
struct InsertLoopBaseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insert-loop",
        abstract: "One prepared statement in a loop over an example-template file (a baseline of `ingest`).",
        shouldDisplay: false)

    @Option(help: "The FreeSWITCH example-template file.")
    var file: String

    @Option(help: "The database to create (removed first).")
    var db: String

    @Flag(help: "Add a unique 64-bit dedup key and a start-time index.")
    var dedup = false

    private static let fieldCount = 15
    /// The `example` template's start time (`YYYY-MM-DD hh:mm:ss`) and uuid, 1-based.
    private static let startField = 5
    private static let uuidField = 11

    func run() throws {
        removeDatabase(db)
        var opened: OpaquePointer?
        guard sqlite3_open(db, &opened) == SQLITE_OK, let connection = opened else {
            throw ValidationError("cannot open \(db)")
        }
        defer { sqlite3_close(connection) }
        let columns = (1...Self.fieldCount).map { "c\($0)" }.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: Self.fieldCount).joined(separator: ", ")
        if dedup {
            try execute(
                "CREATE TABLE cdr (id INTEGER PRIMARY KEY, key INTEGER UNIQUE, \(columns)); "
                    + "CREATE INDEX cdr_by_start ON cdr(c\(Self.startField));", connection)
        } else {
            try execute("CREATE TABLE cdr (\(columns));", connection)
        }
        let sql =
            dedup
            ? "INSERT INTO cdr (\(columns), key) VALUES (\(placeholders), ?) ON CONFLICT DO NOTHING"
            : "INSERT INTO cdr VALUES (\(placeholders))"
        var prepared: OpaquePointer?
        guard sqlite3_prepare_v2(connection, sql, -1, &prepared, nil) == SQLITE_OK, let statement = prepared else {
            throw ValidationError("cannot prepare: \(String(cString: sqlite3_errmsg(connection)))")
        }
        defer { sqlite3_finalize(statement) }
        guard let stream = fopen(file, "r") else { throw ValidationError("cannot read \(file)") }
        defer { fclose(stream) }

        try execute("BEGIN", connection)
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while true {
            let length = getline(&line, &capacity, stream)
            guard length > 0, let line else { break }
            bindFields(of: UnsafeRawPointer(line).assumingMemoryBound(to: UInt8.self), length: length, to: statement)
            guard sqlite3_step(statement) == SQLITE_DONE else {
                throw ValidationError("insert failed: \(String(cString: sqlite3_errmsg(connection)))")
            }
            sqlite3_reset(statement)
        }
        try execute("COMMIT", connection)
    }

    /// Binds the line's fields in place (`SQLITE_STATIC`: the line outlives the step).
    private func bindFields(of line: UnsafePointer<UInt8>, length: Int, to statement: OpaquePointer) {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
        var position = 0
        var field = 0
        var start: UnsafePointer<UInt8>?
        var uuid: UnsafeBufferPointer<UInt8>?
        while position < length, field < Self.fieldCount {
            let quoted = line[position] == quote
            if quoted { position += 1 }
            let first = position
            while position < length,
                quoted ? line[position] != quote : line[position] != comma && line[position] != newline
            {
                position += 1
            }
            field += 1
            sqlite3_bind_text(
                statement, Int32(field), UnsafeRawPointer(line + first).assumingMemoryBound(to: CChar.self),
                Int32(position - first), nil)
            if field == Self.startField { start = line + first }
            if field == Self.uuidField { uuid = UnsafeBufferPointer(start: line + first, count: position - first) }
            position += quoted ? 2 : 1
        }
        guard dedup, let start, let uuid else { return }
        sqlite3_bind_int64(statement, Int32(Self.fieldCount + 1), Self.key(start: start, uuid: uuid))
    }

    /// The day of `start` in the top bits (from its digits: only order and equality matter here), then
    /// 48 bits of an FNV-1a hash of the uuid.
    private static func key(start: UnsafePointer<UInt8>, uuid: UnsafeBufferPointer<UInt8>) -> Int64 {
        func number(_ range: Range<Int>) -> Int64 {
            range.reduce(0) { $0 * 10 + Int64(start[$1] &- UInt8(ascii: "0")) }
        }
        let day = ((number(0..<4) - 2000) * 12 + number(5..<7) - 1) * 31 + number(8..<10) - 1  // < 2^15 until 2088
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in uuid { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return day << 48 | Int64(hash >> 16)
    }

    private func execute(_ sql: String, _ connection: OpaquePointer) throws {
        guard sqlite3_exec(connection, sql, nil, nil, nil) == SQLITE_OK else {
            throw ValidationError("\(sql): \(String(cString: sqlite3_errmsg(connection)))")
        }
    }
}
