import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// A command that fails says why in one line and exits 1; only a usage mistake prints the usage
/// (exit 64), and an option that takes one of a set of values lists them.
@Suite struct ExitStatusTests {
    @Test func aRuntimeFailureIsOneLineWithoutTheUsage() async throws {
        let directory = try TemporaryDirectory()
        let db = directory.path("t.sqlite")
        _ = try TollGuardDatabase.open(path: db)
        let missing = try await CLITests.run(["alerts", "show", "999", "--db", db])
        #expect(missing.status == 1)
        #expect(missing.stderr == "Error: no alert 999\n")
        let list = try await CLITests.run(["lists", "remove", "--db", db, "nothing-here"])
        #expect(list.status == 1)
        #expect(list.stderr.contains("no list named nothing-here") && !list.stderr.lowercased().contains("usage"))
    }

    @Test func aUsageMistakeIsExit64WithTheUsageAndTheValues() async throws {
        let wrongValue = try await CLITests.run(["alerts", "list", "--severity", "urgent"])
        #expect(wrongValue.status == 64)
        #expect(wrongValue.stderr.contains("Usage: tollguard alerts list"))
        #expect(wrongValue.stderr.contains("info") && wrongValue.stderr.contains("critical"))
        let badDate = try await CLITests.run(["analyze", "--from", "yesterday"])
        #expect(badDate.status == 64)
        #expect(badDate.stderr.contains("--from yesterday: use YYYY-MM-DD"))
        let help = try await CLITests.run(["alerts", "list", "--help"])
        #expect(help.status == 0)
        let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("(values: open, acknowledged, resolved, false_positive, all)"))
    }
}
