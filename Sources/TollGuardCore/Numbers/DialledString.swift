/// Turns what a PBX recorded as the destination into dial symbols.
///
/// CDRs carry `9 1 (201) 555-0123`, `sip:+4930123456@host;user=phone`, `tel:+44…`,
/// `%2B…`: formatting characters go, URI parts go, a leading `+` and `*`/`#` stay.
enum DialledString {
    enum Normalized {
        case empty
        /// Letters: a SIP user name (`alice`), an internal destination.
        case name
        /// Characters no dial string holds.
        case malformed
        case tooLong(Int)
        /// `count` symbols (``DialSymbol`` indices) were written.
        case symbols(Int)
    }

    static func normalize(_ utf8: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>)
        -> Normalized
    {
        var start = 0
        var end = utf8.count
        // URI scheme and host/parameters.
        if let colon = utf8.firstIndex(of: UInt8(ascii: ":")), colon <= 4 {
            start = colon + 1
        }
        for index in start..<end where utf8[index] == UInt8(ascii: "@") || utf8[index] == UInt8(ascii: ";") {
            end = index
            break
        }
        var count = 0
        var sawLetter = false
        var index = start
        let limit = 32
        while index < end {
            let byte = utf8[index]
            index += 1
            if byte == UInt8(ascii: "%"), index + 1 < end, utf8[index] == UInt8(ascii: "2"),
                utf8[index + 1] | 0x20 == UInt8(ascii: "b")
            {
                index += 2
                if count == 0 { output[0] = 12; count = 1 }
                continue
            }
            if let symbol = DialSymbol.index(of: byte) {
                if symbol == 12, count > 0 { return .malformed }
                guard count < limit else { return .tooLong(count) }
                output[count] = UInt8(symbol)
                count += 1
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"),
                UInt8(ascii: "/"), UInt8(ascii: "\t"):
                continue
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
                sawLetter = true
            default:
                return .malformed
            }
        }
        if sawLetter { return .name }
        return count == 0 ? .empty : .symbols(count)
    }
}
