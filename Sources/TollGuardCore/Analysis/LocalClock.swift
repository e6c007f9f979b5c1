import Foundation

/// Local days and hours of the site's time zone, for rules that run by the local day
/// (quotas, spend) or hour (activity).
///
/// Offsets are cached per UTC hour.
package struct LocalClock: Sendable {
    package let timeZone: TimeZone
    private var offsets: [Int64: Int] = [:]

    package init(timeZone: TimeZone) { self.timeZone = timeZone }

    /// Days since 1970-01-01 in local time, and the local hour, of `time` (seconds since 1970).
    package mutating func local(_ time: Double) -> (day: Int, hour: Int) {
        let hourKey = Int64((time / 3600).rounded(.down))
        let offset: Int
        if let cached = offsets[hourKey] {
            offset = cached
        } else {
            offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: time))
            if offsets.count > 100_000 { offsets.removeAll(keepingCapacity: true) }
            offsets[hourKey] = offset
        }
        let local = Int64(time.rounded(.down)) + Int64(offset)
        let day = Int((Double(local) / 86_400).rounded(.down))
        return (day, Int((local - Int64(day) * 86_400) / 3600))
    }

    /// A Gregorian calendar in `timeZone`.
    package static func calendar(in timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// `date` moved by `days` local calendar days (23 or 25 hours across a clock change).
    package static func adding(days: Int, to date: Date, in timeZone: TimeZone) -> Date {
        calendar(in: timeZone).date(byAdding: .day, value: days, to: date)
            ?? date.addingTimeInterval(Double(days) * 86_400)
    }

    /// The local day `date` falls in, as `[midnight, next midnight)`.
    package static func day(containing date: Date, in timeZone: TimeZone) -> (from: Date, to: Date) {
        let start = calendar(in: timeZone).startOfDay(for: date)
        return (start, adding(days: 1, to: start, in: timeZone))
    }

    /// The `count` local days (at least one) up to and including the day of `through`, oldest
    /// first: their bounds (`count + 1` midnights, the last the end of `through`'s day) and their
    /// `YYYY-MM-DD` labels.
    package static func days(
        _ count: Int, through: Date, in timeZone: TimeZone
    ) -> (bounds: [Date], labels: [String]) {
        let last = day(containing: through, in: timeZone).from
        let count = max(count, 1)
        let bounds = (0...count).map { adding(days: $0 - count + 1, to: last, in: timeZone) }
        var clock = LocalClock(timeZone: timeZone)
        return (bounds, bounds.dropLast().map { dayText(clock.local($0.timeIntervalSince1970).day) })
    }

    /// `YYYY-MM-DD` of a local day number.
    package static func dayText(_ day: Int) -> String {
        let (year, month, dayOfMonth) = CivilTime.civilFromDays(day)
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(pad(month))-\(pad(dayOfMonth))"
    }
}
