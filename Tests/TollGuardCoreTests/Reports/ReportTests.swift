import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardTestSupport

/// The morning report: its structure (golden file), escaping of everything from a CDR, the
/// alerts CSV's formula neutralization, and the figures built from a store.
@Suite struct ReportTests {
    static let hostileName = "<script>alert('x')</script><img src=x onerror=alert(1)>"

    /// A small fixed report: two hours, two accounts, one country, one alert with hostile evidence.
    static func sampleReport() -> PeriodReport {
        let evidence = PeriodReport.EvidenceRow(
            time: "2026-11-12 02:10:07", account: "1023", callerName: hostileName, dialed: "=cmd|'/C calc'!A0",
            number: "+37190000021", region: "Latvia", scope: "international", billsec: 300, disposition: "answered",
            costMicros: 9_000_000)
        return PeriodReport(
            name: "2026-11-12", site: "Head office & \"lab\"", timeZone: "America/New_York", currency: "USD",
            from: "2026-11-12 00:00", to: "2026-11-12 02:00", generated: "2026-11-13 06:00:00Z",
            totals: PeriodReport.Totals(
                calls: 12, answered: 9, minutes: 40, international: 3, spendMicros: 12_500_000,
                alertsBySeverity: ["critical": 1]),
            hours: [
                PeriodReport.Hour(start: "2026-11-12 00:00", calls: 2, answered: 1, spendMicros: 0),
                PeriodReport.Hour(start: "2026-11-12 01:00", calls: 10, answered: 8, spendMicros: 12_500_000),
            ],
            accounts: [
                PeriodReport.AccountSpend(
                    account: "1023", calls: 4, spendMicros: 12_000_000, peakDay: "2026-11-12",
                    peakDaySpendMicros: 12_000_000, dailyQuotaMicros: 10_000_000),
                PeriodReport.AccountSpend(
                    account: "<b>1001</b>", calls: 8, spendMicros: 500_000, peakDay: "2026-11-12",
                    peakDaySpendMicros: 500_000, dailyQuotaMicros: nil),
            ],
            countries: [
                PeriodReport.CountryTotal(region: "LV", name: "Latvia", calls: 3, minutes: 15, spendMicros: 12_000_000)
            ],
            alerts: [
                PeriodReport.Alert(
                    id: 7, rule: "fraud_list_destination", severity: "critical", subjectType: "account",
                    subject: "1023", state: "open", firstSeen: "2026-11-12 01:10", lastSeen: "2026-11-12 01:40",
                    summary: "1023 called +37190000021 <listed>", calls: 3, spendMicros: 12_000_000,
                    evidence: [evidence])
            ])
    }

    static var goldenURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/reports/golden-report.html")
    }

    /// The whole page, byte for byte. After an intended change: TOLLGUARD_UPDATE_GOLDEN=1 swift test --filter ReportTests
    @Test func theHTMLMatchesTheGoldenFile() throws {
        let html = HTMLReportRenderer.render(Self.sampleReport())
        if ProcessInfo.processInfo.environment["TOLLGUARD_UPDATE_GOLDEN"] == "1" {
            try html.write(to: Self.goldenURL, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: FixtureFiles.url("reports/golden-report.html"), encoding: .utf8)
        #expect(html == golden)
        // Its sections, in order, and nothing loaded from elsewhere.
        let sections = [
            "id=\"totals\"", "id=\"hourly\"", "id=\"accounts\"", "id=\"countries\"", "id=\"alerts\"", "id=\"actions\"",
        ]
        let positions = sections.compactMap { html.range(of: $0)?.lowerBound }
        #expect(positions.count == sections.count && positions == positions.sorted())
        #expect(html.components(separatedBy: "<svg ").count - 1 == 4)
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<link"))
    }

    /// A RIGHT-TO-LEFT OVERRIDE in a name cannot reverse the rest of a line, and a 60 KB name
    /// cannot bloat the page: each value is shown without bidi controls, cut at 1,000 characters.
    @Test func hostileNamesCannotReorderOrBloatAPage() {
        var report = Self.sampleReport()
        report.alerts[0].subject = "1001\u{202E}gnp.exe"
        report.alerts[0].summary = String(repeating: "A", count: 60_000)
        let html = HTMLReportRenderer.render(report)
        #expect(!html.unicodeScalars.contains(where: DisplayText.isBidiControl))
        #expect(html.contains("1001?gnp.exe"))
        #expect(!html.contains(String(repeating: "A", count: DisplayText.defaultLimit + 1)))
        #expect(html.contains(String(repeating: "A", count: DisplayText.defaultLimit) + "…"))
        #expect(DisplayText.bounded("Müller \u{2067}x\u{2069} & Söhne") == "Müller ?x? & Söhne")
        #expect(DisplayText.bounded("plain") == "plain")
    }

    @Test func everythingFromACDRIsEscapedInHTML() {
        let html = HTMLReportRenderer.render(Self.sampleReport())
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>1001"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("Head office &amp; &quot;lab&quot;"))
        #expect(html.contains("1023 called +37190000021 &lt;listed&gt;"))
    }

    @Test func spreadsheetFormulasAreNeutralizedInTheCSV() {
        for formula in ["=1+2", "+37190000021", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd"] {
            #expect(AlertsCSV.cell(formula).hasPrefix("'") || AlertsCSV.cell(formula).hasPrefix("\"'"), "\(formula)")
        }
        // Every cell quoted: a spreadsheet that splits on ";" keeps it whole; a formula after a
        // ";" is neutralized too.
        #expect(AlertsCSV.cell("plain") == "\"plain\"")
        #expect(AlertsCSV.cell("a,b") == "\"a,b\"")
        #expect(AlertsCSV.cell("x;=1+1;y") == "\"x;'=1+1;y\"")
        #expect(AlertsCSV.cell("x\t@SUM(A1)") == "\"x\t'@SUM(A1)\"")
        #expect(AlertsCSV.cell("say \"hi\"") == "\"say \"\"hi\"\"\"")
        var report = Self.sampleReport()
        report.alerts[0].subject = "=HYPERLINK(\"http://evil\",\"x\")"
        report.alerts[0].summary = "+1 called"
        let csv = AlertsCSV.render(report)
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == AlertsCSV.header.joined(separator: ","))
        #expect(lines[1].contains(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\","))
        #expect(lines[1].contains(",\"'+1 called\","))
        // The dialled evidence starts with = too.
        #expect(lines[1].hasSuffix(",\"'=cmd|'/C calc'!A0\""))
        // No cell of any row starts a formula.
        for line in lines.dropFirst() where !line.isEmpty {
            #expect(!line.hasPrefix("=") && !line.contains(",=") && !line.contains(",+") && !line.contains(",@"))
            #expect(!line.contains(",\"=") && !line.contains(",\"+") && !line.contains(",\"@"))
        }
    }

    @Test func theBuilderCountsTheStoredDayAndCarriesAlertsWithTheirEvidence() throws {
        let (database, run) = try AlertStoreTests.storedNight()
        let zone = TimeZone.named("America/New_York")
        let day = LocalClock.day(containing: CivilTime.parseUTC(dateOrDateTime: "2026-11-20 12:00")!, in: zone)
        _ = try run.run(from: day.from, to: day.to)
        let builder = ReportBuilder(
            database: database, configuration: run.configuration, timeZone: zone, countryNames: ["LV": "Latvia"])
        let report = try builder.build(from: day.from, to: day.to)
        #expect(report.name == "2026-11-20")
        #expect(report.hours.count == 24 && report.hours.first?.start == "2026-11-20 00:00")
        #expect(report.totals.calls == 34 && report.hours.map(\.calls).reduce(0, +) == 34)
        // The night's 14 calls start at 02:10 local.
        #expect(report.hours[2].calls == 14 && report.hours[2].spendMicros > 0)
        #expect(report.accounts.first?.account == "1023")
        #expect(report.accounts.first?.dailyQuotaMicros == 50_000_000)
        #expect(report.countries.map(\.region).contains("LV"))
        #expect(!report.alerts.isEmpty)
        #expect(report.alerts.allSatisfy { !$0.evidence.isEmpty && $0.evidence.allSatisfy { $0.account == "1023" } })
        #expect(report.totals.alertsBySeverity.values.reduce(0, +) == report.alerts.count)
        #expect(report.actions.isEmpty)
        // Written as three files.
        let directory = try TemporaryDirectory()
        let paths = try ReportWriter(folder: URL(fileURLWithPath: directory.path("reports"))).write(report)
        #expect(
            paths.map { URL(fileURLWithPath: $0).lastPathComponent } == [
                "2026-11-20.html", "2026-11-20.json", "2026-11-20-alerts.csv",
            ])
        let decoded = try JSONDecoder().decode(
            PeriodReport.self, from: Data(contentsOf: URL(fileURLWithPath: paths[1])))
        #expect(decoded == report)
    }

    /// The morning report lists what was done on its day: suspensions (enforced and report-only),
    /// liftings and kills, oldest first; nothing of the days around it.
    @Test func theReportListsTheDaysSuspensionsAndKills() throws {
        let database = try TollGuardDatabase.inMemory()
        let zone = TimeZone.named("UTC")
        let day = LocalClock.day(containing: AlertSeeds.start, in: zone)
        let decider = ActionDecider(database: database, settings: ActionSettings())
        _ = try decider.suspend(
            account: "1019", reason: "IRSF burst", until: nil, actor: "policy", now: day.from.addingTimeInterval(3_600))
        try database.record(
            CallKill(
                uuid: "b0000000-0000-4000-8000-000000000001", account: "1019", reason: "suspended (suspension 1)",
                at: day.from.addingTimeInterval(3_601), reply: "+OK"))
        _ = try decider.unsuspend(
            account: "1019", comment: "password changed", actor: "alice", now: day.from.addingTimeInterval(7_200))
        // The day after: not in this report.
        _ = try decider.suspend(
            account: "1020", reason: "later", until: nil, actor: "bob", now: day.to.addingTimeInterval(60))
        try database.writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO suspensions (account, enforced, reason, actor, created_utc)
                    VALUES ('1021', 0, 'quota', 'policy', ?)
                    """, arguments: [StoredTime.text(day.from.addingTimeInterval(5_000))])
        }
        let report = try ReportBuilder(
            database: database, configuration: TollGuardConfiguration(), timeZone: zone, countryNames: [:]
        ).build(from: day.from, to: day.to)
        #expect(report.actions.map(\.kind) == ["suspended", "call killed", "would suspend", "lifted"])
        #expect(report.actions.map(\.account) == ["1019", "1019", "1021", "1019"])
        #expect(report.actions[0].detail == "suspension 1 by policy: IRSF burst")
        #expect(report.actions[3].detail == "suspension 1 by alice")
        let html = HTMLReportRenderer.render(report)
        #expect(html.contains("<td>call killed</td><td>1019</td>"))
    }

    /// A site with several switches sees its calls and spend per switch; a store without named
    /// switches shows no such section.
    @Test func theReportCountsTheCallsOfEachSwitch() throws {
        let database = try TollGuardDatabase.inMemory()
        let zone = TimeZone.named("UTC")
        let day = LocalClock.day(containing: AlertSeeds.start, in: zone)
        func call(_ index: Int, answered: Bool) -> (CallRecord, CallDestination?) {
            let start = day.from.addingTimeInterval(Double(3_600 + index * 60))
            return (
                CallRecord(
                    dedupKey: "switch-\(index)", callID: "switch-\(index)", account: "1001", callerNumber: "1001",
                    destination: "2125550100", context: "default", startedAt: start,
                    answeredAt: answered ? start.addingTimeInterval(2) : nil, endedAt: start.addingTimeInterval(62),
                    duration: 62, billsec: answered ? 60 : 0, disposition: answered ? .answered : .noAnswer,
                    hangupCause: answered ? "NORMAL_CLEARING" : "NO_ANSWER"), nil
            )
        }
        let builder = ReportBuilder(
            database: database, configuration: TollGuardConfiguration(), timeZone: zone, countryNames: [:])
        _ = try database.store([call(0, answered: true)], source: "fs-json-cdr")
        #expect(try builder.build(from: day.from, to: day.to).switches == nil)
        _ = try database.store(
            [call(1, answered: true), call(2, answered: false)], source: "asterisk-ami", switchName: "pbx-east")
        let report = try builder.build(from: day.from, to: day.to)
        let switches = try #require(report.switches)
        #expect(switches.map(\.name) == ["pbx-east", PeriodReport.SwitchTotal.noSwitch])
        #expect(switches.map(\.calls) == [2, 1] && switches.map(\.answered) == [1, 1])
        let html = HTMLReportRenderer.render(report)
        #expect(html.contains("<section id=\"switches\">") && html.contains("<td>pbx-east</td><td>2</td><td>1</td>"))
    }
}
