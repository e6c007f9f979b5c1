import Foundation
import Logging
import TollGuardCore

/// One simulated site end to end in its own folder — CDR file, scenario labels, known-fraud
/// list, configuration, database — ingested and analyzed exactly as an operator's would be.
///
/// `tollguard demo` and the detection-quality evaluation both run through it.
package struct SimulatedSiteRun: Sendable {
    package let folder: URL
    /// The `tollguard.toml` the site runs with: `configurationText` unless told otherwise.
    package let configurationText: String

    package init(folder: URL, configurationText: String = SimulatedSiteRun.configurationText) {
        self.folder = folder
        self.configurationText = configurationText
    }

    package var cdrPath: String { path("Master.csv") }
    package var labelsPath: String { path("scenarios.json") }
    package var fraudListPath: String { path("known-fraud.txt") }
    package var configurationPath: String { path("tollguard.toml") }
    package var databasePath: String { path("tollguard.sqlite") }
    package var reportsFolder: URL { folder.appendingPathComponent("reports") }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The simulated site's `tollguard.toml`: its time zone and numbers, and the group an admin
    /// would give its call centre.
    ///
    /// Everything else is the default.
    package static let configurationText = """
        # tollguard.toml of the simulated site (tollguard demo / tollguard simulate --evaluate).
        version = 1

        [site]
        timezone = "\(SimulatedSite.timeZoneIdentifier)"

        [database]
        path = "tollguard.sqlite"

        [analysis]
        # The site's DIDs: calls to them in the public context are inbound, not leaks.
        own_number_prefixes = ["\(SimulatedSite.didPrefix)"]

        # The outbound call centre's agents dial all day: their own volume limits. (Its gateway,
        # "\(SimulatedSite.dialerGateway)", carries all agents at once and keeps the trunk defaults.)
        [analysis.groups.callcentre]
        accounts = ["2*"]
        velocity_attempts_1h = 400
        velocity_attempts_10m = 90
        velocity_answered_1h = 200

        """

    /// What a run did.
    package struct Outcome: Sendable {
        package var database: TollGuardDatabase
        package var configuration: TollGuardConfiguration
        package var ingest: FileIngestSummary
        package var analysis: AnalysisReport
        /// What the action layer did after the analysis: suspensions, hook events queued.
        package var actions: AlertActionsReport
        package var analysisRun: AnalysisRun
        package var from: Date
        package var to: Date
    }

    /// Removes what an earlier run left (only the files this run writes) and makes the folder.
    package func prepareFolder() throws {
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: folder.path)
        where ["Master.csv", "scenarios.json", "known-fraud.txt", "tollguard.toml"].contains(name)
            || name.hasPrefix("tollguard.sqlite")
        {
            try manager.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// Loads the site's rate deck (the example deck) and its known-fraud list (written by
    /// ``run(_:now:)``) into `database`; returns the rater they make.
    package func loadReferenceData(into database: TollGuardDatabase, configuration: TollGuardConfiguration) throws
        -> DestinationRater
    {
        let deck = try RateDeck.parse(
            try ReferenceData.embedded.table("ratedeck-example.csv"), defaultCurrency: configuration.rating.currency)
        try database.replaceRateDeck(deck, sourcePath: "built-in Data/ratedeck-example.csv")
        let listText = try String(contentsOfFile: fraudListPath, encoding: .utf8)
        try database.saveFraudList(
            FraudList.parse(name: "known-fraud", text: listText, source: fraudListPath).0, sourcePath: fraudListPath)
        return try configuration.destinationRater(plan: NumberingPlan.builtIn.get(), deck: deck)
    }

    /// Writes the simulation's files, ingests the CDRs with the example rate deck and the
    /// known-fraud list, analyzes the simulated days and acts on the alerts (the policy and the
    /// outbox; delivering is the caller's choice).
    package func run(_ simulation: Simulation, logger: Logger, now: Date = Date()) throws -> Outcome {
        try prepareFolder()
        try simulation.writeCDRs(to: cdrPath)
        try simulation.writeLabels(to: labelsPath)
        try simulation.writeFraudList(to: fraudListPath)
        try configurationText.write(toFile: configurationPath, atomically: true, encoding: .utf8)

        let configuration = try ConfigurationLoader.decode(configurationText, path: configurationPath)
            .configuration
        let zone = Simulation.timeZone
        let database = try TollGuardDatabase.open(path: databasePath)
        var options = configuration.ingestOptions(timeZone: zone)
        let plan = try NumberingPlan.builtIn.get()
        options.rater = try loadReferenceData(into: database, configuration: configuration)
        let ingest = try CDRFileIngester(database: database, options: options, logger: logger).ingest(path: cdrPath)

        var converter = LocalTimeConverter(timeZone: zone)
        guard let from = converter.date(localText: simulation.settings.firstDay) else {
            throw SimulationError(message: "the first day \(simulation.settings.firstDay) is not a date")
        }
        let to = LocalClock.adding(days: simulation.settings.days, to: from, in: zone)
        let analysisRun = AnalysisRun(
            database: database, configuration: configuration, timeZone: zone, countryNames: plan.countryNames)
        let analysis = try analysisRun.run(from: from, to: to, now: now)
        // The decisions as `analyze` takes them; delivering is the caller's choice. (Synchronous:
        // a simulated week is minutes of work that must not hold the cooperative pool.)
        let decider = ActionDecider(database: database, settings: ActionSettings(configuration))
        _ = try decider.liftExpiredSuspensions(now: now)
        return Outcome(
            database: database, configuration: configuration, ingest: ingest, analysis: analysis,
            actions: try decider.actOnNewAlerts(now: now), analysisRun: analysisRun, from: from, to: to)
    }
}
