import Foundation

/// The value stored in `calls.key_hash`: the UTC day the call started in the high bits, a hash of
/// its dedup key in the low 48.
///
/// Calls arrive roughly in time order, so day-first values land in the hot end of the unique
/// index instead of anywhere in it: a random 64-bit hash made every batch dirty pages across the
/// whole index (measured: 2–3 s of every million rows, and the 10-million-row ingest fell to
/// 50k rows/s once the index outgrew the page cache). The same call seen by two sources whose
/// start times differ by up to `startTolerance` (a wrong time zone, the repeated DST hour) is
/// still one call: the insert also looks for the key under the neighbouring day.
package enum CallKeyHash {
    /// Start-time disagreement between sources that dedup still absorbs.
    package static let startTolerance: Int64 = 14 * 3_600
    private static let hashBits: UInt64 = 48
    private static let secondsPerDay: Int64 = 86_400
    /// 2000-01-01 as days since 1970: day 0 of the stored value.
    private static let firstDay: Int64 = 10_957
    /// Days fit 15 bits (until 2089); the sign bit stays clear.
    private static let lastDay: Int64 = (1 << 15) - 1

    /// Where a call's key may be stored: its own day's value first, then a neighbouring day's
    /// when the start lies within `startTolerance` of that day's boundary.
    package struct Slots: Sendable, Hashable {
        package var own: Int64
        package var earlierDay: Int64?
        package var laterDay: Int64?
    }

    /// The slots of `key` for a call that started at `epochSeconds`.
    package static func slots(key: String, startedAt epochSeconds: Int64) -> Slots {
        let hash = keyHash(key)
        let (day, secondOfDay) = dayAndSecond(epochSeconds)
        return Slots(
            own: value(day: day, hash: hash),
            earlierDay: secondOfDay < startTolerance && day > 0 ? value(day: day - 1, hash: hash) : nil,
            laterDay: secondOfDay >= secondsPerDay - startTolerance && day < lastDay
                ? value(day: day + 1, hash: hash) : nil)
    }

    /// The stored value of `key` for a call that started at `epochSeconds` (its own day's slot).
    package static func value(key: String, startedAt epochSeconds: Int64) -> Int64 {
        value(day: dayAndSecond(epochSeconds).day, hash: keyHash(key))
    }

    /// The day (since 2000-01-01) a stored value belongs to.
    package static func day(of value: Int64) -> Int64 { value >> Int64(hashBits) }

    /// Every value a day's calls can be stored under.
    package static func range(ofDay day: Int64) -> ClosedRange<Int64> {
        (day << Int64(hashBits))...((day + 1) << Int64(hashBits) - 1)
    }

    private static func value(day: Int64, hash: UInt64) -> Int64 {
        Int64(bitPattern: UInt64(day) << hashBits | hash >> (64 - hashBits))
    }

    private static func keyHash(_ key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { RowHasher.hash(UnsafeRawBufferPointer($0), seed: 0x6b65_7973) }.0
    }

    /// Days since 2000-01-01 (clamped to what the value holds) and the second within that day.
    private static func dayAndSecond(_ epochSeconds: Int64) -> (day: Int64, secondOfDay: Int64) {
        let days = epochSeconds.floorDivided(by: secondsPerDay)
        let second = epochSeconds - days * secondsPerDay
        return (min(max(days - firstDay, 0), lastDay), second)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
