import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardTestSupport

/// Each stock mod_cdr_csv template, field by field.
@Suite struct FreeSWITCHTemplateTests {
    /// 2026-03-29 01:30:00 in Berlin is 00:30 UTC (CET); 03:31:05 is after the DST jump (CEST), 01:31:05 UTC.
    static let berlin = "Europe/Berlin"

    private func ingest(_ fixture: String, zone: String = berlin) throws -> (FileIngestSummary, [Row]) {
        let database = try TollGuardDatabase.inMemory()
        let summary = try CDRFileIngester.forTests(database, zone: zone).ingest(path: FixtureFiles.path(fixture))
        let rows = try database.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM calls ORDER BY id") }
        return (summary, rows)
    }

    private func expectAliceCall(_ row: Row) {
        #expect(row["dedup_key"] == "3f1c9a52-7d1e-4b8a-9c55-0a1b2c3d4e01")
        #expect(row["call_id"] == "3f1c9a52-7d1e-4b8a-9c55-0a1b2c3d4e01")
        #expect(row["account"] == "1001")
        #expect(row["caller_number"] == "1001")
        #expect(row["destination"] == "011442079460018")
        #expect(row["start_utc"] == "2026-03-29 00:30:00")
        #expect(row["answer_utc"] == "2026-03-29 00:30:05")
        #expect(row["end_utc"] == "2026-03-29 01:31:05")
        #expect(row["duration"] == 3665)
        #expect(row["billsec"] == 3660)
        #expect(row["disposition"] == "answered")
        #expect(row["hangup_cause"] == "NORMAL_CLEARING")
    }

    @Test func exampleTemplate() throws {
        let (summary, rows) = try ingest("fs-example.csv")
        #expect(summary.format == .fsExample)
        #expect(summary.inserted == 3)
        #expect(summary.rejected == 0)
        try #require(rows.count == 3)
        expectAliceCall(rows[0])
        #expect(rows[0]["caller_name"] == "Alice Meyer")
        #expect(rows[0]["context"] == "default")
        #expect(rows[0]["source_format"] == "fs-example")
        #expect(rows[0]["line"] == 1)
        // Unanswered, no accountcode: the account falls back to the caller's extension.
        #expect(rows[1]["account"] == "1002")
        #expect(rows[1]["answer_utc"] == nil as String?)
        #expect(rows[1]["disposition"] == "no_answer")
        #expect(rows[1]["billsec"] == 0)
        // FreeSWITCH does not escape quotes inside a quoted field.
        #expect(rows[2]["caller_name"] == "Joe \"Bigs\" Smith")
        #expect(rows[2]["destination"] == "1004")
    }

    @Test func sqlTemplate() throws {
        let (summary, rows) = try ingest("fs-sql.csv")
        #expect(summary.format == .fsSQL)
        try #require(rows.count == 2)
        expectAliceCall(rows[0])
        #expect(rows[0]["caller_name"] == "Alice Meyer")
        #expect(rows[1]["disposition"] == "busy")
        #expect(rows[1]["account"] == "1002")
    }

    @Test func snomTemplate() throws {
        let (summary, rows) = try ingest("fs-snom.csv")
        #expect(summary.format == .fsSnom)
        try #require(rows.count == 1)
        expectAliceCall(rows[0])
        #expect(rows[0]["user_agent"] == "snom370/8.7.5.35")
    }

    @Test func linksysTemplate() throws {
        let (summary, rows) = try ingest("fs-linksys.csv")
        #expect(summary.format == .fsLinksys)
        try #require(rows.count == 1)
        expectAliceCall(rows[0])
        #expect(rows[0]["user_agent"] == "Linksys/SPA942-6.1.5(a)")
    }

    @Test func asteriskTemplate() throws {
        let (summary, rows) = try ingest("fs-asterisk.csv")
        #expect(summary.format == .fsAsterisk)
        try #require(rows.count == 1)
        expectAliceCall(rows[0])
        #expect(rows[0]["caller_name"] == "Alice Meyer")
        #expect(rows[0]["trunk"] == "voipcarrier")
    }

    @Test func openCDRRateTemplate() throws {
        let (summary, rows) = try ingest("fs-opencdrrate.csv")
        #expect(summary.format == .fsOpenCDRRate)
        try #require(rows.count == 1)
        let row = rows[0]
        #expect(row["dedup_key"] == "3f1c9a52-7d1e-4b8a-9c55-0a1b2c3d4e01")
        #expect(row["caller_number"] == "1001")
        #expect(row["destination"] == "011442079460018")
        // No start column: the call starts at its answer.
        #expect(row["start_utc"] == "2026-03-29 00:30:05")
        #expect(row["end_utc"] == "2026-03-29 01:31:05")
        #expect(row["billsec"] == 3660)
        #expect(row["source_ip"] == "203.0.113.7")
        #expect(row["trunk"] == "voipcarrier")
        #expect(row["disposition"] == "answered")
    }

    @Test func sameCallsFromTwoTemplatesShareTheirKey() throws {
        let database = try TollGuardDatabase.inMemory()
        let ingester = CDRFileIngester.forTests(database, zone: Self.berlin)
        _ = try ingester.ingest(path: FixtureFiles.path("fs-example.csv"))
        let second = try ingester.ingest(path: FixtureFiles.path("fs-snom.csv"))
        #expect(second.inserted == 0)
        #expect(second.duplicates == 1)
    }
}
