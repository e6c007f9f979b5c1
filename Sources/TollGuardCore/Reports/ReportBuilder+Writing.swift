import Foundation

extension ReportBuilder {
    /// Builds the report of `[from, to)` and writes its three files with `writer`; returns their
    /// paths, HTML first.
    package func write(from: Date, to: Date, with writer: ReportWriter) throws -> [String] {
        try writer.write(try build(from: from, to: to))
    }

    /// Writes one report per local day of `[from, to)` that has calls (the last 31 of them at
    /// most); a period without calls still gets its last day's report, saying so.
    ///
    /// Returns the
    /// HTML paths, oldest day first.
    package func writeDailyReports(from: Date, to: Date, with writer: ReportWriter) throws -> [String] {
        let zone = timeZone
        let calls = try database.callStartRange(from: from, to: to)
        let lastDay = calls.map { LocalClock.day(containing: $0.last, in: zone).from } ?? to
        let end = min(to, calls == nil ? to : LocalClock.adding(days: 1, to: lastDay, in: zone))
        var day = max(
            from, calls.map { LocalClock.day(containing: $0.first, in: zone).from } ?? from,
            LocalClock.adding(days: -31, to: end, in: zone))
        if calls == nil { day = max(from, LocalClock.adding(days: -1, to: end, in: zone)) }
        var paths: [String] = []
        while day < end {
            let next = min(LocalClock.adding(days: 1, to: day, in: zone), end)
            paths += try write(from: day, to: next, with: writer).prefix(1)
            day = next
        }
        return paths
    }
}
