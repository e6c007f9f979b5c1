import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// The simulator: deterministic per seed, real FreeSWITCH rows the ingest path reads, and
/// destinations that classify as the traffic they stand for.
@Suite struct SimulatorTests {
    static func settings(seed: UInt64, days: Int = 7, accounts: Int = 30) -> SimulationSettings {
        var settings = SimulationSettings()
        settings.seed = seed
        settings.days = days
        settings.accounts = accounts
        return settings
    }

    @Test func theSameSeedWritesTheSameFileAndAnotherSeedDoesNot() throws {
        let directory = try TemporaryDirectory()
        let a = directory.path("a.csv")
        let b = directory.path("b.csv")
        let c = directory.path("c.csv")
        try Simulation(Self.settings(seed: 7, days: 3)).writeCDRs(to: a)
        try Simulation(Self.settings(seed: 7, days: 3)).writeCDRs(to: b)
        try Simulation(Self.settings(seed: 8, days: 3)).writeCDRs(to: c)
        let bytesA = try Data(contentsOf: URL(fileURLWithPath: a))
        #expect(bytesA.count > 100_000)
        #expect(bytesA == (try Data(contentsOf: URL(fileURLWithPath: b))))
        #expect(bytesA != (try Data(contentsOf: URL(fileURLWithPath: c))))
    }

    @Test func everyScenarioIsInjectedOnceWithItsCallsInsideTheWeek() throws {
        let simulation = try Simulation(Self.settings(seed: 11))
        #expect(simulation.scenarios.map(\.kind) == FraudScenarioKind.allCases)
        let labelled = Set(simulation.calls.compactMap(\.scenario))
        #expect(labelled == Set(FraudScenarioKind.allCases.map(\.rawValue)))
        for scenario in simulation.scenarios {
            let calls = simulation.calls.filter { $0.scenario == scenario.id }
            #expect(Set(calls.map(\.uuid)) == Set(scenario.callIDs))
            #expect(!scenario.callIDs.isEmpty)
            // After the first (baseline) day, and over before the simulated week ends.
            #expect(scenario.start > "2026-11-10" && scenario.end < "2026-11-16", "\(scenario.id) \(scenario.start)")
        }
        // Honest traffic only: no scenario, and the same honest calls as with fraud.
        var honest = Self.settings(seed: 11)
        honest.injectFraud = false
        let quiet = try Simulation(honest)
        #expect(quiet.scenarios.isEmpty && quiet.calls.allSatisfy { $0.scenario == nil })
        #expect(quiet.calls.map(\.uuid) == simulation.calls.filter { $0.scenario == nil }.map(\.uuid))
    }

    @Test func theFileIsDetectedAsTheAsteriskTemplateAndIngestedWithoutRejects() throws {
        let directory = try TemporaryDirectory()
        let simulation = try Simulation(Self.settings(seed: 3, days: 2))
        let path = directory.path("Master.csv")
        try simulation.writeCDRs(to: path)
        let database = try TollGuardDatabase.inMemory()
        let summary = try CDRFileIngester(
            database: database, options: IngestOptions(timeZone: Simulation.timeZone), logger: testLogger
        )
        .ingest(path: path)
        #expect(summary.format == .fsAsterisk)
        #expect(summary.inserted == simulation.calls.count && summary.rejected == 0)
        // An office call: account, caller name, gateway; an inbound one: the caller's number, context public.
        let office = try #require(
            simulation.calls.first { $0.account.hasPrefix("10") && $0.bridgeTarget.contains("gateway") })
        func row(_ uuid: String) throws -> Row? {
            try database.writer.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM calls WHERE dedup_key = ?", arguments: [uuid])
            }
        }
        let stored = try #require(try row(office.uuid))
        #expect(stored["account"] == office.account)
        #expect(stored["caller_name"] == office.callerName)
        #expect(stored["trunk"] == SimulatedSite.officeGateway)
        #expect(stored["destination"] == office.destination)
        #expect(stored["billsec"] == office.talkSeconds)
        let inbound = try #require(simulation.calls.first { $0.context == "public" })
        let storedInbound = try #require(try row(inbound.uuid))
        #expect(storedInbound["account"] == inbound.callerNumber)
        #expect(storedInbound["context"] == "public")
        #expect(storedInbound["answer_utc"] == nil as String?)
    }

    /// Every number the simulator can draw classifies as the traffic it stands for.
    @Test func drawnNumbersClassifyAsIntended() throws {
        let plan = try NumberingPlan.builtIn.get()
        let classifier = try NumberClassifier(plan: plan, dialPlan: DialPlan())
        let simulation = try Simulation(Self.settings(seed: 5))
        var byScenario: [String: Set<String>] = [:]
        var honestScopes: [String: Int] = [:]
        for call in simulation.calls where call.context == "default" {
            let result = classifier.classify(call.destination)
            if let scenario = call.scenario {
                byScenario[scenario, default: []].insert(result.scope.rawValue)
            } else {
                honestScopes[result.scope.rawValue, default: 0] += 1
            }
        }
        // Honest staff dial extensions, national and international numbers — nothing invalid.
        #expect(Set(honestScopes.keys).isSubset(of: ["internal", "national", "international"]))
        #expect(honestScopes["international", default: 0] > 50)
        #expect(byScenario["irsf_burst"] == ["international"])
        #expect(byScenario["targeted_pumping"] == ["international"])
        #expect(byScenario["quota_exhaustion"] == ["international"])
        #expect(byScenario["fraud_list_slow"] == ["international"])
        #expect(byScenario["wangiri_callback"] == ["same_code_other_region"])
        // Route scanning: the probes do not resolve; the one that works is international.
        #expect(byScenario["route_scan"]?.contains("invalid") == true)
        #expect(byScenario["route_scan"]?.contains("international") == true)
    }
}
