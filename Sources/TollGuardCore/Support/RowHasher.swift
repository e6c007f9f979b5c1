/// A 128-bit non-cryptographic hash (MurmurHash3, x64 128-bit variant) used for dedup keys of
/// rows that carry no call id and for file fingerprints.
///
/// Stable across runs and platforms.
package enum RowHasher {
    /// The hash of `bytes` as 32 lower-case hex digits.
    package static func hex(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0x746f_6c6c) -> String {
        let (h1, h2) = hash(bytes, seed: seed)
        return hexDigits(h1) + hexDigits(h2)
    }

    private static func hexDigits(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    @inline(__always) private static func fmix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k &*= 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k &*= 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 {
        (x << r) | (x >> (64 - r))
    }

    /// The two 64-bit halves of the hash of `bytes`.
    package static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> (UInt64, UInt64) {
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
        h2 &+= h1
        return (h1, h2)
    }
}
