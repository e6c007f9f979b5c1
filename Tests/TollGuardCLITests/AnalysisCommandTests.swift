import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// `quota`, `analyze` and `alerts` end to end on the built executable.
@Suite struct AnalysisCommandTests {
    /// An Asterisk Master.csv: a US office day for 1001 and a night of premium calls from 1023.
    static func masterCSV(day: String = "2026-11-20") -> String {
        var rows: [String] = []
        func row(_ account: String, _ dialed: String, _ start: String, _ billsec: Int, _ id: String) -> String {
            let answer = start
            return
                "\"\",\"\(account)\",\"\(dialed)\",\"from-internal\",\"\\\"Office\\\" <\(account)>\",\"PJSIP/\(account)-0001\","
                + "\"PJSIP/trunk-0002\",\"Dial\",\"PJSIP/\(dialed)@trunk\",\"\(start)\",\"\(answer)\",\"\(start)\","
                + "\(billsec + 3),\(billsec),\"ANSWERED\",\"DOCUMENTATION\",\"\(id)\",\"\""
        }
        for index in 0..<10 {
            rows.append(row("1001", "912025550\(100 + index)", "\(day) 10:\(10 + index):00", 120, "day.\(index)"))
        }
        for index in 0..<12 {
            rows.append(
                row("1023", "9011371900000\(10 + index)", "\(day) 02:\(10 + index):00", 900, "night.\(index)"))
        }
        return rows.joined(separator: "\n") + "\n"
    }

    @Test func quotaAnalyzeAndAlertsWorkTogether() async throws {
        let folder = try TemporaryDirectory()
        let config = try folder.write(
            "tollguard.toml",
            text: """
                [site]
                timezone = "America/New_York"
                [dialplan]
                home_region = "US"
                outside_line_prefixes = ["9"]
                """)
        let csv = try folder.write("Master.csv", text: Self.masterCSV())
        let db = folder.path("tg.sqlite")
        let common = ["--config", config, "--db", db]
        let reports = ["--reports", folder.path("reports")]
        try await CLITests.run(["rates", "import", "--example"] + common)
        #expect(try await CLITests.run(["ingest", csv] + common).status == 0)

        #expect(
            try await CLITests.run(["quota", "set", "1023", "30"] + common).stdout.contains(
                "quota for 1023: 30.00 USD per day"))
        let quotas = try await CLITests.run(["quota", "list"] + common).stdout
        #expect(quotas.contains("default for everyone ([analysis.account] daily_quota): 50.00 USD"))
        #expect(quotas.contains("1023"))

        let analyzed = try await CLITests.run(["analyze", "--from", "2026-11-20", "--json"] + common + reports)
        #expect(analyzed.status == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(analyzed.stdout.utf8)) as? [String: Any]
        #expect(summary?["calls_analyzed"] as? Int == 22)
        let alerts = summary?["alerts"] as? [[String: Any]] ?? []
        #expect(
            alerts.contains {
                $0["rule"] as? String == "daily_quota"
                    && ($0["metrics"] as? [String: Any])?["limit_source"] as? String == "quota table"
            })
        #expect(alerts.allSatisfy { $0["subject"] as? String != "1001" })
        #expect(summary?["reports"] as? [String] == [folder.path("reports") + "/2026-11-20.html"])

        let again = try await CLITests.run(["analyze", "--from", "2026-11-20", "--no-report"] + common).stdout
        #expect(again.contains("alerts: 0 new, 0 updated"))

        let listed = try await CLITests.run(["alerts", "list", "--severity", "high", "--json"] + common)
        let list = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(!list.isEmpty)
        for key in [
            "id", "rule", "severity", "subject_type", "subject", "first_seen", "last_seen", "summary", "state",
            "metrics", "calls",
        ] {
            #expect(list.first?[key] != nil, "alerts list --json lacks \(key)")
        }
        let id = try #require(list.first?["id"] as? Int)
        let shown = try await CLITests.run(["alerts", "show", String(id), "--json"] + common)
        let detail = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        let calls = detail?["calls"] as? [[String: Any]] ?? []
        #expect(!calls.isEmpty)
        #expect(calls.first?["account"] as? String == "1023")
        #expect(calls.first?["region"] as? String == "LV")

        let acked = try await CLITests.run(["alerts", "ack", String(id), "--comment", "on it", "--by", "ops"] + common)
        #expect(acked.stdout == "alert \(id) is now acknowledged\n")
        let refused = try await CLITests.run(["alerts", "ack", String(id)] + common)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("alert \(id) is acknowledged; it cannot become acknowledged"))
        let fp = try await CLITests.run(["alerts", "false-positive", String(id)] + common)
        #expect(fp.stdout.contains("stays quiet"))
        #expect(
            try await CLITests.run(["alerts", "list", "--state", "false_positive"] + common).stdout.contains(
                "false_positive")
        )

        #expect(try await CLITests.run(["quota", "remove", "1023"] + common).status == 0)
        #expect(try await CLITests.run(["quota", "remove", "1023"] + common).stderr.contains("no quota set for 1023"))
    }

    /// On a node of a cluster, `analyze` says that it analyzed the node's own store, not the
    /// cluster's calls (an analyzer node's store holds none: "0 calls" must not read as a quiet night).
    @Test func onAClusterNodeAnalyzeSaysItAnalyzedTheNodesOwnStore() async throws {
        let folder = try TemporaryDirectory()
        let clusterNode = try folder.write(
            "node.toml",
            text: """
                [site]
                timezone = "America/New_York"
                [database]
                url = "postgres://tollguard@/tollguard?host=\(folder.path("no-server"))"
                """)
        let alone = try folder.write("alone.toml", text: "[site]\ntimezone = \"America/New_York\"\n")
        let csv = try folder.write("Master.csv", text: Self.masterCSV(day: "2019-03-14"))
        let period = ["--from", "2019-03-14", "--to", "2019-03-15", "--no-report"]
        for (index, config) in [clusterNode, alone].enumerated() {
            let common = ["--config", config, "--db", folder.path("store-\(index).sqlite")]
            #expect(try await CLITests.run(["ingest", csv] + common).status == 0)
            let analyzed = try await CLITests.run(["analyze"] + period + common)
            #expect(analyzed.status == 0, "\(analyzed.stderr)")
            #expect(analyzed.stdout.contains("analyzed 22 calls"), "\(analyzed.stdout)")
            #expect(
                analyzed.stderr.contains("note: this node's own store was analyzed") == (config == clusterNode),
                "\(config): \(analyzed.stderr)")
        }
    }

    /// A first `analyze` after loading old CDRs looks at yesterday, finds nothing, and says which
    /// period holds the stored calls (in site time) instead of only "0 calls".
    @Test func anEmptyPeriodPointsAtTheStoredCalls() async throws {
        let folder = try TemporaryDirectory()
        let config = try folder.write("tollguard.toml", text: "[site]\ntimezone = \"America/New_York\"\n")
        // Years ago, so the default period (yesterday) holds none of them whatever the date today.
        let csv = try folder.write("Master.csv", text: Self.masterCSV(day: "2019-03-14"))
        let common = ["--config", config, "--db", folder.path("tg.sqlite"), "--no-report"]
        #expect(try await CLITests.run(["ingest", csv] + common.dropLast()).status == 0)

        // Calls before the period and none in it: a warning and exit status 4 (the night's CDRs
        // did not arrive), with the hint.
        let empty = try await CLITests.run(["analyze"] + common)
        #expect(empty.status == 4)
        #expect(empty.stderr.contains("warning: no call started from"))
        #expect(empty.stdout.contains("analyzed 0 calls"))
        // The rows are New York time: the night calls from 02:10, the office day until 10:19.
        #expect(
            empty.stdout.contains(
                "no call started in this period; the stored calls started from 2019-03-14 02:10 to 2019-03-14 10:19: "
                    + "analyze them with --from 2019-03-14 --to 2019-03-15"))

        let pointed = try await CLITests.run(["analyze", "--from", "2019-03-14", "--to", "2019-03-15"] + common)
        #expect(pointed.stdout.contains("analyzed 22 calls"))
        #expect(!pointed.stdout.contains("no call started"))

        // `report` writes yesterday's (empty) report and says the same on stderr.
        let reportOptions = Array(common.dropLast()) + ["--directory", folder.path("reports")]
        let report = try await CLITests.run(["report"] + reportOptions)
        #expect(report.status == 0)
        #expect(
            report.stderr.contains(
                "tollguard report: no call started in this period; the stored calls started from 2019-03-14 02:10 to "
                    + "2019-03-14 10:19: report them with --from 2019-03-14 --to 2019-03-15"))
        let reported = try await CLITests.run(["report", "--date", "2019-03-14"] + reportOptions)
        #expect(reported.stderr.isEmpty)
    }

    /// A call from outside, in the public context without an accountcode, forging extension
    /// 1004's number: from the FreeSWITCH CSV through analysis to the report it is `caller 1004`,
    /// and extension 1004's own call stays `account 1004`.
    @Test func aForgedCallerIDIsNotTheExtensionItNames() async throws {
        let folder = try TemporaryDirectory()
        let config = try folder.write(
            "tollguard.toml", text: "[site]\ntimezone = \"UTC\"\n[dialplan]\nhome_region = \"US\"\n")
        func row(context: String, accountcode: String, hour: Int, uuid: String) -> String {
            let day = "2019-03-14 0\(hour):"
            return "\"Office\",\"1004\",\"01137190000011\",\"\(context)\",\"\(day)00:00\",\"\(day)00:05\","
                + "\"\(day)10:05\",\"605\",\"600\",\"NORMAL_CLEARING\",\"\(uuid)\",\"\",\"\(accountcode)\",\"PCMU\",\"PCMU\""
        }
        let csv = try folder.write(
            "Master.csv",
            text: [
                row(context: "default", accountcode: "1004", hour: 2, uuid: "5f0c0a4e-0000-4000-8000-000000000001"),
                row(context: "public", accountcode: "", hour: 3, uuid: "5f0c0a4e-0000-4000-8000-000000000002"),
            ].joined(separator: "\n") + "\n")
        let common = ["--config", config, "--db", folder.path("tg.sqlite")]
        try await CLITests.run(["rates", "import", "--example"] + common)
        #expect(try await CLITests.run(["ingest", "--format", "fs-example", csv] + common).status == 0)

        let analyzed = try await CLITests.run(
            ["analyze", "--from", "2019-03-14", "--json", "--reports", folder.path("reports")] + common)
        let summary = try JSONSerialization.jsonObject(with: Data(analyzed.stdout.utf8)) as? [String: Any]
        let spenders = (summary?["top_accounts"] as? [[String: Any]] ?? []).map {
            "\($0["subject_type"] ?? "") \($0["account"] ?? "")"
        }
        #expect(spenders.sorted() == ["account 1004", "caller 1004"])
        let premium = (summary?["alerts"] as? [[String: Any]] ?? []).filter {
            $0["rule"] as? String == "destination_class"
        }
        #expect(
            premium.map { "\($0["subject_type"] ?? "") \($0["subject"] ?? "")" }.sorted() == [
                "account 1004", "caller 1004",
            ])

        let text = try await CLITests.run(["analyze", "--from", "2019-03-14", "--no-report"] + common).stdout
        #expect(text.contains("caller 1004"))
        let report =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: folder.path("reports/2019-03-14.json")))) as? [String: Any]
        let accounts = (report?["accounts"] as? [[String: Any]] ?? []).map {
            "\($0["subject_type"] ?? "") \($0["account"] ?? "")"
        }
        #expect(accounts.sorted() == ["account 1004", "caller 1004"])
    }

    /// A Berlin site that never set its home region: its phones dial 00… abroad, which the US
    /// default reads as invalid numbers, unpriced and past the destination checks.
    ///
    /// analyze says so;
    /// with `home_region = "DE"` the same calls are international and +882 is caught.
    @Test func answeredCallsToInvalidNumbersPointAtTheDialPlan() async throws {
        let folder = try TemporaryDirectory()
        let rows = ["0044207946000", "0033142685300", "00882123456789"].enumerated().map { index, dialed in
            let minute = "2019-03-14 10:0\(index)"
            return "\"Office\",\"1001\",\"\(dialed)\",\"default\",\"\(minute):00\",\"\(minute):05\",\"\(minute):50\","
                + "\"50\",\"45\",\"NORMAL_CLEARING\",\"6a1e0c2e-0000-4000-8000-00000000000\(index)\",\"\",\"1001\","
                + "\"PCMA\",\"PCMA\""
        }
        let csv = try folder.write("Master.csv", text: rows.joined(separator: "\n") + "\n")
        func analyze(_ config: String, _ name: String) async throws -> [String: Any]? {
            let common = [
                "--config", try folder.write(name + ".toml", text: config), "--db", folder.path(name + ".sqlite"),
            ]
            #expect(try await CLITests.run(["ingest", csv] + common).status == 0)
            let text = try await CLITests.run(["analyze", "--from", "2019-03-14", "--no-report"] + common).stdout
            #expect(text.contains("warning: 3 of 3 answered calls") == !config.contains("home_region"))
            let json = try await CLITests.run(["analyze", "--from", "2019-03-14", "--no-report", "--json"] + common)
            return try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        }
        let unset = try await analyze("[site]\ntimezone = \"Europe/Berlin\"\n", "unset")
        let warning = try #require(unset?["dial_plan_warning"] as? String)
        #expect(
            warning.hasPrefix("3 of 3 answered calls went to numbers the dial plan reads as invalid (home_region US"))

        let german = try await analyze("[site]\ntimezone = \"Europe/Berlin\"\n[dialplan]\nhome_region = \"DE\"\n", "de")
        #expect(german?["dial_plan_warning"] == nil)
        let rules = try await CLITests.run(
            ["alerts", "list", "--json", "--config", folder.path("de.toml"), "--db", folder.path("de.sqlite")])
        let alerts = try JSONSerialization.jsonObject(with: Data(rules.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(alerts.contains { $0["rule"] as? String == "destination_class" && $0["subject"] as? String == "1001" })
    }
}
