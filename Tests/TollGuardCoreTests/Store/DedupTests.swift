import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardTestSupport

@Suite struct DedupTests {
    private func call(_ key: String) -> CallRecord {
        CallRecord(
            dedupKey: key, callID: key, account: "1001", callerNumber: "1001", destination: "100",
            startedAt: Date(timeIntervalSince1970: 1_774_000_000), endedAt: Date(timeIntervalSince1970: 1_774_000_060),
            duration: 60, billsec: 55, disposition: .answered)
    }

    private func commit(_ records: [CallRecord], _ database: TollGuardDatabase, fileID: Int64) throws -> BatchOutcome {
        var batch = IngestBatch()
        batch.calls = records.enumerated().map { IngestBatch.PendingCall(record: $1, line: $0 + 1) }
        batch.rowsRead = records.count
        return try database.commit(batch, fileID: fileID, path: "test", format: .fsExample)
    }

    @Test func hashCollisionKeepsBothCallsAndStillDedupes() throws {
        let database = try TollGuardDatabase.inMemory()
        let fileID = try database.registerFile(fingerprint: "f", path: "test", format: .fsExample, compressed: false, restart: false)
        #expect(try commit([call("first-call")], database, fileID: fileID).inserted == 1)
        // Learn the hash "second-call" gets, then forge a collision: a different key stored under it.
        #expect(try commit([call("second-call")], database, fileID: fileID).inserted == 1)
        try database.writer.write { db in
            let hash = try Int64.fetchOne(db, sql: "SELECT key_hash FROM calls WHERE dedup_key = 'second-call'")
            try db.execute(sql: "DELETE FROM calls WHERE dedup_key = 'second-call'")
            try db.execute(
                sql: """
                    INSERT INTO calls (key_hash, dedup_key, call_id, account, caller_number, caller_name, destination,
                        context, start_utc, end_utc, duration, billsec, disposition, hangup_cause, source_format)
                    VALUES (?, 'decoy', '', '', '', '', '', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 0, 0,
                        'failed', '', 'test')
                    """, arguments: [hash])
        }
        // "second-call" now finds its hash taken by "decoy": it must still be stored, once.
        #expect(try commit([call("second-call")], database, fileID: fileID).inserted == 1)
        let again = try commit([call("second-call"), call("first-call")], database, fileID: fileID)
        #expect(again.inserted == 0)
        #expect(again.duplicates == 2)
        let keys = try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT dedup_key FROM calls ORDER BY dedup_key")
        }
        #expect(keys == ["decoy", "first-call", "second-call"])
    }
}
