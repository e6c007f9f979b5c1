import Foundation

/// Turns wall-clock CDR times written in the site's time zone into UTC.
///
/// FreeSWITCH and Asterisk write local time unless told otherwise. Offsets are looked up
/// once per local hour and cached, so the per-row cost is a dictionary probe. In the
/// repeated hour at the end of daylight saving time the earlier (daylight) reading wins;
/// in the skipped hour at its start the time is read with the offset in force before the jump.
package struct LocalTimeConverter {
    package let timeZone: TimeZone
    private var offsetByLocalHour: [Int64: Int] = [:]

    package init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// UTC epoch seconds for `timestamp`, applying the site zone when the field carried no offset.
    package mutating func epochSeconds(_ timestamp: ParsedTimestamp) -> Int64 {
        if let explicit = timestamp.explicitOffsetSeconds {
            return timestamp.epochSecondsIfUTC - Int64(explicit)
        }
        let localHour =
            timestamp.epochSecondsIfUTC >= 0
            ? timestamp.epochSecondsIfUTC / 3600 : (timestamp.epochSecondsIfUTC - 3599) / 3600
        if let offset = offsetByLocalHour[localHour] {
            return timestamp.epochSecondsIfUTC - Int64(offset)
        }
        let offset = offsetForLocalTime(timestamp.epochSecondsIfUTC)
        if offsetByLocalHour.count > 100_000 { offsetByLocalHour.removeAll(keepingCapacity: true) }
        offsetByLocalHour[localHour] = offset
        return timestamp.epochSecondsIfUTC - Int64(offset)
    }

    /// Reads `YYYY-MM-DD` (midnight) or `YYYY-MM-DD HH:MM[:SS]` as wall-clock time in the zone.
    package mutating func date(localText text: String) -> Date? {
        guard let naive = CivilTime.parseUTC(dateOrDateTime: text) else { return nil }
        let seconds = epochSeconds(
            ParsedTimestamp(epochSecondsIfUTC: Int64(naive.timeIntervalSince1970), explicitOffsetSeconds: nil))
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private func offsetForLocalTime(_ naive: Int64) -> Int {
        // Try both offsets that apply around this instant and keep the first that round-trips.
        let before = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive - 86_400)))
        let after = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive + 86_400)))
        for candidate in [max(before, after), min(before, after)] {
            let utc = naive - Int64(candidate)
            if timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc))) == candidate {
                return candidate
            }
        }
        return before
    }
}
