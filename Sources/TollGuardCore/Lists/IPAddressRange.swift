#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address, or a CIDR range of them, as 128-bit integers (IPv4 mapped into `::ffff:0:0/96`).
package struct IPAddressRange: Sendable, Hashable, Codable, CustomStringConvertible {
    package let lower: UInt128
    package let upper: UInt128
    /// As written in the list (normalized spacing), for messages.
    package let text: String

    /// Parses `203.0.113.7`, `203.0.113.0/24`, `2001:db8::1`, `2001:db8::/32`; nil for anything else.
    package init?(_ input: some StringProtocol) {
        let trimmed = String(input.trimmingWhitespace())
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let (address, isV4) = Self.address(String(first)) else { return nil }
        let bits = isV4 ? 32 : 128
        var prefixLength = bits
        if parts.count == 2 {
            guard let length = Int(parts[1]), length >= 0, length <= bits else { return nil }
            prefixLength = length
        }
        let hostBits = bits - prefixLength
        let mask: UInt128 = hostBits >= 128 ? UInt128.max : (UInt128(1) << hostBits) - 1
        lower = address & ~mask
        upper = address | mask
        text = trimmed
    }

    /// Whether `address` (a text IP) falls in this range.
    package func contains(_ address: UInt128) -> Bool { address >= lower && address <= upper }

    package var description: String { text }

    /// An address as a 128-bit number, and whether it was IPv4.
    package static func address(_ text: String) -> (UInt128, Bool)? {
        var v4 = in_addr()
        let isDotted = text.utf8.contains(0x2E) && !text.utf8.contains(0x3A)
        if isDotted, inet_pton(AF_INET, text, &v4) == 1 {
            let value = UInt32(bigEndian: v4.s_addr)
            return (UInt128(0xFFFF) << 32 | UInt128(value), true)
        }
        var v6 = in6_addr()
        var bare = text
        if bare.utf8.first == 0x5B, bare.utf8.last == 0x5D { bare = String(bare.dropFirst().dropLast()) }
        guard bare.utf8.contains(0x3A), inet_pton(AF_INET6, bare, &v6) == 1 else { return nil }
        let value = withUnsafeBytes(of: &v6) { bytes in bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) } }
        return (value, false)
    }
}
