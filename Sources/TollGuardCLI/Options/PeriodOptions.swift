import ArgumentParser
import Foundation
import TollGuardCore

/// `--from` and `--to`: a period of site time, `[from, to)`.
struct PeriodOptions: ParsableArguments {
    @Option(help: "Start (site time): YYYY-MM-DD or \"YYYY-MM-DD HH:MM\". Default: yesterday 00:00.")
    var from: String?

    @Option(help: "End, exclusive (site time). Default: the day after --from, or today 00:00.")
    var to: String?

    /// The period in `zone`: yesterday unless told otherwise; `--to` alone ends it, `--from`
    /// alone makes it that day.
    func period(in zone: TimeZone, global: GlobalOptions, now: Date = Date()) throws -> (from: Date, to: Date) {
        var period = AnalysisRun.previousDay(before: now, in: zone)
        if let from {
            period.from = try global.localDate(from, option: "--from", zone: zone)
            period.to = LocalClock.adding(days: 1, to: period.from, in: zone)
        }
        if let to { period.to = try global.localDate(to, option: "--to", zone: zone) }
        guard period.from < period.to else { throw ValidationError("--from must be before --to") }
        return period
    }
}
