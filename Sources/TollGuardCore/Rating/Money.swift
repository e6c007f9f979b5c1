/// Amounts of money as integer micro-units (1 = one millionth of the currency unit), so
/// sums and quotas never drift the way binary floating point does.
package enum Money {
    package static let microsPerUnit: Int64 = 1_000_000

    /// Parses a decimal amount (`0.0125`, `12`, `-1.5`); nil for anything else or more than six decimals.
    package static func micros(_ text: some StringProtocol) -> Int64? {
        var bytes = Array(text.utf8)[...]
        guard !bytes.isEmpty else { return nil }
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var seenPoint = false
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard !seenPoint else { return nil }
                seenPoint = true
                continue
            }
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            digits += 1
            let value = Int64(byte - 0x30)
            if seenPoint {
                fractionDigits += 1
                guard fractionDigits <= 6 else { return nil }
                fraction = fraction * 10 + value
            } else {
                guard whole < 1_000_000_000_000 else { return nil }
                whole = whole * 10 + value
            }
        }
        guard digits > 0 else { return nil }
        while fractionDigits < 6 {
            fraction *= 10
            fractionDigits += 1
        }
        let total = whole * microsPerUnit + fraction
        return negative ? -total : total
    }

    /// Micro-units from a configuration number, rounded to the nearest micro-unit.
    package static func micros(_ value: Double) -> Int64 {
        Int64((value * Double(microsPerUnit)).rounded())
    }

    /// `1.234500` style text with `decimals` places (rounded half up).
    package static func format(_ micros: Int64, decimals: Int = 4) -> String {
        let places = max(0, min(decimals, 6))
        var divisor: Int64 = 1
        for _ in 0..<(6 - places) { divisor *= 10 }
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let rounded = (magnitude + UInt64(divisor / 2)) / UInt64(divisor)
        var scale: UInt64 = 1
        for _ in 0..<places { scale *= 10 }
        let whole = rounded / scale
        guard places > 0 else { return "\(sign)\(whole)" }
        let fraction = String(rounded % scale)
        return "\(sign)\(whole)." + String(repeating: "0", count: places - fraction.count) + fraction
    }
}
