import ArgumentParser
import Foundation
import Logging
import TollGuardCore
import TollGuardDemo

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write realistic PBX traffic with labelled fraud as a FreeSWITCH CDR file, or measure detection.",
        discussion: """
            The simulated site is a New York office on FreeSWITCH (America/New_York, US dial plan) with an \
            outbound call centre and two travellers; eight fraud scenarios are injected on days drawn from the seed. \
            The CDRs use mod_cdr_csv's "asterisk" template. The same seed always gives the same file.

            --evaluate simulates --seeds runs (seeds --seed, --seed+1, …) in a scratch folder, ingests and analyzes \
            each as the demo does, and prints per scenario whether an alert at high or above caught it, how fast, \
            the high+ alerts on honest traffic, and precision and recall.
            """)

    @Option(help: "Days to simulate.")
    var days = 7

    @Option(help: "Extensions: a sixth are call-centre agents, two are travellers.")
    var accounts = 60

    @Option(help: "Random seed.")
    var seed: UInt64 = 2026

    @Option(help: "First local day (YYYY-MM-DD).")
    var start = "2026-11-09"

    @Option(help: "The CDR file to write.")
    var out: String?

    @Option(help: "Also write the injected scenarios as JSON here.")
    var labels: String?

    @Option(name: .customLong("fraud-list"), help: "Also write the known-fraud number list that goes with the traffic.")
    var fraudList: String?

    @Flag(help: "Honest traffic only.")
    var noFraud = false

    @Flag(help: "Measure detection quality instead of writing a file.")
    var evaluate = false

    @Option(help: "With --evaluate: how many seeds.")
    var seeds = 5

    @Flag(help: "With --evaluate: run with the built-in defaults instead of the simulated site's tollguard.toml.")
    var defaultConfig = false

    @Option(help: "With --evaluate: scratch folder (emptied of earlier runs' files).")
    var directory = "tollguard-evaluation"

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if !evaluate && out == nil { throw ValidationError("--out FILE is required (or --evaluate)") }
        if evaluate && !(1...100).contains(seeds) { throw ValidationError("--seeds must be between 1 and 100") }
    }

    private func settings(seed: UInt64) -> SimulationSettings {
        var settings = SimulationSettings()
        settings.days = days
        settings.accounts = accounts
        settings.seed = seed
        settings.firstDay = start
        settings.injectFraud = !noFraud
        return settings
    }

    func run() throws {
        if evaluate { return try runEvaluation() }
        guard let out else { return }
        let simulation = try Simulation(settings(seed: seed))
        try simulation.writeCDRs(to: out)
        if let labels { try simulation.writeLabels(to: labels) }
        if let fraudList { try simulation.writeFraudList(to: fraudList) }
        print(
            "wrote \(simulation.calls.count) calls over \(days) days (\(accounts) extensions, seed \(seed)) to \(out)")
        for scenario in simulation.scenarios {
            print("  \(scenario.start)  \(scenario.description)")
        }
    }

    private func runEvaluation() throws {
        let site = SimulatedSiteRun(
            folder: URL(fileURLWithPath: directory),
            configurationText: defaultConfig
                ? "version = 1\n[site]\ntimezone = \"\(SimulatedSite.timeZoneIdentifier)\"\n"
                : SimulatedSiteRun.configurationText)
        var evaluations: [DetectionEvaluation] = []
        for offset in 0..<UInt64(seeds) {
            let simulation = try Simulation(settings(seed: seed &+ offset))
            let outcome = try site.run(simulation, logger: Logger(label: "tollguard.simulate"))
            let evaluation = try DetectionEvaluation.evaluate(
                seed: seed &+ offset, scenarios: simulation.scenarios, run: outcome.analysisRun, from: outcome.from,
                to: outcome.to)
            evaluations.append(evaluation)
            if !output.json { printEvaluation(evaluation, calls: simulation.calls.count) }
        }
        let scenarios = evaluations.flatMap(\.scenarios)
        let caught = scenarios.filter(\.caught).count
        let high = evaluations.reduce(0) { $0 + $1.highAlerts }
        let truePositives = evaluations.reduce(0) { $0 + $1.truePositiveHighAlerts }
        let honest = evaluations.reduce(0) { $0 + $1.honestHighAlerts.count }
        if output.json {
            try printJSON(
                EvaluationAnswer(
                    seeds: evaluations.map(EvaluationAnswer.Seed.init), scenarios: scenarios.count, caught: caught,
                    highAlerts: high, truePositiveHighAlerts: truePositives, honestHighAlerts: honest,
                    recall: Self.ratio(caught, scenarios.count), precision: Self.ratio(truePositives, high)))
            return
        }
        print(
            "over \(seeds) seed\(seeds == 1 ? "" : "s") (\(days) days, \(accounts) extensions"
                + (defaultConfig ? ", built-in defaults" : ", the simulated site's tollguard.toml") + "): "
                + "recall \(Self.percent(caught, scenarios.count)) (\(caught)/\(scenarios.count) scenarios caught at high+), "
                + "precision \(Self.percent(truePositives, high)) (\(truePositives)/\(high) alerts at high+ carry injected calls), "
                + "honest alerts at high+: \(honest)")
    }

    private func printEvaluation(_ evaluation: DetectionEvaluation, calls: Int) {
        let caught = evaluation.scenarios.filter(\.caught).count
        print(
            "seed \(evaluation.seed): \(calls) calls — \(caught)/\(evaluation.scenarios.count) scenarios caught, "
                + "\(evaluation.honestHighAlerts.count) honest alerts at high+ (\(evaluation.honestLowerAlerts) honest warnings), "
                + "precision \(Self.percent(evaluation.truePositiveHighAlerts, evaluation.highAlerts))")
        var table = TextTable("SCENARIO", "CAUGHT", "HIGHEST", "FIRST HIGH+ ALERT", "AFTER", "CALLS", "OF", "ALERTS")
        for scenario in evaluation.scenarios {
            table.append([
                scenario.id, scenario.caught ? "yes" : "NO", scenario.highestSeverity?.name ?? "-",
                scenario.firstAlertRule ?? "-", scenario.secondsToFirstAlert.map(Self.duration) ?? "-",
                scenario.callsBeforeAlert.map(String.init) ?? "-", String(scenario.calls),
                String(scenario.alertIDs.count),
            ])
        }
        print(table.render())
        for alert in evaluation.honestHighAlerts {
            print("  honest alert at high+: #\(alert.id) \(alert.severity.name) \(alert.rule): \(alert.summary)")
        }
        print("")
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return "\(Int(seconds)) s" }
        if seconds < 3600 { return "\(Int(seconds / 60)) min" }
        return String(format: "%.1f h", seconds / 3600)
    }

    static func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 1 : Double(part) / Double(whole) }

    static func percent(_ part: Int, _ whole: Int) -> String { String(format: "%.1f %%", ratio(part, whole) * 100) }
}

/// `simulate --evaluate --json`.
struct EvaluationAnswer: Encodable {
    struct Seed: Encodable {
        var seed: UInt64
        var scenarios: [ScenarioOutcome]
        var highAlerts: Int
        var honestHighAlerts: [String]
        var honestWarnings: Int

        init(_ evaluation: DetectionEvaluation) {
            seed = evaluation.seed
            scenarios = evaluation.scenarios
            highAlerts = evaluation.highAlerts
            honestHighAlerts = evaluation.honestHighAlerts.map { "\($0.rule): \($0.summary)" }
            honestWarnings = evaluation.honestLowerAlerts
        }

        enum CodingKeys: String, CodingKey {
            case seed, scenarios
            case highAlerts = "high_alerts"
            case honestHighAlerts = "honest_high_alerts"
            case honestWarnings = "honest_warnings"
        }
    }

    var seeds: [Seed]
    var scenarios: Int
    var caught: Int
    var highAlerts: Int
    var truePositiveHighAlerts: Int
    var honestHighAlerts: Int
    var recall: Double
    var precision: Double

    enum CodingKeys: String, CodingKey {
        case seeds, scenarios, caught, recall, precision
        case highAlerts = "high_alerts"
        case truePositiveHighAlerts = "true_positive_high_alerts"
        case honestHighAlerts = "honest_high_alerts"
    }
}
