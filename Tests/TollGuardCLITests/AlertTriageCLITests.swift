import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// What a reviewer does in the console is what `tollguard alerts show` tells at a terminal.
@Suite struct AlertTriageCLITests {
    @Test func alertsShowTellsWhoWorksAnAlertAndWhatItsSnoozeWaitsFor() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("t.sqlite")
        let database = try TollGuardDatabase.open(path: path)
        let id = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001")))
        _ = try database.assignAlert(id: id, to: "rob", actor: "rob")
        _ = try database.snoozeAlert(
            id: id, SnoozeRequest(moreCostMicros: 0, moreCalls: 5), actor: "rob",
            comment: "customer says test")

        let shown = try await CLITests.run(["alerts", "show", String(id), "--db", path])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("assigned:   rob"), "\(shown.stdout)")
        #expect(
            shown.stdout.contains("snoozed:    until it costs more than 3.00 or reaches 7 calls"), "\(shown.stdout)")
        #expect(shown.stdout.contains("snoozed by rob: until it costs more than 3.00"), "\(shown.stdout)")
        #expect(shown.stdout.contains("(customer says test)"), "\(shown.stdout)")

        let json = try await CLITests.run(["alerts", "show", String(id), "--db", path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["assignee"] as? String == "rob")
        #expect((object["snoozed"] as? String)?.hasPrefix("until it costs more than") == true)
    }
}
