import Foundation

/// The `Name: value` lines of an event-socket frame or event, in the order they came, looked up
/// by name without regard to case.
///
/// A name that repeats (`Hangup-Cause`, `variable_DP_MATCH`)
/// answers with its first value; `all` keeps every line.
package struct ESLHeaders: Sendable, Hashable {
    package struct Field: Sendable, Hashable {
        package var name: String
        package var value: String
    }

    package private(set) var all: [Field] = []
    private var firstIndex: [String: Int] = [:]

    package init() {}

    package init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { append(name: name, value: value) }
    }

    package mutating func append(name: String, value: String) {
        let key = name.lowercased()
        if firstIndex[key] == nil { firstIndex[key] = all.count }
        all.append(Field(name: name, value: value))
    }

    /// The first value of `name`, `nil` when absent.
    ///
    /// FreeSWITCH's `_undef_` (an empty value) reads as "".
    package subscript(name: String) -> String? {
        guard let index = firstIndex[name.lowercased()] else { return nil }
        let value = all[index].value
        return value == "_undef_" ? "" : value
    }

    /// The value of `name` when present and not empty.
    package func nonEmpty(_ name: String) -> String? {
        guard let value = self[name], !value.isEmpty else { return nil }
        return value
    }

    /// An `ARRAY::a|:b|:c` value as its elements; a plain value as one element.
    package func array(_ name: String) -> [String] {
        guard let value = self[name] else { return [] }
        guard value.hasPrefix("ARRAY::") else { return [value] }
        return value.dropFirst(7).components(separatedBy: "|:")
    }

    package var isEmpty: Bool { all.isEmpty }
}

/// FreeSWITCH's URL encoding of header values, undone the way libesl does it: every `%XX`
/// becomes that byte, and the result is read as UTF-8, invalid sequences replaced.
package enum ESLValueDecoding {
    package static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        guard bytes.contains(0x25) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            let first = bytes.index(after: index)
            if byte == 0x25, first != bytes.endIndex, bytes.index(after: first) != bytes.endIndex,
                let high = hexValue(bytes[first]), let low = hexValue(bytes[bytes.index(after: first)])
            {
                out.append(high << 4 | low)
                index = bytes.index(first, offsetBy: 2)
            } else {
                out.append(byte)
                index = first
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// FreeSWITCH's encoding (`switch_url_encode`): control bytes, bytes above `~` and
    /// `\r\n #%&+:;<=>?@[\]^`{|}"` become `%XX` with upper-case hex.
    package static func encode(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if byte < 0x20 || byte > 0x7E || unsafe.contains(byte) {
                out += [0x25, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let unsafe = Set("\r\n #%&+:;<=>?@[\\]^`{|}\"".utf8)
}
