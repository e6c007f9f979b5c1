import Foundation

/// `calls.key_hash` exactly as migration `v8-day-ordered-key-hash` computed it, frozen.
///
/// A shipped migration must give the same result forever, whatever later becomes of
/// ``CallKeyHash``, ``RowHasher`` or the time parser; so the migration uses this copy of all three
/// as they were when it shipped. Never edit it: a new stored form is a new migration.
package enum KeyHashV8 {
    /// The stored value of a call's dedup key and start (`YYYY-MM-DD[ HH:MM[:SS]]`, UTC), or nil
    /// when the start cannot be read (the migration leaves such a call's hash NULL).
    package static func value(dedupKey: String, startUTC: String) -> Int64? {
        guard let epochSeconds = epochSeconds(startUTC) else { return nil }
        let secondsPerDay: Int64 = 86_400
        var days = epochSeconds / secondsPerDay
        if epochSeconds % secondsPerDay != 0 && epochSeconds < 0 { days -= 1 }
        let day = min(max(days - 10_957, 0), (1 << 15) - 1)
        var key = dedupKey
        let hash = key.withUTF8 { murmur3(UnsafeRawBufferPointer($0), seed: 0x6b65_7973) }
        return Int64(bitPattern: UInt64(day) << 48 | hash >> 16)
    }

    private static func epochSeconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
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
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Int64(days * 86_400 + seconds)
    }

    /// MurmurHash3 x64 128, first half.
    private static func murmur3(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
        func fmix(_ value: UInt64) -> UInt64 {
            var k = value
            k ^= k >> 33
            k &*= 0xff51_afd7_ed55_8ccd
            k ^= k >> 33
            k &*= 0xc4ce_b9fe_1a85_ec53
            k ^= k >> 33
            return k
        }
        let c1: UInt64 = 0x87c3_7b91_1142_53d5
        let c2: UInt64 = 0x4cf5_ad43_2745_937f
        var h1 = seed
        var h2 = seed
        let length = bytes.count
        let blocks = length / 16
        for block in 0..<blocks {
            var k1 = bytes.loadUnaligned(fromByteOffset: block * 16, as: UInt64.self).littleEndian
            var k2 = bytes.loadUnaligned(fromByteOffset: block * 16 + 8, as: UInt64.self).littleEndian
            k1 &*= c1
            k1 = rotl(k1, 31)
            k1 &*= c2
            h1 ^= k1
            h1 = rotl(h1, 27)
            h1 &+= h2
            h1 = h1 &* 5 &+ 0x52dc_e729
            k2 &*= c2
            k2 = rotl(k2, 33)
            k2 &*= c1
            h2 ^= k2
            h2 = rotl(h2, 31)
            h2 &+= h1
            h2 = h2 &* 5 &+ 0x3849_5ab5
        }
        let tail = blocks * 16
        var k1: UInt64 = 0
        var k2: UInt64 = 0
        let rest = length & 15
        if rest > 8 {
            for i in stride(from: rest - 1, through: 8, by: -1) {
                k2 ^= UInt64(bytes[tail + i]) << (UInt64(i - 8) * 8)
            }
            k2 &*= c2
            k2 = rotl(k2, 33)
            k2 &*= c1
            h2 ^= k2
        }
        if rest > 0 {
            for i in stride(from: min(rest, 8) - 1, through: 0, by: -1) {
                k1 ^= UInt64(bytes[tail + i]) << (UInt64(i) * 8)
            }
            k1 &*= c1
            k1 = rotl(k1, 31)
            k1 &*= c2
            h1 ^= k1
        }
        h1 ^= UInt64(length)
        h2 ^= UInt64(length)
        h1 &+= h2
        h2 &+= h1
        h1 = fmix(h1)
        h2 = fmix(h2)
        h1 &+= h2
        return h1
    }
}
