import Foundation

/// Calendar arithmetic on the proleptic Gregorian calendar without Foundation's calendars,
/// fast enough for the ingest hot path.
package enum CivilTime {
    /// Days since 1970-01-01 for a civil date.
    package static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    package static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Formats epoch seconds as `YYYY-MM-DD HH:MM:SS` in UTC, the form the store uses.
    package static func utcText(epochSeconds: Int64) -> String {
        var bytes = [UInt8](repeating: 0, count: 19)
        writeUTC(epochSeconds: epochSeconds, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Formats `date` as `YYYY-MM-DD HH:MM:SS` in UTC (fractions dropped).
    package static func utcText(_ date: Date) -> String {
        utcText(epochSeconds: epochSeconds(date))
    }

    /// `date` in whole seconds since 1970, fractions dropped (rounded down, also before 1970).
    package static func epochSeconds(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down))
    }

    /// Writes the 19 bytes of `YYYY-MM-DD HH:MM:SS` for `epochSeconds` into `bytes[0..<19]`.
    package static func writeUTC(epochSeconds: Int64, into bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBufferPointer { writeUTC(epochSeconds: epochSeconds, into: $0) }
    }

    /// Writes the 19 bytes of `YYYY-MM-DD HH:MM:SS` for `epochSeconds` into `bytes[0..<19]`.
    package static func writeUTC(epochSeconds: Int64, into bytes: UnsafeMutableBufferPointer<UInt8>) {
        let seconds = Int(epochSeconds)
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civilFromDays(days)
        func put(_ value: Int, _ at: Int, _ width: Int) {
            var v = value
            var i = at + width - 1
            while i >= at {
                bytes[i] = UInt8(48 + v % 10)
                v /= 10
                i -= 1
            }
        }
        put(year, 0, 4)
        bytes[4] = 45
        put(month, 5, 2)
        bytes[7] = 45
        put(day, 8, 2)
        bytes[10] = 32
        put(secondOfDay / 3600, 11, 2)
        bytes[13] = 58
        put(secondOfDay / 60 % 60, 14, 2)
        bytes[16] = 58
        put(secondOfDay % 60, 17, 2)
    }
}

extension CivilTime {
    /// Reads `YYYY-MM-DD` (midnight) or `YYYY-MM-DD HH:MM[:SS]` (a `T` separator too) as UTC.
    package static func parseUTC(dateOrDateTime text: some StringProtocol) -> Date? {
        var text = String(text)
        return text.withUTF8 { parseUTC(bytes: $0) }
    }

    /// `parseUTC(dateOrDateTime:)` over UTF-8 bytes, for reading stored times without a `String`.
    package static func parseUTC(bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for index in range {
                guard bytes[index] >= 0x30, bytes[index] <= 0x39 else { return nil }
                value = value * 10 + Int(bytes[index] - 0x30)
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = 0
        if bytes.count > 10 {
            guard bytes.count == 16 || bytes.count == 19,
                bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"),
                bytes[13] == UInt8(ascii: ":"), let hour = number(11..<13), let minute = number(14..<16), hour < 24,
                minute < 60
            else { return nil }
            var second = 0
            if bytes.count == 19 {
                guard bytes[16] == UInt8(ascii: ":"), let value = number(17..<19), value < 60 else { return nil }
                second = value
            }
            seconds = hour * 3600 + minute * 60 + second
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + seconds))
    }
}
