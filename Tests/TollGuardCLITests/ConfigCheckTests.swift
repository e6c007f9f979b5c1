import Foundation
import Testing
import TollGuardTestSupport

/// Configuration errors that help: a wrong type says so, a word outside its set lists the set,
/// `config check` reports every error of the file at once (hook programs included), and
/// `config dump` writes whole numbers as integers.
@Suite struct ConfigCheckTests {
    @Test func configCheckReportsEveryErrorOfTheFileAtOnce() async throws {
        let directory = try TemporaryDirectory()
        let notExecutable = try directory.write("notify.sh", text: "#!/bin/sh\n")
        let config = try directory.write(
            "tollguard.toml",
            text: """
                [site]
                timezone = "Mars/Base"
                [ingest]
                batch_size = "many"
                format = "csv2"
                [sip_watch]
                window_minutes = "ten"
                [suspension.rules]
                daily_quota = "urgent"
                [[hooks]]
                name = "block"
                type = "program"
                path = "hooks/block.sh"
                [[hooks]]
                name = "notify"
                type = "program"
                path = "\(notExecutable)"
                [[hooks]]
                name = "chat"
                type = "prog"
                events = ["alert", "sms"]

                """)
        let check = try await CLITests.run(["config", "check", "--config", config])
        #expect(check.status == 1)
        let errors = check.stdout.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        for expected in [
            "ingest.batch_size: expected an integer, found a string (\"many\")",
            "ingest.format: \"csv2\" is not one of auto, fs-example,",
            "sip_watch.window_minutes: expected a number, found a string (\"ten\")",
            "suspension.rules.daily_quota: \"urgent\" is not one of info, warning, high, critical",
            "hooks[2].type: \"prog\" is not one of program, webhook",
            "hooks[2].events[1]: \"sms\" is not one of alert, suspend,",
            "site.timezone = \"Mars/Base\" is not a time zone",
            "hooks[0] \"block\": the program \(directory.path("hooks/block.sh")) does not exist",
            "hooks[1] \"notify\": the program \(notExecutable) is not executable",
        ] {
            #expect(errors.contains { $0.contains(expected) }, "\(expected)\n\(check.stdout)")
        }
        #expect(!check.stdout.contains("missing key"))
    }

    @Test func configDumpWritesWholeNumbersAsIntegers() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "tollguard.toml", text: "[analysis.account]\ndaily_quota = 25\n[sip_watch]\nwindow_minutes = 2.5\n")
        let dump = try await CLITests.run(["config", "dump", "--config", config])
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(dump.stdout.contains("daily_quota = 25\n"), "\(dump.stdout)")
        #expect(dump.stdout.contains("window_minutes = 2.5\n"))
        #expect(dump.stdout.contains("batch_size = 10000\n"))
        #expect(!dump.stdout.contains(".0\n"))
        // What it prints reads back as the same configuration.
        let again = try directory.write("dumped.toml", text: dump.stdout)
        let reread = try await CLITests.run(["config", "dump", "--config", again])
        #expect(reread.stdout == dump.stdout)
    }
}
