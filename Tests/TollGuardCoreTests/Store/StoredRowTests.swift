import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardTestSupport

/// A stored value that cannot be read is an error naming the table, the column and the row —
/// never a default that hides it (severity `info`, the date 1970-01-01, a skipped call).
@Suite struct StoredRowTests {
    @Test func anUnknownSeverityNamesTheAlertAndItsColumn() throws {
        let database = try TollGuardDatabase.inMemory()
        let id = try #require(
            try AlertSeeds.store(database, rule: .dailyQuota, severity: .high, subject: Subject(.account, "1001")))
        #expect(try database.alert(id: id)?.severity == .high)
        try database.writer.write { db in try db.execute(sql: "UPDATE alerts SET severity = 'urgent'") }
        let error = try #require(throws: StoredValueError.self) { try database.alerts() }
        #expect(error.table == "alerts" && error.column == "severity" && error.row == "id \(id)")
        #expect(error.description.contains("\"urgent\""))
    }

    @Test func aTimeThatIsNoTimeNamesTheSuspensionAndItsColumn() throws {
        let database = try TollGuardDatabase.inMemory()
        let decider = ActionDecider(database: database, settings: ActionSettings())
        guard
            case .suspended(let suspension) = try decider.suspend(account: "1001", reason: "r", until: nil, actor: "a")
        else {
            Issue.record("not suspended")
            return
        }
        try database.writer.write { db in try db.execute(sql: "UPDATE suspensions SET created_utc = 'yesterday'") }
        let error = try #require(throws: StoredValueError.self) { try database.suspensions() }
        #expect(error.table == "suspensions" && error.column == "created_utc" && error.row == "id \(suspension.id)")
    }

    @Test func aCallWithAnUnreadableStartStopsTheAnalysisAndSaysWhichCall() throws {
        let database = try TollGuardDatabase.inMemory()
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let record = CallRecord(
            dedupKey: "k1", callID: "k1", account: "1001", callerNumber: "1001", destination: "2125550100",
            context: "default", startedAt: start, answeredAt: start.addingTimeInterval(2),
            endedAt: start.addingTimeInterval(60), duration: 60, billsec: 58, disposition: .answered,
            hangupCause: "NORMAL_CLEARING")
        _ = try database.store([(record, nil)], source: "test")
        // A disposition that is none of ours: the analysis must not read it as some other.
        try database.writer.write { db in try db.execute(sql: "UPDATE calls SET disposition = 'maybe'") }
        let error = try #require(throws: StoredValueError.self) {
            try database.forEachObservedCall(from: start.addingTimeInterval(-60), to: start.addingTimeInterval(60)) {
                _ in
            }
        }
        #expect(error.table == "calls" && error.column == "disposition")
        #expect(error.row.hasPrefix("id "))
    }

    /// Migration v8 keeps a frozen copy of the key function it used; today it must still be the
    /// function the store inserts with (when `CallKeyHash` changes, a new migration rehashes).
    @Test func theFrozenKeyOfMigrationV8IsTheKeyTheStoreWritesToday() {
        let starts = ["2026-11-20 00:00:00", "2026-11-20 13:59:59", "1999-12-31 23:00:00", "2026-03-29 01:30"]
        for key in ["5e4e0000-0000-4000-8000-000000000001", "1700000000.42", "", "ü-key"] {
            for text in starts {
                let start = CivilTime.parseUTC(dateOrDateTime: text).map(CivilTime.epochSeconds)
                #expect(
                    KeyHashV8.value(dedupKey: key, startUTC: text)
                        == start.map {
                            CallKeyHash.value(key: key, startedAt: $0)
                        })
            }
        }
        #expect(KeyHashV8.value(dedupKey: "k", startUTC: "not a time") == nil)
    }
}
