import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// Nightly analysis over the store: alerts are de-duplicated per (rule, subject, window),
/// re-runs are idempotent, and the lifecycle and false-positive suppression hold.
@Suite struct AlertStoreTests {
    /// A US site with the example rate deck; one quiet account and one hacked at night.
    static func storedNight() throws -> (TollGuardDatabase, AnalysisRun) {
        let database = try TollGuardDatabase.inMemory()
        var configuration = TollGuardConfiguration()
        configuration.site.timezone = "America/New_York"
        configuration.dialplan.site.homeRegion = "US"
        configuration.dialplan.site.outsideLinePrefixes = ["9"]
        let plan = try NumberingPlan.builtIn.get()
        let deck = try RateDeck.parse(ReferenceData.embedded.table("ratedeck-example.csv"), defaultCurrency: "USD")
        let rater = try configuration.destinationRater(plan: plan, deck: deck)
        let day = Self.dayStart  // local midnight in New York
        var calls: [(record: CallRecord, destination: CallDestination?)] = []
        func add(_ id: String, _ account: String, _ dialed: String, at minutes: Double, talk: Int) {
            let start = day.addingTimeInterval(minutes * 60)
            let record = CallRecord(
                dedupKey: id, callID: id, account: account, callerNumber: account, destination: dialed,
                sourceIP: "192.0.2.10", startedAt: start, answeredAt: start.addingTimeInterval(4),
                endedAt: start.addingTimeInterval(4 + Double(talk)), duration: talk + 4, billsec: talk,
                disposition: .answered)
            calls.append((record, rater.rate(record)))
        }
        for index in 0..<20 {
            add("day-\(index)", "1001", "9 1 202 555 01\(10 + index)", at: 540 + Double(index) * 20, talk: 120)
        }
        // 02:10 onwards: 14 calls to Cuba and Latvian premium numbers from 1023.
        for index in 0..<14 {
            let dialed = index.isMultiple(of: 2) ? "9011 53 7234 56\(10 + index)" : "9011 371 9000 00\(10 + index)"
            add("night-\(index)", "1023", dialed, at: 130 + Double(index) * 1.5, talk: 900)
        }
        _ = try database.store(calls, source: "csv")
        let run = AnalysisRun(
            database: database, configuration: configuration, timeZone: .named("America/New_York"),
            countryNames: plan.countryNames)
        return (database, run)
    }

    static let dayStart = Date(timeIntervalSince1970: 1_795_150_800)  // 2026-11-20 05:00 UTC
    static let dayEnd = Date(timeIntervalSince1970: 1_795_237_200)  // 2026-11-21 05:00 UTC

    @Test func analyzingTheSameDayTwiceOrOverlappingWindowsAddsNoAlerts() throws {
        let (database, run) = try Self.storedNight()
        let first = try run.run(from: Self.dayStart, to: Self.dayEnd)
        #expect(first.callsAnalyzed == 34)
        #expect(first.changes.newCount > 0)
        let alerts = try database.alerts(AlertFilter())
        #expect(alerts.count == first.changes.newCount)
        #expect(alerts.contains { $0.rule == "destination_class" && $0.subject == Subject(.account, "1023") })
        #expect(!alerts.contains { $0.subject == Subject(.account, "1001") && $0.severity >= .high })

        let again = try run.run(from: Self.dayStart, to: Self.dayEnd)
        #expect(again.changes.newCount == 0)
        #expect(again.changes.updatedCount == 0)
        #expect(again.changes.unchanged == first.changes.newCount)

        // Overlapping windows: the night half in one run, a window straddling it in another.
        let overlap = try run.run(
            from: Self.dayStart.addingTimeInterval(-6 * 3600), to: Self.dayStart.addingTimeInterval(3 * 3600))
        let shifted = try run.run(from: Self.dayStart.addingTimeInterval(2 * 3600 + 900), to: Self.dayEnd)
        #expect(overlap.changes.newCount == 0)
        #expect(shifted.changes.newCount == 0)
        #expect(try database.alerts(AlertFilter()).count == alerts.count)
    }

    @Test func anAlertSaysWhoWhatWhereWhenAndHowMuch() throws {
        let (database, run) = try Self.storedNight()
        _ = try run.run(from: Self.dayStart, to: Self.dayEnd)
        let classAlert = try #require(try database.alerts(AlertFilter()).first { $0.rule == "destination_class" })
        #expect(classAlert.severity >= .high)
        #expect(classAlert.callCount == 7)
        #expect(classAlert.summary.hasPrefix("1023 called +3719000"))
        #expect(classAlert.summary.contains("7 calls to Latvia"))
        #expect(classAlert.summary.contains("02:"))
        let calls = try database.alertCalls(id: classAlert.id)
        #expect(calls.count == 7)
        #expect(calls.allSatisfy { $0.account == "1023" && $0.region == "LV" && $0.costMicros > 0 })
        #expect(calls.first?.destinationClass == "international")
        #expect(classAlert.costMicros == calls.reduce(0) { $0 + $1.costMicros })
    }

    @Test func lifecycleRecordsWhoWhenAndWhyAndAllowsOnlyForwardMoves() throws {
        let (database, run) = try Self.storedNight()
        _ = try run.run(from: Self.dayStart, to: Self.dayEnd)
        let alert = try #require(try database.alerts(AlertFilter()).first)
        let acknowledged = try database.setAlertState(
            id: alert.id, to: .acknowledged, actor: "ops", comment: "calling 1023", suppressFor: 0)
        #expect(acknowledged.state == .acknowledged)
        #expect(acknowledged.stateBy == "ops")
        let resolved = try database.setAlertState(
            id: alert.id, to: .resolved, actor: "ops", comment: "password reset", suppressFor: 0)
        #expect(resolved.stateComment == "password reset")
        #expect(throws: AlertStateError.notAllowed(id: alert.id, from: .resolved, to: .acknowledged)) {
            try database.setAlertState(id: alert.id, to: .acknowledged, actor: "ops", comment: nil, suppressFor: 0)
        }
        #expect(throws: AlertStateError.noSuchAlert(999)) {
            try database.setAlertState(id: 999, to: .resolved, actor: "ops", comment: nil, suppressFor: 0)
        }
        #expect(try database.alertHistory(id: alert.id).map(\.state) == [.open, .acknowledged, .resolved])
        // A resolved alert is still the same incident: re-analysis updates nothing and opens nothing.
        let again = try run.run(from: Self.dayStart, to: Self.dayEnd)
        #expect(again.changes.newCount == 0)
        #expect(try database.alert(id: alert.id)?.state == .resolved)
    }

    @Test func aFalsePositiveSilencesItsRuleForItsSubjectForAWhile() throws {
        let (database, run) = try Self.storedNight()
        let markedAt = Self.dayEnd.addingTimeInterval(3600)
        _ = try run.run(from: Self.dayStart, to: Self.dayEnd, now: markedAt)
        let alerts = try database.alerts(AlertFilter())
        let classAlert = try #require(alerts.first { $0.rule == "destination_class" })
        _ = try database.setAlertState(
            id: classAlert.id, to: .falsePositive, actor: "ops", comment: "1023 calls Latvia for work",
            suppressFor: 86_400,
            now: markedAt)
        let rerun = try run.run(from: Self.dayStart, to: Self.dayEnd)
        #expect(rerun.changes.suppressed >= 1)
        #expect(rerun.changes.newCount == 0)
        // Other rules for the same subject still speak.
        #expect(alerts.contains { $0.rule != "destination_class" && $0.subject == Subject(.account, "1023") })
    }
}
