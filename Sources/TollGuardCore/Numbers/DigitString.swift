/// Up to 32 digit values held inline: the national numbers the classifier builds on every
/// call, without a heap allocation each.
struct DigitString {
    static let capacity = 32
    private var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private(set) var count = 0

    /// The digits of `buffer`; nil when there are more than ``capacity``.
    init?(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard buffer.count <= Self.capacity else { return nil }
        count = buffer.count
        withUnsafeMutableBytes(of: &storage) { bytes in
            for index in 0..<buffer.count { bytes[index] = buffer[index] }
        }
    }

    /// The digits of `array`; nil when there are more than ``capacity``.
    init?(_ array: [UInt8]) {
        guard let value = array.withUnsafeBufferPointer({ DigitString($0) }) else { return nil }
        self = value
    }

    func withBuffer<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withUnsafeBytes(of: storage) { bytes in
            body(UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: count))
        }
    }

    /// This string without its first `n` digits.
    func dropFirst(_ n: Int) -> DigitString {
        withBuffer { DigitString(UnsafeBufferPointer(rebasing: $0[min(n, count)...])) } ?? self
    }
}
