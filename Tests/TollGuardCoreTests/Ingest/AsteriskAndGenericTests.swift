import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardTestSupport

@Suite struct AsteriskMasterCSVTests {
    private func rows(_ fixture: String) throws -> (FileIngestSummary, [Row]) {
        let database = try TollGuardDatabase.inMemory()
        let summary = try CDRFileIngester.forTests(database, zone: "Europe/Berlin").ingest(
            path: FixtureFiles.path(fixture))
        return (
            summary, try database.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM calls ORDER BY id") }
        )
    }

    @Test func eighteenColumns() throws {
        let (summary, rows) = try rows("asterisk-18.csv")
        #expect(summary.format == .asterisk)
        // Two rows share uniqueid 1774767600.2 (a fork): both are kept.
        try #require(rows.count == 3)
        let first = rows[0]
        #expect(first["call_id"] == "1774747800.1")
        #expect(first["account"] == "1001")  // no accountcode: the PJSIP endpoint
        #expect(first["caller_name"] == "Alice Meyer")
        #expect(first["destination"] == "011442079460018")
        #expect(first["context"] == "from-internal")
        #expect(first["trunk"] == "voipcarrier")
        #expect(first["start_utc"] == "2026-03-29 00:30:00")
        #expect(first["end_utc"] == "2026-03-29 01:31:05")
        #expect(first["duration"] == 3665)
        #expect(first["billsec"] == 3660)
        #expect(first["disposition"] == "answered")
        #expect(rows[1]["disposition"] == "no_answer")
        #expect(rows[1]["answer_utc"] == nil as String?)
        #expect(rows[1]["trunk"] == "voipcarrier")
        #expect(rows[2]["disposition"] == "busy")
        #expect(rows[1]["call_id"] == rows[2]["call_id"] as String?)
        #expect(rows[1]["dedup_key"] != rows[2]["dedup_key"] as String?)
    }

    @Test func sixteenColumnsUseAccountCodeAndRowHash() throws {
        let (summary, rows) = try rows("asterisk-16.csv")
        #expect(summary.format == .asterisk)
        try #require(rows.count == 1)
        #expect(rows[0]["account"] == "acct7")
        #expect(rows[0]["call_id"] == "")
        #expect((rows[0]["dedup_key"] as String).hasPrefix("#"))
        #expect(rows[0]["trunk"] == nil as String?)  // SIP/100 dials a local endpoint
    }

    @Test func seventeenColumnsReadTheUniqueID() throws {
        let (_, rows) = try rows("asterisk-17.csv")
        try #require(rows.count == 1)
        #expect(rows[0]["call_id"] == "1774785600.7")
    }

    @Test func twentyOneColumnsKeyOnUniqueIDAndSequence() throws {
        let (summary, rows) = try rows("asterisk-21.csv")
        #expect(summary.format == .asterisk)
        try #require(rows.count == 2)
        #expect(rows[0]["dedup_key"] == "1774747800.1/3")
        #expect(rows[1]["dedup_key"] == "1774747800.1/4")
    }
}

@Suite struct GenericCSVTests {
    @Test func headerAliasesAndOffsets() throws {
        let database = try TollGuardDatabase.inMemory()
        var options = IngestOptions(timeZone: .named("America/New_York"))
        options.columnMap = [
            "call_id": "CallUUID", "account": "Ext", "destination": "Dialed", "start": "Started",
            "answer": "Answered", "end": "Ended", "billsec": "Billable", "disposition": "Result", "source_ip": "SrcIP",
            "trunk": "Carrier",
        ]
        let summary = try CDRFileIngester(database: database, options: options, logger: testLogger).ingest(
            path: FixtureFiles.path("generic.csv"))
        #expect(summary.format == .csv)
        #expect(summary.inserted == 2)
        let rows = try database.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM calls ORDER BY id") }
        try #require(rows.count == 2)
        #expect(rows[0]["dedup_key"] == "c-1")
        #expect(rows[0]["account"] == "1001")
        #expect(rows[0]["destination"] == "+442079460018")
        #expect(rows[0]["start_utc"] == "2026-03-29 00:30:00")
        #expect(rows[0]["source_ip"] == "198.51.100.4")
        #expect(rows[0]["trunk"] == "voipcarrier")
        #expect(rows[0]["disposition"] == "answered")
        // An explicit offset wins over the site zone.
        #expect(rows[1]["start_utc"] == "2026-03-29 07:00:00")
        #expect(rows[1]["disposition"] == "no_answer")
    }

    /// Exports of one system share their header line: each file is still a file of its own in
    /// `ingested_files`, and its bad rows are kept even when another file had one on that line.
    @Test func filesWithTheSameHeaderAreTwoFiles() throws {
        let directory = try TemporaryDirectory()
        let header = "CallUUID,Ext,Dialed,Started,Ended,Billable,Result\n"
        func export(_ name: String, _ id: String) throws -> String {
            try directory.write(
                name,
                text: header + "\(id)-1,1001,2125550100,2026-03-29T10:00:00Z,2026-03-29T10:01:00Z,60,ANSWERED\n"
                    + "\(id)-2,1001,2125550101,not a time,2026-03-29T10:02:00Z,60,ANSWERED\n"
                    + "\(id)-3,1002,2125550102,2026-03-29T10:03:00Z,2026-03-29T10:04:00Z,60,ANSWERED\n")
        }
        let monday = try export("monday.csv", "m")
        let tuesday = try export("tuesday.csv", "t")
        let database = try TollGuardDatabase.inMemory()
        var options = IngestOptions(timeZone: .named("UTC"))
        options.columnMap = [
            "call_id": "CallUUID", "account": "Ext", "destination": "Dialed", "start": "Started", "end": "Ended",
            "billsec": "Billable", "disposition": "Result",
        ]
        let ingester = CDRFileIngester(database: database, options: options, logger: testLogger)
        for path in [monday, tuesday] {
            let summary = try ingester.ingest(path: path)
            #expect(summary.inserted == 2 && summary.rejected == 1, "\(path)")
        }
        let (files, rejected) = try database.writer.read { db in
            (
                try String.fetchAll(db, sql: "SELECT path FROM ingested_files ORDER BY id"),
                try Row.fetchAll(db, sql: "SELECT path, line FROM rejected_rows ORDER BY id")
            )
        }
        #expect(files == [monday, tuesday])
        #expect(rejected.map { "\($0["path"] as String):\($0["line"] as Int)" } == ["\(monday):3", "\(tuesday):3"])
        // Each is still known again as itself: nothing new the second time, and a grown export
        // is read on from its checkpoint.
        #expect(try ingester.ingest(path: tuesday).inserted == 0)
        #expect(try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM rejected_rows") } == 2)
        try appendToFile(
            Array("m-4,1003,2125550103,2026-03-29T11:00:00Z,2026-03-29T11:01:00Z,60,ANSWERED\n".utf8), path: monday)
        let grown = try ingester.ingest(path: monday)
        #expect(grown.resumedAfterLine == 4 && grown.inserted == 1)
    }

    @Test func unmappedHeaderIsAClearError() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("weird.csv", text: "a,b,c\n1,2,3\n")
        let database = try TollGuardDatabase.inMemory()
        var options = IngestOptions(timeZone: .named("UTC"))
        options.format = .csv
        #expect(throws: IngestError.self) {
            try CDRFileIngester(database: database, options: options, logger: testLogger).ingest(path: path)
        }
    }
}
