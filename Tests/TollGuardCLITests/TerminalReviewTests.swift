import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardTestSupport

/// Reviewing from the terminal: `alerts list` shows each alert's day and fits the terminal,
/// `alerts reopen`, `alerts show` says whether the subject is suspended now, `quota set` warns
/// about an account never seen, and `quota list --date --json`.
@Suite struct TerminalReviewTests {
    static func store(_ folder: TemporaryDirectory) throws -> (String, [String: String]) {
        let db = folder.path("t.sqlite")
        let database = try TollGuardDatabase.open(path: db)
        for (index, account) in ["1001", "1002"].enumerated() {
            try AlertSeeds.store(
                database, rule: .velocityInternational, severity: .high, subject: Subject(.account, account),
                at: AlertSeeds.start.addingTimeInterval(Double(index) * 60), calls: 30)
        }
        _ = try database.store(
            [
                (
                    CallRecord(
                        dedupKey: "k1", callID: "k1", account: "1001", callerNumber: "1001", destination: "100",
                        startedAt: AlertSeeds.start, endedAt: AlertSeeds.start.addingTimeInterval(60), duration: 60,
                        billsec: 55, disposition: .answered), nil
                )
            ], source: "test")
        let config = try folder.write("tollguard.toml", text: "[site]\ntimezone = \"UTC\"\n")
        return (db, ["TOLLGUARD_DB": db, "TOLLGUARD_CONFIG": config, "COLUMNS": "100"])
    }

    @Test func alertsListShowsTheDayAndFitsTheTerminal() async throws {
        let folder = try TemporaryDirectory()
        let (_, environment) = try Self.store(folder)
        let list = try await CLITests.run(["alerts", "list"], environment: environment)
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.first?.contains("DAY") == true)
        #expect(lines.dropFirst().allSatisfy { $0.contains("2026-11-18") }, "\(list.stdout)")
        #expect(lines.allSatisfy { $0.count <= 100 }, "\(list.stdout)")
        #expect(lines.dropFirst().allSatisfy { $0.hasSuffix("…") }, "\(list.stdout)")
        // `show` has the summary whole.
        let show = try await CLITests.run(["alerts", "show", "1"], environment: environment)
        #expect(show.stdout.contains("30 calls to LV"), "\(show.stdout)")
    }

    @Test func reopenAndTheSuspensionStateOfTheSubject() async throws {
        let folder = try TemporaryDirectory()
        let (db, environment) = try Self.store(folder)
        #expect(
            try await CLITests.run(["alerts", "show", "1"], environment: environment).stdout.contains("suspended:  no"))
        #expect(try await CLITests.run(["suspend", "1001", "--reason", "fraud"], environment: environment).status == 0)
        let suspended = try await CLITests.run(["alerts", "show", "1"], environment: environment)
        #expect(suspended.stdout.contains("suspended:  yes, since "), "\(suspended.stdout)")

        #expect(try await CLITests.run(["alerts", "false-positive", "2"], environment: environment).status == 0)
        let database = try TollGuardDatabase.open(path: db)
        #expect(try database.alert(id: 2)?.state == .falsePositive)
        let reopened = try await CLITests.run(
            ["alerts", "reopen", "2", "--comment", "it was fraud after all"], environment: environment)
        #expect(reopened.status == 0, "\(reopened.stderr)")
        #expect(try database.alert(id: 2)?.state == .open)
        #expect(try database.alertHistory(id: 2).map(\.state) == [.open, .falsePositive, .open])
        let suppressions = try await database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM alert_suppressions")
        }
        #expect(suppressions == 0, "the false positive's quiet time ended with the reopening")
        let again = try await CLITests.run(["alerts", "reopen", "2"], environment: environment)
        #expect(again.status == 1)
    }

    @Test func quotaSetWarnsAboutAnUnknownAccountAndListTakesADay() async throws {
        let folder = try TemporaryDirectory()
        let (_, environment) = try Self.store(folder)
        let known = try await CLITests.run(["quota", "set", "1001", "25"], environment: environment)
        #expect(known.status == 0 && !known.stderr.contains("warning"))
        let typo = try await CLITests.run(["quota", "set", "10O1", "25"], environment: environment)
        #expect(typo.status == 0)
        #expect(typo.stderr.contains("warning: no call of account 10O1 is stored"), "\(typo.stderr)")
        let json = try await CLITests.run(
            ["quota", "list", "--date", "2026-11-18", "--json"], environment: environment)
        #expect(json.status == 0, "\(json.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(answer["day"] as? String == "2026-11-18")
        let quotas = try #require(answer["quotas"] as? [[String: Any]])
        #expect(quotas.map { $0["account"] as? String } == ["1001", "10O1"])
        #expect(quotas.first?["quota"] as? Double == 25)
        let text = try await CLITests.run(["quota", "list", "--date", "2026-11-18"], environment: environment)
        #expect(text.stdout.contains("SPENT 2026-11-18"))
    }

    /// A raise until midnight needs a reason, and the day's list shows it beside the quotas.
    @Test func quotaRaiseNeedsAReasonAndTheListShowsIt() async throws {
        let folder = try TemporaryDirectory()
        let (_, environment) = try Self.store(folder)
        let unexplained = try await CLITests.run(["quota", "raise", "1001", "80"], environment: environment)
        #expect(unexplained.status != 0)
        #expect(unexplained.stderr.contains("--reason"), "\(unexplained.stderr)")
        let raised = try await CLITests.run(
            ["quota", "raise", "1001", "80", "--reason", "trade fair in Lagos", "--by", "ada"], environment: environment
        )
        #expect(raised.status == 0, "\(raised.stderr)")
        let text = try await CLITests.run(["quota", "list"], environment: environment)
        #expect(text.stdout.contains("RAISED FOR"), "\(text.stdout)")
        #expect(text.stdout.contains("trade fair in Lagos"))
        #expect(text.stdout.contains("80.00"))
        let json = try await CLITests.run(["quota", "list", "--json"], environment: environment)
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let raises = try #require(answer["raises"] as? [[String: Any]])
        #expect(raises.map { $0["account"] as? String } == ["1001"])
        #expect(raises.first?["set_by"] as? String == "ada")
        // Another day has no raise.
        let yesterday = try await CLITests.run(["quota", "list", "--date", "2026-11-18"], environment: environment)
        #expect(!yesterday.stdout.contains("RAISED FOR"))
    }
}
