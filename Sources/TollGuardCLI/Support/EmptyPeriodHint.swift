import Foundation
import TollGuardCore

/// What `analyze` and `report` say when their period holds no calls but the store does: usually a
/// first run after loading an older month of CDRs, when the default period (yesterday) is empty.
enum EmptyPeriodHint {
    /// The sentence naming the stored calls' span and the options that cover it; nil when the
    /// store holds no call at all.
    static func message(database: TollGuardDatabase, zone: TimeZone, verb: String) throws -> String? {
        guard let stored = try database.callStartRange(from: .distantPast, to: .distantFuture) else { return nil }
        let time = LocalTimeFormatter(timeZone: zone)
        let lastDay = LocalClock.day(containing: stored.last, in: zone)
        return "no call started in this period; the stored calls started from \(time.minutes(stored.first)) to "
            + "\(time.minutes(stored.last)): \(verb) them with --from \(time.day(stored.first)) --to \(time.day(lastDay.to))"
    }
}
