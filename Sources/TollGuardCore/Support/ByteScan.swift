/// One pass over a row's bytes: is it plain ASCII, and where is its first NUL byte.
package struct ByteScan: Sendable {
    package var isASCII: Bool
    package var firstNUL: Int?

    /// Scans eight bytes at a time; the common all-ASCII, NUL-free row costs one pass.
    package static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> ByteScan {
        let high: UInt64 = 0x8080_8080_8080_8080
        let ones: UInt64 = 0x0101_0101_0101_0101
        var orAll: UInt64 = 0
        var sawZero = false
        let raw = UnsafeRawBufferPointer(bytes)
        var index = 0
        while index + 8 <= raw.count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            orAll |= word
            if (word &- ones) & ~word & high != 0 { sawZero = true }
            index += 8
        }
        while index < raw.count {
            orAll |= UInt64(raw[index])
            if raw[index] == 0 { sawZero = true }
            index += 1
        }
        return ByteScan(isASCII: orAll & high == 0, firstNUL: sawZero ? bytes.firstIndex(of: 0) : nil)
    }
}
