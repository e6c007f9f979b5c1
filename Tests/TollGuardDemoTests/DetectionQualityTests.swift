import Foundation
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// The acceptance figures: over five seeds every injected scenario raises an alert at `high`
/// or above, and honest traffic — the call centre and the travellers included — raises none.
@Suite struct DetectionQualityTests {
    @Test(arguments: [UInt64(2026), 2027, 2028, 2029, 2030])
    func everyScenarioIsCaughtAndHonestTrafficStaysBelowHigh(seed: UInt64) async throws {
        let directory = try TemporaryDirectory()
        // A simulated week is long synchronous work: off the cooperative pool, which other suites' network tests need.
        let (simulation, evaluation) = try await onOwnThread {
            var settings = SimulationSettings()
            settings.seed = seed
            settings.accounts = 36
            let simulation = try Simulation(settings)
            let site = SimulatedSiteRun(folder: URL(fileURLWithPath: directory.path("site")))
            let outcome = try site.run(simulation, logger: testLogger)
            let evaluation = try DetectionEvaluation.evaluate(
                seed: seed, scenarios: simulation.scenarios, run: outcome.analysisRun, from: outcome.from,
                to: outcome.to)
            return (simulation, evaluation)
        }
        for scenario in evaluation.scenarios {
            #expect(scenario.caught, "seed \(seed): \(scenario.description) not caught at high+")
            #expect((scenario.highestSeverity ?? .info) >= .high)
            #expect((scenario.callsBeforeAlert ?? 0) >= 1)
        }
        #expect(evaluation.recall == 1)
        #expect(
            evaluation.honestHighAlerts.isEmpty,
            "seed \(seed): \(evaluation.honestHighAlerts.map { "\($0.rule) \($0.summary)" })")
        #expect(evaluation.precision == 1)
        // The travellers did call new countries and the call centre did dial all day.
        let labels = simulation.labels
        #expect(labels.travellers.count == 2 && labels.callCentre.count == 6)
        let agentCalls = simulation.calls.filter { $0.account.hasPrefix("2") }.count
        #expect(agentCalls > 5 * 6 * 500)
    }

    @Test func anAlertOnHonestTrafficCountsAgainstPrecision() async throws {
        // The same site with a quota of five cents a day: honest staff breach it, and that is counted.
        let directory = try TemporaryDirectory()
        let evaluation = try await onOwnThread {
            var settings = SimulationSettings()
            settings.seed = 2026
            settings.accounts = 24
            settings.days = 4
            settings.injectFraud = false
            let simulation = try Simulation(settings)
            let site = SimulatedSiteRun(
                folder: URL(fileURLWithPath: directory.path("strict")),
                configurationText: SimulatedSiteRun.configurationText + "\n[analysis.account]\ndaily_quota = 0.05\n")
            let outcome = try site.run(simulation, logger: testLogger)
            return try DetectionEvaluation.evaluate(
                seed: 2026, scenarios: [], run: outcome.analysisRun, from: outcome.from, to: outcome.to)
        }
        #expect(!evaluation.honestHighAlerts.isEmpty)
        #expect(evaluation.precision == 0)
        #expect(evaluation.honestHighAlerts.allSatisfy { $0.rule == AnalysisRule.dailyQuota.rawValue })
    }
}
