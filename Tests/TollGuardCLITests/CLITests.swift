import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardHTTP
import TollGuardTestSupport

/// End-to-end tests that run the built `tollguard` executable.
@Suite struct CLITests {
    static var buildDirectory: URL {
        // The test bundle lives in .build/<config>/; the executable sits beside it.
        var url = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("tollguard").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }

    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tollguard` with `arguments` to its end (on a thread of its own: see `onOwnThread`).
    @discardableResult
    static func run(
        _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:], in folder: String? = nil
    ) async throws -> Output {
        try await onOwnThread { try runBlocking(arguments, stdin: stdin, environment: environment, folder: folder) }
    }

    private static func runBlocking(
        _ arguments: [String], stdin: Data?, environment: [String: String], folder: String?
    ) throws -> Output {
        let process = Process()
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        process.executableURL = buildDirectory.appendingPathComponent("tollguard")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "TOLLGUARD_DB")
        env.removeValue(forKey: "TOLLGUARD_CONFIG")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }

    @Test func ingestJSONSummaryAndReingest() async throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("Master.csv")
        try ExampleCDRWriter.writeFile(path: file, rows: 3000, seed: 21)
        let db = directory.path("t.sqlite")
        let first = try await Self.run(["ingest", "--db", db, "--timezone", "UTC", "--json", file])
        #expect(first.status == 0)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        #expect(json["files"] as? Int == 1)
        #expect(json["rows_read"] as? Int == 3000)
        #expect(json["inserted"] as? Int == 3000)
        #expect(json["duplicates"] as? Int == 0)
        #expect(json["rejected"] as? Int == 0)
        #expect(json["seconds"] is Double)
        let again = try await Self.run(["ingest", "--db", db, "--timezone", "UTC", "--json", file])
        let second = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        #expect(second["inserted"] as? Int == 0)
        // No progress bar when stderr is not a terminal.
        #expect(first.stderr.isEmpty)
    }

    @Test func standardInputAndStrict() async throws {
        let directory = try TemporaryDirectory()
        let db = directory.path("t.sqlite")
        var writer = ExampleCDRWriter(seed: 2)
        var bytes: [UInt8] = []
        writer.appendRows(10, to: &bytes)
        bytes += Array("\"broken\n".utf8)
        let result = try await Self.run(
            ["ingest", "--db", db, "--strict", "--format", "fs-example", "-"], stdin: Data(bytes))
        #expect(result.status == 3)
        #expect(result.stdout.contains("10 inserted"))
        #expect(result.stdout.contains("rejected line 11"))
        #expect(try TollGuardDatabase.open(path: db).callCount() == 10)
    }

    @Test func environmentNamesTheDatabaseAndConfig() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "tollguard.toml", text: "[site]\ntimezone = \"Europe/Berlin\"\n[ingest]\nbatch_size = 5\n")
        let db = directory.path("env.sqlite")
        let check = try await Self.run(
            ["config", "check"], environment: ["TOLLGUARD_CONFIG": config, "TOLLGUARD_DB": db])
        #expect(check.status == 0)
        #expect(check.stdout.contains("Europe/Berlin"))
        #expect(check.stdout.contains(db))
        #expect(check.stdout.contains("dial plan: home region US, outside-line prefixes none"))
        let dump = try await Self.run(["config", "dump"], environment: ["TOLLGUARD_CONFIG": config])
        #expect(dump.stdout.contains("batch_size = 5"))
        let bad = try directory.write("bad.toml", text: "[site]\ntimezone = \"Nowhere/Land\"\n")
        let failed = try await Self.run(["config", "check", "--config", bad])
        #expect(failed.status != 0)
        #expect(failed.stdout.contains("Nowhere/Land"))
    }

    @Test func missingFileIsAClearErrorAndOthersStillLoad() async throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("Master.csv")
        try ExampleCDRWriter.writeFile(path: file, rows: 10, seed: 8)
        let result = try await Self.run([
            "ingest", "--db", directory.path("t.sqlite"), directory.path("nope.csv"), file,
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("nope.csv: No such file or directory"))
        #expect(result.stdout.contains("10 inserted"))
    }

    /// The last line an ingest committed into `db`, when there is one yet.
    ///
    /// The line the ingest into `db` has committed up to; the reason when it cannot be read
    /// (yet). Read-only, with a busy timeout: the watcher must neither disturb the ingest nor miss
    /// a commit over a transient lock. (A store the ingest creates is written through the rollback
    /// journal, so the watcher's lock can make a commit wait, as a reader's does on a real box.)
    private static func committedLine(_ db: String) -> Result<Int, any Error> {
        Result {
            guard FileManager.default.fileExists(atPath: db) else { throw CocoaError(.fileNoSuchFile) }
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(1)
            let database = try DatabaseQueue(path: db, configuration: configuration)
            return try database.read { try Int.fetchOne($0, sql: "SELECT max(committed_line) FROM ingested_files") }
                ?? 0
        }
    }

    /// kill -9 in the middle of a file, then the same command: every row exactly once.
    @Test func killedIngestResumesWithoutLossOrDuplicates() async throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("Master.csv")
        let rows = 200_000
        try ExampleCDRWriter.writeFile(path: file, rows: rows, seed: 33)
        let config = try directory.write("tollguard.toml", text: "[ingest]\nbatch_size = 2000\n")
        let db = directory.path("t.sqlite")

        let process = Process()
        process.executableURL = Self.buildDirectory.appendingPathComponent("tollguard")
        process.arguments = ["ingest", "--config", config, "--db", db, "--timezone", "UTC", file]
        let errors = directory.path("ingest.err")
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        try process.run()
        // Wait until some batches are committed, then kill without warning: watched from a thread
        // of its own, so a busy cooperative pool cannot let the whole file go by unwatched.
        let ingest = process
        let (committed, lastReadError) = try await onOwnThread { () -> (Int, String) in
            let deadline = Date().addingTimeInterval(60)
            var line = 0
            var lastError = ""
            while Date() < deadline, ingest.isRunning, line == 0 {
                switch Self.committedLine(db) {
                case .success(let value): line = value
                case .failure(let error): lastError = "\(error)"
                }
                if line == 0 { usleep(2000) }
            }
            kill(ingest.processIdentifier, SIGKILL)
            return (line, lastError)
        }
        await process.waitForExit()
        try #require(
            committed > 0,
            """
            no batch was committed before the kill (ingest status \(process.terminationStatus), \
            last read error: \(lastReadError), stderr: \((try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""))
            """)
        let partial = try TollGuardDatabase.open(path: db).callCount()
        #expect(partial < rows, "the kill came too late to test a resume")

        let rerun = try await Self.run(["ingest", "--config", config, "--db", db, "--timezone", "UTC", "--json", file])
        #expect(rerun.status == 0)
        #expect(try TollGuardDatabase.open(path: db).callCount() == rows)
        let distinct = try await DatabaseQueue(path: db).read {
            try Int.fetchOne($0, sql: "SELECT count(DISTINCT call_id) FROM calls")
        }
        #expect(distinct == rows)
    }

    /// `demo --asterisk`: the same night as Asterisk Manager events through the fake Asterisk;
    /// suspended within 3 calls, every kill an `Action: Hangup` the switch carried out, and the
    /// money (what the switch's own records bill) a fraction of the nightly run's.
    @Test func demoAsteriskStopsTheBurstWithinThreeCalls() async throws {
        let directory = try TemporaryDirectory()
        let folder = directory.path("demo")
        let result = try await Self.run(["demo", "--directory", folder, "--asterisk"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains("as Asterisk Manager events") })
        let suspended = try #require(
            lines.first { $0.contains("suspended at ") && $0.contains("of the burst's calls") })
        let after = try #require(Int(suspended.split(separator: " after ")[1].split(separator: " ")[0]))
        #expect((1...3).contains(after), "\(suspended)")
        #expect(suspended.contains("Action: Hangup (cause 21)"))
        let money = try #require(lines.first { $0.contains("Money to the revenue-share numbers") })
        let amounts = money.split(separator: " ").compactMap { Double($0) }
        #expect(amounts.count >= 2 && amounts[1] < amounts[0] / 10, "\(money)")
        let burst = try #require(lines.first { $0.contains("the burst: ") })
        let account = try #require(burst.split(separator: "from extension ").last.map(String.init))
        let database = try TollGuardDatabase.open(path: folder + "/live.sqlite")
        let kills = try database.callKills(account: account)
        #expect(
            !kills.isEmpty && kills.allSatisfy { $0.reply == "Success: Channel Hungup" && $0.switchName == "asterisk" })
        let stored = try await DatabaseQueue(path: folder + "/live.sqlite").read {
            try Int.fetchOne(
                $0, sql: "SELECT count(*) FROM calls WHERE switch_name = 'asterisk' AND source_format = 'asterisk-ami'")
        }
        #expect(stored == (try database.callCount()))
    }

    /// `demo --live`: the burst's night through the replay server; the account is suspended
    /// within 3 of the burst's calls, its calls are killed, and the money reaching the revenue-share
    /// numbers live is a fraction of what the nightly run lets through.
    @Test func demoLiveStopsTheBurstWithinThreeCalls() async throws {
        let directory = try TemporaryDirectory()
        let folder = directory.path("demo")
        let result = try await Self.run(["demo", "--directory", folder, "--live"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let suspended = try #require(
            lines.first { $0.contains("suspended at ") && $0.contains("of the burst's calls") })
        let after = try #require(Int(suspended.split(separator: " after ")[1].split(separator: " ")[0]))
        #expect((1...3).contains(after), "\(suspended)")
        let burst = try #require(lines.first { $0.contains("the burst: ") })
        let burstCalls = try #require(Int(burst.split(separator: "the burst: ")[1].split(separator: " ")[0]))
        // Killed: the calls up when the account was suspended and every one it started after.
        let killed = try #require(Int(suspended.split(separator: "; ")[1].split(separator: " ")[0]))
        #expect(killed >= burstCalls - after)
        let money = try #require(lines.first { $0.contains("Money to the revenue-share numbers") })
        let amounts = money.split(separator: " ").compactMap { Double($0) }
        #expect(amounts.count >= 2)
        #expect(amounts[1] < amounts[0] / 10, "\(money)")
        let database = try TollGuardDatabase.open(path: folder + "/live.sqlite")
        let account = try #require(burst.split(separator: "from extension ").last.map(String.init))
        #expect(try database.callKills(account: account).count == killed)
        // +881 satellite numbers read as international networks, never "001".
        #expect(result.stdout.contains("international network"))
        #expect(!result.stdout.contains("(001)") && !result.stdout.contains("and 001,"), "\(result.stdout)")

        // The live alerts carry their calls: cost and classification in `alerts show`, the
        // report and the hook's event JSON. (Stopped live, the burst never reaches its quota.)
        let live = ["--db", folder + "/live.sqlite", "--config", folder + "/tollguard.toml"]
        let alerts = try database.alerts(AlertFilter(states: Set(AlertState.allCases)))
        #expect(!alerts.contains { $0.rule == "daily_quota" && $0.subject.value == account })
        let alert = try #require(
            alerts.first { $0.rule == "concurrent_international" && $0.subject.value == account })
        let shown = try await Self.run(["alerts", "show", String(alert.id), "--json"] + live)
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let calls = try #require(answer["calls"] as? [[String: Any]])
        #expect(!calls.isEmpty && calls.allSatisfy { $0["account"] as? String == account && $0["class"] != nil })
        #expect(calls.contains { ($0["cost"] as? Double ?? 0) > 0 })
        #expect(alert.costMicros > 0)
        let report = try await Self.run(
            ["report", "--date", "2026-11-11", "--directory", directory.path("reports")] + live)
        #expect(report.status == 0, "\(report.stderr)")
        let json = try String(contentsOfFile: directory.path("reports/2026-11-11.json"), encoding: .utf8)
        let evidence = try #require(
            (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["alerts"] as? [[String: Any]]
        )
        .flatMap { $0["evidence"] as? [[String: Any]] ?? [] }
        #expect(!evidence.isEmpty)
        #expect(evidence.allSatisfy { $0["account"] as? String != nil && $0["scope"] as? String != nil })
        #expect(evidence.contains { ($0["cost_micros"] as? Int ?? 0) > 0 })
        let hookEvents = try String(contentsOfFile: folder + "/live-hook-events.log", encoding: .utf8)
            .split(separator: "\n").filter { $0.hasPrefix("{") }.map { try HookEvent.decode(Data($0.utf8)) }
        #expect(hookEvents.contains { $0.type == .suspend && $0.account == account })
        #expect(hookEvents.contains { ($0.figures?.costMicros ?? 0) > 0 && $0.account == account })
    }

    @Test func demoSimulatesAnalyzesAndReportsInItsOwnFolder() async throws {
        let directory = try TemporaryDirectory()
        let folder = directory.path("demo")
        let result = try await Self.run(["demo", "--directory", folder, "--days", "4", "--accounts", "24"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("0 rejected"))
        #expect(result.stdout.contains("SEVERITY") && result.stdout.contains("critical"))
        #expect(result.stdout.contains("IRSF burst at night"))
        let report = folder + "/reports/2026-11-09--2026-11-12.html"
        #expect(result.stdout.contains("Report: " + report))
        for name in ["Master.csv", "scenarios.json", "known-fraud.txt", "tollguard.toml", "tollguard.sqlite"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + name), "\(name)")
        }
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("&lt;script&gt;") && !html.contains("<script"))
        // The folder's tollguard.toml works for the other commands.
        let alerts = try await Self.run(
            ["alerts", "list", "--json"],
            environment: ["TOLLGUARD_CONFIG": folder + "/tollguard.toml", "TOLLGUARD_DB": folder + "/tollguard.sqlite"])
        #expect(alerts.status == 0 && alerts.stdout.contains("\"severity\" : \"critical\""))
        // It ends with the review console's address and a login that works on the demo store.
        #expect(result.stdout.contains("log in as demo / tollguard-demo"))
        let demoUser = try #require(try TollGuardDatabase.open(path: folder + "/tollguard.sqlite").user(named: "demo"))
        #expect(demoUser.role == .admin)
        #expect(PasswordHashing().verify("tollguard-demo", hash: demoUser.passwordHash))

        // The demo's policy suspended accounts, and its program hook logged each event with its JSON.
        #expect(result.stdout.contains("Suspended by the policy"))
        let suspensions = try await Self.run(
            ["suspensions", "--json"],
            environment: ["TOLLGUARD_CONFIG": folder + "/tollguard.toml", "TOLLGUARD_DB": folder + "/tollguard.sqlite"])
        let active = try JSONDecoder.iso8601.decode([Suspension].self, from: Data(suspensions.stdout.utf8))
        #expect(!active.isEmpty && active.allSatisfy { $0.actor == "policy" && $0.isActive })
        let log = try String(contentsOfFile: folder + "/hook-events.log", encoding: .utf8)
        let events = try log.split(separator: "\n").filter { $0.hasPrefix("{") }.map {
            try HookEvent.decode(Data($0.utf8))
        }
        #expect(Set(events.filter { $0.type == .suspend }.compactMap(\.account)) == Set(active.map(\.account)))
        #expect(events.contains { $0.type == .alert })
        // The IRSF burst's victim is among them.
        let labels = try JSONDecoder().decode(
            SimulationLabels.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/scenarios.json")))
        let burst = try #require(labels.scenarios.first { $0.kind == .irsfBurst })
        #expect(active.contains { burst.subjects.contains("account \($0.account)") })

        // The SIP attack watcher ran over the generated security log: its bans are in bans.log
        // and its alerts about addresses reached the hook like the others.
        let bans = try String(contentsOfFile: folder + "/bans.log", encoding: .utf8).split(separator: "\n")
        #expect(!bans.isEmpty && bans.allSatisfy { $0.contains(" tollguard ban ip=") })
        #expect(result.stdout.contains("SIP attack watcher: ") && result.stdout.contains("\(bans.count) bans in"))
        #expect(events.contains { $0.type == .alert && $0.subject.type == .ip })

        // The follow-up the demo suggests reads the log as the demo did: nothing new, no ban twice.
        let rescan = try await Self.run(
            ["logs", "scan", "--ban-log", "bans.log", "freeswitch.log"], in: folder)
        #expect(rescan.status == 0, "\(rescan.stderr)")
        #expect(
            rescan.stdout.contains("alerts: 0 new") && rescan.stdout.contains("bans written: 0"), "\(rescan.stdout)")
        let again = try String(contentsOfFile: folder + "/bans.log", encoding: .utf8).split(separator: "\n")
        #expect(again == bans)
    }

    @Test func simulateWritesTheSameFileForASeedAndItsLabels() async throws {
        let directory = try TemporaryDirectory()
        for name in ["a", "b"] {
            let result = try await Self.run([
                "simulate", "--days", "2", "--accounts", "20", "--seed", "9", "--out", directory.path("\(name).csv"),
                "--labels", directory.path("\(name).json"), "--fraud-list", directory.path("\(name).txt"),
            ])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let a = try Data(contentsOf: URL(fileURLWithPath: directory.path("a.csv")))
        #expect(a == (try Data(contentsOf: URL(fileURLWithPath: directory.path("b.csv")))))
        let labels = try JSONDecoder().decode(
            SimulationLabels.self, from: Data(contentsOf: URL(fileURLWithPath: directory.path("a.json"))))
        #expect(labels.seed == 9 && labels.scenarios.count == FraudScenarioKind.allCases.count)
        let bad = try await Self.run(["simulate", "--accounts", "3", "--out", directory.path("c.csv")])
        #expect(bad.status != 0 && bad.stderr.contains("--accounts"))
    }

    @Test func analyzeWritesADailyReportAndReportRendersItAgain() async throws {
        let directory = try TemporaryDirectory()
        let cdr = directory.path("Master.csv")
        #expect(try await Self.run(["simulate", "--days", "3", "--accounts", "20", "--out", cdr]).status == 0)
        let environment = [
            "TOLLGUARD_DB": directory.path("t.sqlite"),
            "TOLLGUARD_CONFIG": try directory.write(
                "t.toml",
                text: "[site]\ntimezone = \"America/New_York\"\n[reports]\ndirectory = \"\(directory.path("r"))\"\n"),
        ]
        #expect(try await Self.run(["ingest", cdr], environment: environment).status == 0)
        let analyzed = try await Self.run(
            ["analyze", "--from", "2026-11-10", "--to", "2026-11-12"], environment: environment)
        #expect(analyzed.status == 0, "\(analyzed.stderr)")
        for day in ["2026-11-10", "2026-11-11"] {
            for suffix in [".html", ".json", "-alerts.csv"] {
                #expect(FileManager.default.fileExists(atPath: directory.path("r/\(day)\(suffix)")), "\(day)\(suffix)")
            }
        }
        let first = try Data(contentsOf: URL(fileURLWithPath: directory.path("r/2026-11-10.json")))
        try FileManager.default.removeItem(atPath: directory.path("r/2026-11-10.html"))
        let again = try await Self.run(["report", "--date", "2026-11-10"], environment: environment)
        #expect(again.status == 0 && again.stdout.contains("2026-11-10.html"))
        #expect(FileManager.default.fileExists(atPath: directory.path("r/2026-11-10.html")))
        let report = try JSONDecoder().decode(
            PeriodReport.self, from: Data(contentsOf: URL(fileURLWithPath: directory.path("r/2026-11-10.json"))))
        let before = try JSONDecoder().decode(PeriodReport.self, from: first)
        #expect(report.totals == before.totals && report.hours.count == 24 && report.totals.calls > 1000)
    }
}
