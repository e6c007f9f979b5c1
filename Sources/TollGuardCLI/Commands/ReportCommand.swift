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

    @OptionGroup(title: "A longer period instead of --date") var period: PeriodOptions

    @Option(help: "Folder to write into (default: reports.directory).")
    var directory: String?

    func validate() throws {
        if date != nil && (period.from != nil || period.to != nil) {
            throw ValidationError("use --date, or --from and --to")
        }
        if (period.from == nil) != (period.to == nil) { throw ValidationError("--from and --to go together") }
    }

    func run() throws {
        let configuration = try global.loadConfiguration().configuration
        let zone = global.siteTimeZone(configuration)
        var period = try self.period.period(in: zone, global: global)
        if let date {
            period.from = try global.localDate(date, option: "--date", zone: zone)
            period.to = LocalClock.adding(days: 1, to: period.from, in: zone)
        }
        let database = try global.openStoreToRead(configuration)
        let paths = try ReportBuilder(
            database: database, configuration: configuration, timeZone: zone,
            countryNames: try global.numberingPlan().countryNames
        ).write(
            from: period.from, to: period.to,
            with: ReportWriter(folder: URL(fileURLWithPath: directory ?? configuration.reports.directory)))
        for path in paths { print(path) }
        if try database.callStartRange(from: period.from, to: period.to) == nil,
            let hint = try EmptyPeriodHint.message(database: database, zone: zone, verb: "report")
        {
            FileHandle.standardError.write(Data("tollguard report: \(hint)\n".utf8))
        }
    }
}
