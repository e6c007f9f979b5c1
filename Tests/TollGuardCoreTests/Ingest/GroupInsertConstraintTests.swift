import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardTestSupport

/// A call that breaks a constraint fails its batch, even inside a group of 128.
///
/// Ingest writes calls 128 at a time with `INSERT OR IGNORE`, which would skip such a call as
/// quietly as a duplicate.
@Suite struct GroupInsertConstraintTests {
    private func row(_ id: Int, name: String) -> String {
        "\"\(name)\",\"1001\",\"100\",\"default\",\"2026-03-29 10:00:00\",\"2026-03-29 10:00:02\",\"2026-03-29 10:00:12\","
            + "\"12\",\"10\",\"NORMAL_CLEARING\",\"33333333-0000-4000-8000-\(String(format: "%012d", id))\",\"\",\"1001\",\"PCMU\",\"PCMU\""
    }

    /// Rebuilds `calls` with the same columns and indexes plus `CHECK (caller_name <> 'Poison')`:
    /// a constraint no real call breaks, standing in for a NOT NULL a future column might add.
    private func poisonCheck(_ database: TollGuardDatabase) throws {
        try database.writer.writeWithoutTransaction { db in
            let table = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'calls'") ?? ""
            let indexes = try String.fetchAll(
                db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'calls' AND sql IS NOT NULL"
            )
            guard let close = table.lastIndex(of: ")") else { throw DatabaseError(message: "no calls table") }
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "DROP TABLE calls")
            try db.execute(sql: table[..<close] + ", CHECK (caller_name <> 'Poison'))")
            for index in indexes { try db.execute(sql: index) }
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
    }

    @Test(arguments: [3, 64, 200])
    func aCallThatBreaksAConstraintInAGroupFailsTheBatch(poisonedLine: Int) throws {
        let directory = try TemporaryDirectory()
        let lines = (1...300).map { row($0, name: $0 == poisonedLine ? "Poison" : "Caller \($0)") }
        let path = try directory.write("calls.csv", bytes: Array((lines.joined(separator: "\n") + "\n").utf8))
        let database = try TollGuardDatabase.inMemory()
        try poisonCheck(database)

        #expect(throws: DatabaseError.self) {
            try CDRFileIngester.forTests(database, format: .fsExample, batchSize: 1_000).ingest(path: path)
        }
        // The batch rolled back whole: no call of it is kept, none was counted a duplicate.
        let stored = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM calls") }
        #expect(stored == 0)
    }

    @Test func theSameCallsWithoutThePoisonGoInWhole() throws {
        let directory = try TemporaryDirectory()
        let lines = (1...300).map { row($0, name: "Caller \($0)") }
        let path = try directory.write("calls.csv", bytes: Array((lines.joined(separator: "\n") + "\n").utf8))
        let database = try TollGuardDatabase.inMemory()
        try poisonCheck(database)

        let summary = try CDRFileIngester.forTests(database, format: .fsExample, batchSize: 1_000).ingest(path: path)
        #expect(summary.inserted == 300)
        #expect(summary.duplicates == 0)
    }
}
