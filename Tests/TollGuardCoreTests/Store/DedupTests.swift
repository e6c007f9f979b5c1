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
        for (index, record) in records.enumerated() { batch.calls.append(record, destination: nil, line: index + 1) }
        batch.rowsRead = records.count
        return try database.commit(batch, fileID: fileID, path: "test", format: .fsExample)
    }

    @Test func hashCollisionKeepsBothCallsAndStillDedupes() throws {
        let database = try TollGuardDatabase.inMemory()
        let fileID = try database.registerFile(
            fingerprint: "f", path: "test", format: .fsExample, compressed: false, restart: false)
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

    /// Ingest commits with SQLite's per-row foreign-key lookup off: a batch naming a file that was
    /// never registered must still be refused, with nothing written.
    @Test func aBatchOfAFileNeverRegisteredIsRefused() throws {
        let database = try TollGuardDatabase.inMemory()
        #expect(throws: DatabaseError.self) { try commit([call("orphan")], database, fileID: 42) }
        #expect(try database.callCount() == 0)
        // The connection checks foreign keys again afterwards.
        let enforced = try database.writer.read { db in try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") }
        #expect(enforced == true)
    }

    /// Ingest inserts calls in groups of 128 with one statement: groups holding calls stored
    /// before, a call twice, a call under a neighbouring day and a hash collision must store and
    /// count exactly what inserting them one by one does.
    @Test func callsInsertedAsAGroupAreDedupedAndCountedAsOneByOne() throws {
        let database = try TollGuardDatabase.inMemory()
        let fileID = try database.registerFile(
            fingerprint: "f", path: "test", format: .fsExample, compressed: false, restart: false)
        let noon: TimeInterval = 1_774_008_000  // 2026-03-20 12:00 UTC
        func call(_ key: String, at start: TimeInterval = noon) -> CallRecord {
            CallRecord(
                dedupKey: key, callID: key, account: "1001", callerNumber: "1001", destination: "100",
                startedAt: Date(timeIntervalSince1970: start), endedAt: Date(timeIntervalSince1970: start + 60),
                duration: 60, billsec: 55, disposition: .answered)
        }
        // Stored before: five calls, and a decoy under the hash "victim" will get.
        for index in 0..<5 { _ = try database.store([(call("before-\(index)"), nil)], source: "x") }
        _ = try database.store([(call("victim"), nil)], source: "x")
        try database.writer.write { db in
            try db.execute(sql: "UPDATE calls SET dedup_key = 'decoy', call_id = 'decoy' WHERE dedup_key = 'victim'")
        }
        var batch = (0..<300).map { call("new-\($0)") }
        batch[3] = call("twice")
        batch[200] = call("twice")
        batch[7] = call("before-2")
        batch[150] = call("before-4")
        batch[127] = call("split-by-groups", at: noon + 12 * 3_600 + 30)
        batch[128] = call("split-by-groups", at: noon + 11 * 3_600)
        batch[20] = call("victim")
        batch[21] = call("victim")
        // One call seen by two sources: late evening on D+1's side of midnight, then 14 hours earlier on day D.
        batch[10] = call("across-midnight", at: noon + 12 * 3_600 + 60)
        batch[12] = call("across-midnight", at: noon + 10 * 3_600 - 60)
        let distinctNew = Set(batch.map(\.dedupKey)).subtracting((0..<5).map { "before-\($0)" })
        let first = try commit(batch, database, fileID: fileID)
        #expect(first.inserted == distinctNew.count)
        #expect(first.duplicates == batch.count - distinctNew.count)
        let stored = try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT dedup_key FROM calls")
        }
        #expect(stored.count == Set(stored).count, "a call stored twice")
        #expect(Set(stored) == distinctNew.union((0..<5).map { "before-\($0)" }).union(["decoy"]))
        let again = try commit(batch, database, fileID: fileID)
        #expect(again.inserted == 0)
        #expect(again.duplicates == batch.count)
    }
}

@Suite struct DayOrderedKeyTests {
    private func call(_ key: String, startingAt epochSeconds: TimeInterval) -> CallRecord {
        CallRecord(
            dedupKey: key, callID: key, account: "1001", callerNumber: "1001", destination: "100",
            startedAt: Date(timeIntervalSince1970: epochSeconds),
            endedAt: Date(timeIntervalSince1970: epochSeconds + 60),
            duration: 60, billsec: 55, disposition: .answered)
    }

    @Test func storedValuesRiseWithTheStartDay() throws {
        let day: Int64 = 86_400
        let start: Int64 = 1_774_051_200  // 2026-03-21 00:00:00 UTC
        let values = (0..<5).map { CallKeyHash.value(key: "call-\($0)", startedAt: start + Int64($0) * day + 3_600) }
        #expect(values == values.sorted())
        #expect(values.allSatisfy { $0 > 0 })
        // Within one day the order is the hash's, not the time's.
        let sameDay = CallKeyHash.value(key: "call-0", startedAt: start + 80_000)
        #expect(sameDay == values[0])
    }

    @Test func aCallSeenWithAStartHoursApartAcrossMidnightIsOneCall() throws {
        let database = try TollGuardDatabase.inMemory()
        let lateEvening: TimeInterval = 1_774_050_000  // 2026-03-20 23:40 UTC
        #expect(
            try database.store([(call("uuid-a", startingAt: lateEvening), nil)], source: "fs-event-socket").inserted
                == 1)
        // The nightly CSV, converted with a time zone two hours off, puts its start on the next day.
        let shifted = try database.store(
            [(call("uuid-a", startingAt: lateEvening + 7_200), nil)], source: "fs-example")
        #expect(shifted.duplicates == 1)
        // And the other way round: stored in the early hours, seen again the evening before.
        let earlyMorning: TimeInterval = 1_774_141_200  // 2026-03-22 01:00 UTC
        #expect(
            try database.store([(call("uuid-b", startingAt: earlyMorning), nil)], source: "fs-example").inserted == 1)
        #expect(
            try database.store([(call("uuid-b", startingAt: earlyMorning - 10_800), nil)], source: "x").duplicates == 1)
        // Days apart it is another call (another day's slot, and not a neighbour's).
        #expect(
            try database.store([(call("uuid-b", startingAt: earlyMorning + 2 * 86_400), nil)], source: "x").inserted
                == 1)
        #expect(try database.callCount() == 3)
    }

    /// Commits `calls` as one ingest batch of file `fileID`, through the run's `dayKeys`.
    private func commit(
        _ calls: [CallRecord], _ database: TollGuardDatabase, fileID: Int64, dayKeys: StoredDayKeys
    ) throws -> BatchOutcome {
        var batch = IngestBatch()
        for (index, record) in calls.enumerated() { batch.calls.append(record, destination: nil, line: index + 1) }
        batch.rowsRead = calls.count
        return try database.commit(batch, fileID: fileID, path: "test", format: .fsExample, dayKeys: dayKeys)
    }

    private static let noon: TimeInterval = 1_774_008_000  // 2026-03-20 12:00 UTC
    private static let hour: TimeInterval = 3_600

    @Test func anIngestRunFindsACallItStoredOnTheNeighbouringDayEarlierInTheRun() throws {
        let database = try TollGuardDatabase.inMemory()
        let fileID = try database.registerFile(
            fingerprint: "f", path: "test", format: .fsExample, compressed: false, restart: false)
        let dayKeys = StoredDayKeys()
        // Noon on day D looks at D+1 (empty, and now remembered); the next morning's call is then
        // stored on D+1 and must join what the run remembers of it.
        let first = try commit(
            [call("noon-d", startingAt: Self.noon), call("uuid-x", startingAt: Self.noon + 23 * Self.hour)], database,
            fileID: fileID, dayKeys: dayKeys)
        #expect(first.inserted == 2)
        // The same call again with a start two hours earlier, on day D: a duplicate, found under D+1.
        let second = try commit(
            [call("uuid-x", startingAt: Self.noon + 9 * Self.hour)], database, fileID: fileID, dayKeys: dayKeys)
        #expect(second.duplicates == 1)
        #expect(try database.callCount() == 2)
    }

    @Test func callsStoredOutsideTheRunBetweenItsBatchesAreStillFound() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("day-keys-\(UUID()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let database = try TollGuardDatabase.open(path: path)
        let fileID = try database.registerFile(
            fingerprint: "f", path: "test", format: .fsExample, compressed: false, restart: false)
        let dayKeys = StoredDayKeys()
        #expect(
            try commit([call("noon-d", startingAt: Self.noon)], database, fileID: fileID, dayKeys: dayKeys).inserted
                == 1)
        // Another process stores a call on D+1, which the run has read as empty (another connection commits).
        let otherProcess = try TollGuardDatabase.open(path: path)
        #expect(
            try otherProcess.store([(call("uuid-y", startingAt: Self.noon + 23 * Self.hour), nil)], source: "x")
                .inserted == 1)
        let afterOtherProcess = try commit(
            [call("uuid-y", startingAt: Self.noon + 9 * Self.hour)], database, fileID: fileID, dayKeys: dayKeys)
        #expect(afterOtherProcess.duplicates == 1)
        // This process's live path stores one on the same connection.
        #expect(
            try database.store([(call("uuid-z", startingAt: Self.noon + 22 * Self.hour), nil)], source: "x").inserted
                == 1)
        let afterLivePath = try commit(
            [call("uuid-z", startingAt: Self.noon + 8 * Self.hour)], database, fileID: fileID, dayKeys: dayKeys)
        #expect(afterLivePath.duplicates == 1)
        #expect(try database.callCount() == 3)
    }

    @Test func migrationMovesStoredCallsToDayOrderedValuesAndReingestInsertsNothing() throws {
        let queue = try DatabaseQueue()
        try TollGuardDatabase.migrator.migrate(queue, upTo: "v7-followed-files")
        let calls = (0..<30).map { call("legacy-\($0)", startingAt: 1_774_000_000 + TimeInterval($0) * 7_000) }
        try queue.write { db in
            for (index, record) in calls.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO calls (key_hash, dedup_key, call_id, account, caller_number, caller_name, destination,
                            context, start_utc, end_utc, duration, billsec, disposition, hangup_cause, source_format)
                        VALUES (?, ?, ?, '1001', '1001', '', '100', 'default', ?, ?, 60, 55, 'answered', '', 'fs-example')
                        """,
                    arguments: [
                        Int64(index) * 7_919 - 100_000, record.dedupKey, record.callID,
                        CivilTime.utcText(record.startedAt),
                        CivilTime.utcText(record.endedAt),
                    ])
            }
        }
        let database = try TollGuardDatabase(writer: queue)
        let stored = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT dedup_key, key_hash FROM calls ORDER BY id").map {
                ($0["dedup_key"] as String, $0["key_hash"] as Int64?)
            }
        }
        for (record, row) in zip(calls, stored) {
            #expect(row.0 == record.dedupKey)
            #expect(
                row.1
                    == CallKeyHash.value(key: record.dedupKey, startedAt: Int64(record.startedAt.timeIntervalSince1970))
            )
        }
        let again = try database.store(calls.map { ($0, nil) }, source: "fs-example")
        #expect(again.inserted == 0)
        #expect(again.duplicates == calls.count)
    }
}
