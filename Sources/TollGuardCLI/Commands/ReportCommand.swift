import ArgumentParser
import Foundation
import TollGuardCore

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render the report of a day (or a period) from the store again.",
        discussion: """
            Writes NAME.html (self-contained: inline CSS and SVG), NAME.json and NAME-alerts.csv into the reports \
            folder (reports.directory, default ./reports). NAME is the date, or FIRST--LAST for --from/--to. \
            analyze writes the same files for every day it analyzes.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The local day to report (YYYY-MM-DD). Default: yesterday.")
    var date: String?

    @Option(help: "Start of a longer period (site time), instead of --date.")
    var from: String?

    @Option(help: "End of that period, exclusive (site time).")
    var to: String?

    @Option(help: "Folder to write into (default: reports.directory).")
    var directory: String?

    func validate() throws {
        if date != nil && (from != nil || to != nil) { throw ValidationError("use --date, or --from and --to") }
        if (from == nil) != (to == nil) { throw ValidationError("--from and --to go together") }
    }

    func run() throws {
        let configuration = try global.loadConfiguration().configuration
        let zone = global.siteTimeZone(configuration)
        var period = AnalysisRun.previousDay(before: Date(), in: zone)
        if let date {
            period.from = try global.localDate(date, option: "--date", zone: zone)
            period.to = LocalClock.adding(days: 1, to: period.from, in: zone)
        }
        if let from, let to {
            period = (
                try global.localDate(from, option: "--from", zone: zone),
                try global.localDate(to, option: "--to", zone: zone)
            )
        }
        guard period.from < period.to else { throw ValidationError("--from must be before --to") }
        guard let database = try global.openExistingDatabase(configuration) else {
            throw ValidationError("no database at \(global.databasePath(configuration)): ingest and analyze first")
        }
        let paths = try Self.write(
            database: database, configuration: configuration, zone: zone, from: period.from, to: period.to,
            folder: directory ?? configuration.reports.directory, countryNames: try global.numberingPlan().countryNames)
        for path in paths { print(path) }
        if try database.callStartRange(from: period.from, to: period.to) == nil,
            let hint = try EmptyPeriodHint.message(database: database, zone: zone, verb: "report")
        {
            FileHandle.standardError.write(Data("tollguard report: \(hint)\n".utf8))
        }
    }

    /// Builds and writes one report; returns the paths written, HTML first.
    static func write(
        database: TollGuardDatabase, configuration: TollGuardConfiguration, zone: TimeZone, from: Date, to: Date,
        folder: String, countryNames: [String: String]
    ) throws -> [String] {
        let builder = ReportBuilder(
            database: database, configuration: configuration, timeZone: zone, countryNames: countryNames)
        let report = try builder.build(from: from, to: to)
        return try ReportWriter(folder: URL(fileURLWithPath: folder)).write(report)
    }
}
