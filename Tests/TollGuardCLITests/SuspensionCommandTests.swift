import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// `suspend`, `unsuspend`, `suspensions` and `hooks` through the built executable, with the
/// shipped `Data/hooks/log-event.sh` as the program hook.
@Suite struct SuspensionCommandTests {
    static let logHook = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Data/hooks/log-event.sh").path

    @Test func suspendUnsuspendAndTheHookLog() async throws {
        let directory = try TemporaryDirectory()
        let log = directory.path("events.log")
        let config = try directory.write(
            "tollguard.toml",
            text: """
                [site]
                timezone = "UTC"
                [[hooks]]
                name = "log"
                type = "program"
                path = "\(Self.logHook)"
                arguments = ["\(log)"]
                events = ["suspend", "unsuspend"]
                [[hooks]]
                name = "broken"
                type = "program"
                path = "/bin/false"
                events = ["unsuspend"]

                """)
        let environment = ["TOLLGUARD_CONFIG": config, "TOLLGUARD_DB": directory.path("t.sqlite")]
        func run(_ arguments: [String]) async throws -> CLITests.Output {
            try await CLITests.run(arguments, environment: environment)
        }
        let suspended = try await run([
            "suspend", "1001", "--reason", "calls to Cuba at 3 a.m.", "--until", "2d", "--by", "alice",
        ])
        #expect(suspended.status == 0, "\(suspended.stderr)")
        #expect(suspended.stdout.contains("suspended 1001 (suspension 1) until "))
        #expect(suspended.stdout.contains("hooks: 1 delivered"))
        let again = try await run(["suspend", "1001", "--reason", "again"])
        #expect(again.stdout.contains("already suspended") && !again.stdout.contains("hooks:"))

        let listed = try await run(["suspensions"])
        #expect(listed.stdout.contains("1001") && listed.stdout.contains("active") && listed.stdout.contains("alice"))

        // The lifting is recorded, but a hook failed at once: the PBX may still block the
        // account, so the command fails and says which hook.
        let lifted = try await run(["unsuspend", "1001", "--comment", "password changed"])
        #expect(lifted.status == 1)
        #expect(lifted.stdout.contains("hooks: 1 delivered, 1 to retry"))
        #expect(
            lifted.stderr.contains("the PBX may not have done it: hook broken failed (exited with status 1)"),
            "\(lifted.stderr)")
        #expect(try await run(["suspensions"]).stdout.contains("no account is suspended"))
        #expect(try await run(["suspensions", "--all"]).stdout.contains("lifted"))
        let notSuspended = try await run(["unsuspend", "1001"])
        #expect(notSuspended.status != 0 && notSuspended.stderr.contains("1001 is not suspended"))

        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].contains(" suspend account 1001: calls to Cuba at 3 a.m."))
        #expect(lines[2].contains(" unsuspend account 1001: password changed"))

        let status = try await run(["hooks", "status"])
        #expect(status.stdout.contains("outbox: 1 pending, 2 delivered, 0 failed"))
        #expect(status.stdout.contains("broken") && status.stdout.contains("exited with status 1"))
        let retry = try await run(["hooks", "retry"])
        #expect(retry.status != 0)
        #expect(retry.stdout.contains("retrying 1 delivery"))
        let json = try await run(["hooks", "status", "--all", "--json"])
        let entries = try JSONDecoder.iso8601.decode([OutboxEntry].self, from: Data(json.stdout.utf8))
        #expect(entries.map(\.hook) == ["log", "log", "broken"])
        #expect(entries.last?.attempts == 2)
    }

    /// `kills`: what serve hung up, oldest first, per account; the switch's answer printed
    /// without its control characters.
    @Test func killsListsTheCallsServeHungUp() async throws {
        let directory = try TemporaryDirectory()
        let db = directory.path("k.sqlite")
        let environment = [
            "TOLLGUARD_DB": db, "TOLLGUARD_CONFIG": try directory.write("t.toml", text: "site.timezone = \"UTC\"\n"),
        ]
        // No store yet: an error naming it, not "no call was killed".
        let missing = try await CLITests.run(["kills"], environment: environment)
        #expect(
            missing.status == 1 && missing.stderr.contains("no database at \(db) (TOLLGUARD_DB)"), "\(missing.stderr)")
        let database = try TollGuardDatabase.open(path: db)
        #expect(try await CLITests.run(["kills"], environment: environment).stdout.contains("no call was killed"))
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        try await database.record(
            CallKill(
                uuid: "b0000000-0000-4000-8000-000000000000", account: "1001", reason: "suspended (suspension 1)",
                at: start, reply: "+OK"))
        try await database.record(
            CallKill(
                uuid: "b0000000-0000-4000-8000-000000000001", account: "1002",
                reason: "new call of a suspended account",
                at: start.addingTimeInterval(61), reply: "-ERR No such channel!\u{1b}[2J"))
        let listed = try await CLITests.run(["kills"], environment: environment)
        #expect(listed.status == 0)
        let lines = listed.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].contains("2026-11-18 11:06:40") && lines[1].contains("1001") && lines[1].contains("+OK"))
        #expect(
            lines[2].contains("b0000000-0000-4000-8000-000000000001") && lines[2].contains("-ERR No such channel!?[2J"))
        #expect(!listed.stdout.contains("\u{1b}"))
        let one = try await CLITests.run(["kills", "--account", "1002", "--json"], environment: environment)
        let decoded = try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [[String: Any]]
        #expect(decoded?.map { $0["uuid"] as? String } == ["b0000000-0000-4000-8000-000000000001"])
        #expect(
            try await CLITests.run(["kills", "--account", "1003"], environment: environment).stdout.contains(
                "no call of 1003 was killed"))
    }

    @Test func aBrokenHookConfigurationIsRefusedWithTheReason() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "tollguard.toml",
            text: """
                [[hooks]]
                name = "ops"
                type = "webhook"
                url = "ftp://example.com"
                secret_env = "S"
                [[hooks]]
                name = "ops"
                type = "program"
                path = "relative/script.sh"
                command = "rm -rf /"

                """)
        let result = try await CLITests.run(["config", "check"], environment: ["TOLLGUARD_CONFIG": config])
        #expect(result.status != 0)
        #expect((result.stdout + result.stderr).contains("hooks[1]: \"command\" is not a hook setting"))

        try directory.write(
            "tollguard.toml",
            text: """
                [suspension]
                mode = "enforce"
                [suspension.rules]
                dialy_quota = "high"
                [[hooks]]
                name = "ops"
                type = "webhook"
                url = "ftp://example.com"
                secret_env = "S"
                [[hooks]]
                name = "ops"
                type = "program"
                path = "relative/script.sh"
                [[hooks]]
                name = "noc"
                type = "webhook"
                url = "https://noc.example.net/tollguard"

                """)
        let invalid = try await CLITests.run(["config", "check"], environment: ["TOLLGUARD_CONFIG": config])
        #expect(invalid.status != 0)
        for reason in [
            "suspension.rules: \"dialy_quota\" is not a rule", "a webhook needs url, an http:// or https:// address",
            "\"ops\": the program \(directory.path("relative/script.sh")) does not exist",
            "the name \"ops\" is used twice",
            "hooks[2] \"noc\": a webhook needs secret_env",
        ] {
            #expect(invalid.stdout.contains(reason) || invalid.stderr.contains(reason), "\(reason)")
        }
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
