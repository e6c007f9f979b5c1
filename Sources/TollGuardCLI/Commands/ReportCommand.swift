import ArgumentParser
import Foundation
import TollGuardCluster
import TollGuardCore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render the report of a day (or a period) from the store again.",
        discussion: """
            Writes NAME.html (self-contained: inline CSS and SVG), NAME.json and NAME-alerts.csv into the reports \
            folder (reports.directory, default ./reports). NAME is the date, or FIRST--LAST for --from/--to. \
            analyze writes the same files for every day it analyzes. On a node of a cluster (database.url set), \
            the report is the cluster's: every switch's calls, its analyzer's alerts and actions; --local reports \
            this node's own store instead.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The local day to report (YYYY-MM-DD). Default: yesterday.")
    var date: String?

    @OptionGroup(title: "A longer period instead of --date") var period: PeriodOptions

    @Option(help: "Folder to write into (default: reports.directory).")
    var directory: String?

    @Flag(help: "This node's own calls and alerts, not its cluster's (with database.url set).")
    var local = false

    func validate() throws {
        if date != nil && (period.from != nil || period.to != nil) {
            throw ValidationError("use --date, or --from and --to")
        }
        if (period.from == nil) != (period.to == nil) { throw ValidationError("--from and --to go together") }
    }

    func run() async throws {
        let configuration = try global.loadConfiguration().configuration
        let zone = global.siteTimeZone(configuration)
        var period = try self.period.period(in: zone, global: global)
        if let date {
            period.from = try global.localDate(date, option: "--date", zone: zone)
            period.to = LocalClock.adding(days: 1, to: period.from, in: zone)
        }
        let database = try global.openStoreToRead(configuration)
        let countryNames = try global.numberingPlan().countryNames
        let writer = ReportWriter(folder: URL(fileURLWithPath: directory ?? configuration.reports.directory))
        if !local, let cluster = try ClusterAccess(configuration, application: "report") {
            let quotas = try await database.quotaTable()
            let tally = ReportTally(
                from: period.from, to: period.to, timeZone: zone, countryNames: countryNames,
                publicContexts: configuration.analysis.publicContexts)
            let summarizer = global.summarizer(configuration)
            let report = try await cluster.onPrimary(to: "report on its calls") { store in
                try await store.report(
                    tally, site: "", configuration: configuration, quotas: quotas, summarizer: summarizer)
            }
            for path in try writer.write(report) { print(path) }
            FileHandle.standardError.write(
                Data("tollguard report: the cluster's calls and alerts (\(cluster.url)); --local: this node's\n".utf8))
            if report.totals.calls == 0 {
                FileHandle.standardError.write(
                    Data("tollguard report: the cluster store holds no calls that started in this period\n".utf8))
            }
            return
        }
        let paths = try ReportBuilder(
            database: database, configuration: configuration, timeZone: zone, countryNames: countryNames
        ).write(from: period.from, to: period.to, with: writer)
        for path in paths { print(path) }
        if try database.callStartRange(from: period.from, to: period.to) == nil,
            let hint = try EmptyPeriodHint.message(database: database, zone: zone, verb: "report")
        {
            FileHandle.standardError.write(Data("tollguard report: \(hint)\n".utf8))
        }
    }
}
