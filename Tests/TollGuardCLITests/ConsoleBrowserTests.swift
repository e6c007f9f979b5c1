import Foundation
import Testing
import TollGuardCore
import TollGuardHTTP
import TollGuardTestSupport

/// The review console in a real browser: Debian's headless Chromium driven by Selenium
/// (`Tests/Browser/console_browser_test.py`) against a `tollguard serve` on a store filled here.
///
/// Runs where Chromium, its driver and Selenium are installed (`.ci/run` installs them and sets
/// `TOLLGUARD_REQUIRE_BROWSER=1`, which makes their absence a failure rather than a skip).
@Suite struct ConsoleBrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Browser/console_browser_test.py").path
    static let password = "a browser test password"

    /// The Python with Selenium (`TOLLGUARD_BROWSER_PYTHON`, else `python3`), when it and the browser are here.
    static func python() -> String? {
        let environment = ProcessInfo.processInfo.environment
        let browser = environment["TOLLGUARD_CHROMIUM"] ?? "/usr/bin/chromium"
        let driver = environment["TOLLGUARD_CHROMEDRIVER"] ?? "/usr/bin/chromedriver"
        guard FileManager.default.isExecutableFile(atPath: browser),
            FileManager.default.isExecutableFile(atPath: driver)
        else { return nil }
        return ReferencePython.find(environment: "TOLLGUARD_BROWSER_PYTHON", importing: "selenium")
    }

    @Test func theConsoleWorksInHeadlessChromium() async throws {
        guard let python = Self.python() else {
            #expect(
                ProcessInfo.processInfo.environment["TOLLGUARD_REQUIRE_BROWSER"] != "1",
                "chromium, chromium-driver or Selenium is missing (see .ci/run)")
            return
        }
        let folder = try TemporaryDirectory()
        let path = folder.path("console.sqlite")
        let (overQuota, hostile, matching) = try Self.fillStore(path)
        let hook = try folder.writeExecutable(
            "pbx-hook.sh", text: "#!/bin/sh\necho \"pbx blocked $TOLLGUARD_ACCOUNT ($TOLLGUARD_EVENT)\"\n")
        let configuration = try folder.write(
            "tollguard.toml",
            text: """
                [site]
                timezone = "UTC"
                [[hooks]]
                name = "pbx"
                type = "program"
                path = "\(hook)"
                events = ["suspend", "unsuspend"]
                # CI runs other suites beside this one on two cores: a shell may start slowly.
                timeout_seconds = 60

                """)
        let handshake = folder.path("handshake")
        try FileManager.default.createDirectory(atPath: handshake, withIntermediateDirectories: true)

        let (serve, port) = try await ServeCommandTests.startServe(
            ["--db", path], environment: ["TZ": "UTC", "TOLLGUARD_CONFIG": configuration], in: folder)
        defer { if serve.isRunning { serve.terminate() } }
        let screenshots =
            ProcessInfo.processInfo.environment["TOLLGUARD_SCREENSHOTS"] ?? folder.path("screenshots")
        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: python)
        browser.arguments = [
            Self.script, "--url", "http://127.0.0.1:\(port)", "--password", Self.password,
            "--over-quota-alert", String(overQuota), "--hostile-alert", String(hostile), "--matching-alert",
            String(matching), "--handshake", handshake, "--screenshots", screenshots,
            "--day", String(StoredTime.text(AlertSeeds.start).prefix(10)),
        ]
        let output = folder.path("browser.out")
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        browser.standardOutput = handle
        browser.standardError = handle
        try browser.run()
        // The store changes behind the browser's back when it asks: a new alert while it watches
        // the queue; more spend once it snoozed the account's alert until worse.
        let responder = Task {
            func step(_ name: String, answer: String, _ change: (TollGuardDatabase) throws -> Void) async throws
                -> Bool
            {
                let asked = try await poll(upTo: 600) {
                    FileManager.default.fileExists(atPath: "\(handshake)/\(name)") || !browser.isRunning
                }
                guard asked, FileManager.default.fileExists(atPath: "\(handshake)/\(name)") else { return false }
                try change(try TollGuardDatabase.open(path: path))
                return FileManager.default.createFile(atPath: "\(handshake)/\(answer)", contents: Data(answer.utf8))
            }
            let raised = try await step("watching", answer: "raised") { database in
                try AlertSeeds.store(
                    database, rule: .concurrentCalls, severity: .high,
                    subject: Subject(.account, "<script>alert(2)</script>"))
            }
            guard raised else { return }
            _ = try await step("snoozed", answer: "spent") { database in
                try AlertSeeds.store(
                    database, rule: .velocity, severity: .warning, subject: Subject(.account, "1002"), calls: 4,
                    costMicros: 100_000)
            }
        }
        await browser.waitForExit()
        try await responder.value
        let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(browser.terminationStatus == 0, "\(said)")
        #expect(said.contains("every step passed"), "\(said)")
        // What the browser did is in the store: the false positive, by the reviewer.
        let database = try TollGuardDatabase.open(path: path)
        #expect(try database.alert(id: hostile)?.state == .falsePositive)
        #expect(try database.alert(id: matching)?.state == .falsePositive)
        #expect(try database.suspensions(includeHistory: true).map(\.state) == ["lifted"])
        #expect(try database.alert(id: overQuota)?.state == .acknowledged)
        #expect(try database.journal(subjectType: "alert", subject: String(hostile)).first?.actor == "rob")
        #expect(try await database.quotaTable()["1002"] == 50_000_000)
    }

    /// Fills the store the browser works on; returns the alerts' ids.
    ///
    /// Users rob (reviewer), vera (viewer) and ada (admin); an alert on account 1002, past its quota, and
    /// two of one rule three days apart whose subject is hostile HTML.
    static func fillStore(_ path: String) throws -> (overQuota: Int64, hostile: Int64, matching: Int64) {
        let database = try TollGuardDatabase.open(path: path)
        let hashing = PasswordHashing(cost: 6)
        try database.addUser(name: "rob", role: .reviewer, passwordHash: hashing.hash(password), actor: "test")
        try database.addUser(name: "vera", role: .viewer, passwordHash: hashing.hash(password), actor: "test")
        try database.addUser(name: "ada", role: .admin, passwordHash: hashing.hash(password), actor: "test")
        let hostile = try #require(
            try AlertSeeds.store(
                database, rule: .velocity, severity: .critical,
                subject: Subject(.account, "<img src=x onerror=alert(1)>"),
                costMicros: 100_000))
        let overQuota = try #require(
            try AlertSeeds.store(
                database, rule: .velocity, severity: .warning, subject: Subject(.account, "1002"), costMicros: 100_000))
        try database.setQuota(account: "1002", dailyMicros: 20_000_000, currency: "USD", setBy: "test")
        try AlertSeeds.storeCall(database, key: "k1", account: "1002", at: AlertSeeds.start, costMicros: 30_000_000)
        let matching = try #require(
            try AlertSeeds.store(
                database, rule: .velocity, severity: .high, subject: Subject(.account, "<img src=x onerror=alert(1)>"),
                at: AlertSeeds.start.addingTimeInterval(3 * 86_400), costMicros: 100_000))
        try AlertSeeds.storeSIPAttack(
            database, address: "203.0.113.5",
            lines: [
                "NOTICE: Registration from '<img src=x onerror=alert(4)>' failed for '203.0.113.5:5060' - Wrong password"
            ])
        return (overQuota, hostile, matching)
    }
}
