import Foundation

/// A timestamp read from a CDR field, before the site's time zone is applied.
package struct ParsedTimestamp: Sendable, Hashable {
    /// Seconds since 1970 if the wall-clock fields were UTC.
    package var epochSecondsIfUTC: Int64
    /// The offset written in the field itself (`Z`, `+02:00`, an epoch number); `nil` for local wall-clock time.
    package var explicitOffsetSeconds: Int?
    /// Microseconds beyond the whole second, when the field had them.
    package var microseconds: Int = 0
}

/// Parses the timestamp shapes PBXes write, byte by byte: `YYYY-MM-DD HH:MM:SS`, the ISO 8601
/// `T` form with fractions and offsets, and Unix epochs in seconds or microseconds.
package enum TimestampParser {
    /// Parses `bytes`; `nil` when they are not a timestamp.
    package static func parse(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> ParsedTimestamp? {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == 32 { start += 1 }
        while end > start, bytes[end - 1] == 32 { end -= 1 }
        let count = end - start
        guard count > 0 else { return nil }

        if bytes[start..<end].allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard count <= 19 else { return nil }
            var value: Int64 = 0
            for byte in bytes[start..<end] { value = value * 10 + Int64(byte - 48) }
            // FreeSWITCH writes *_epoch in seconds and *_uepoch in microseconds.
            if count >= 15 {
                return ParsedTimestamp(
                    epochSecondsIfUTC: value / 1_000_000, explicitOffsetSeconds: 0,
                    microseconds: Int(value % 1_000_000))
            }
            guard count >= 9 else { return nil }
            return ParsedTimestamp(epochSecondsIfUTC: value, explicitOffsetSeconds: 0)
        }

        guard count >= 19 else { return nil }
        func digits(_ at: Int, _ width: Int) -> Int? {
            var value = 0
            for i in at..<(at + width) {
                let byte = bytes[start + i]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes[start + 4] == 45, bytes[start + 7] == 45,
            bytes[start + 10] == 32 || bytes[start + 10] == 84,
            bytes[start + 13] == 58, bytes[start + 16] == 58,
            let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
            let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        // A civil date that does not exist (Feb 30) does not round-trip.
        let days = CivilTime.daysFromCivil(year: year, month: month, day: day)
        let check = CivilTime.civilFromDays(days)
        guard check.month == month, check.day == day else { return nil }

        var result = ParsedTimestamp(
            epochSecondsIfUTC: Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second),
            explicitOffsetSeconds: nil)
        var index = start + 19
        if index < end, bytes[index] == 46 || bytes[index] == 44 {
            index += 1
            var micro = 0
            var places = 0
            while index < end, bytes[index] >= 48, bytes[index] <= 57 {
                if places < 6 {
                    micro = micro * 10 + Int(bytes[index] - 48)
                    places += 1
                }
                index += 1
            }
            guard places > 0 else { return nil }
            while places < 6 {
                micro *= 10
                places += 1
            }
            result.microseconds = micro
        }
        if index < end {
            let sign = bytes[index]
            if sign == 90 || sign == 122 {  // Z
                result.explicitOffsetSeconds = 0
                index += 1
            } else if sign == 43 || sign == 45 {
                index += 1
                var offsetDigits: [Int] = []
                while index < end, offsetDigits.count < 4 {
                    let byte = bytes[index]
                    if byte == 58 {
                        index += 1
                        continue
                    }
                    guard byte >= 48, byte <= 57 else { return nil }
                    offsetDigits.append(Int(byte - 48))
                    index += 1
                }
                guard offsetDigits.count == 2 || offsetDigits.count == 4 else { return nil }
                let hours = offsetDigits[0] * 10 + offsetDigits[1]
                let minutes = offsetDigits.count == 4 ? offsetDigits[2] * 10 + offsetDigits[3] : 0
                let magnitude = hours * 3600 + minutes * 60
                result.explicitOffsetSeconds = sign == 43 ? magnitude : -magnitude
            }
        }
        guard index == end else { return nil }
        return result
    }
}
