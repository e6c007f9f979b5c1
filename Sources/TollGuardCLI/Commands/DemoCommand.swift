import ArgumentParser
import Foundation
import TollGuardCore

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Simulate a week of a PBX with injected fraud, ingest it, analyze it, show the alerts and the report.",
        discussion: """
            Touches nothing outside its folder (default ./tollguard-demo): the CDR file, the injected scenarios, \
            the known-fraud list, the site's tollguard.toml, the database and reports/ are written there, and \
            earlier demo files in it are replaced. No configuration is needed.
            """
    )

    @Option(name: .long, help: "Folder for the demo's files.")
    var directory = "tollguard-demo"

    @Option(help: "Days to simulate.")
    var days = 7

    @Option(help: "Extensions: a sixth are call-centre agents.")
    var accounts = 60

    @Option(name: .long, help: "Random seed; the same seed gives the same traffic.")
    var seed: UInt64 = 2026

    func run() throws {
        let clock = ContinuousClock()
        let started = clock.now
        var settings = SimulationSettings()
        settings.days = days
        settings.accounts = accounts
        settings.seed = seed
        let simulation = try Simulation(settings)
        let site = SimulatedSiteRun(folder: URL(fileURLWithPath: directory))
        print(
            "Simulating \(days) days of a New York FreeSWITCH PBX (\(accounts) extensions, call centre included, "
                + "seed \(seed)) with \(simulation.scenarios.count) injected fraud scenarios")
        let outcome = try site.run(simulation)
        let ingest = outcome.ingest
        print(
            "Ingested \(site.cdrPath): \(ingest.rowsRead) rows (\(ingest.format.rawValue), \(ingest.formatSource)), "
                + "\(ingest.inserted) inserted, \(ingest.rejected) rejected")
        let analysis = outcome.analysis
        print(
            "Analyzed \(analysis.callsAnalyzed) calls in \(analysis.elapsed.secondsText) s: "
                + "\(analysis.changes.newCount) alerts\(AnalyzeCommand.bySeverity(analysis.changes.new))")

        let zone = Simulation.timeZone
        let alerts = try outcome.database.alerts(AlertFilter(states: Set(AlertState.allCases)))
        var table = TextTable("SEVERITY", "SUBJECT", "SUMMARY")
        for alert in alerts {
            table.append([alert.severity.name, "\(alert.subject.kind.rawValue) \(alert.subject.value)", alert.summary])
        }
        print("\nAlerts, most severe first (times are \(zone.identifier)):")
        print(table.render())

        print("\nInjected scenarios (\(site.labelsPath)):")
        for scenario in simulation.scenarios { print("  \(scenario.start)  \(scenario.description)") }

        let paths = try ReportCommand.write(
            database: outcome.database, configuration: outcome.configuration, zone: zone, from: outcome.from,
            to: outcome.to, folder: site.reportsFolder.path, countryNames: try NumberingPlan.builtIn.get().countryNames)
        print("\nReport: \(paths.first ?? "")")
        print("        (\(paths.dropFirst().joined(separator: ", ")))")
        print("Done in \((clock.now - started).secondsText) s. Look around:")
        print("  cd \(directory) && tollguard alerts list && tollguard alerts show 1")
        print("  tollguard simulate --evaluate    # recall and precision over five seeds")
    }
}
