import Foundation
import TollGuardCore

/// `GET /report`'s page: the HTML report of a local day as the store has it now, the same
/// self-contained page `analyze` writes.
package struct ReportPage: Sendable {
    package let database: TollGuardDatabase
    /// Read per request, so a reload (SIGHUP) shows in the next page.
    package let configuration: ReloadableConfiguration
    package let timeZone: TimeZone
    package let countryNames: [String: String]

    package init(
        database: TollGuardDatabase, configuration: ReloadableConfiguration, timeZone: TimeZone,
        countryNames: [String: String]
    ) {
        self.database = database
        self.configuration = configuration
        self.timeZone = timeZone
        self.countryNames = countryNames
    }

    /// The page of local day `date` (`YYYY-MM-DD`; nil: today); nil when `date` is not a date.
    package func render(date: String?, now: Date = Date()) async throws -> String? {
        var day = LocalClock.day(containing: now, in: timeZone)
        if let date {
            var converter = LocalTimeConverter(timeZone: timeZone)
            guard date.utf8.count == 10, let start = converter.date(localText: date) else { return nil }
            day = LocalClock.day(containing: start, in: timeZone)
        }
        let builder = ReportBuilder(
            database: database, configuration: configuration.current, timeZone: timeZone, countryNames: countryNames)
        return HTMLReportRenderer.render(try await builder.build(from: day.from, to: day.to))
    }
}
