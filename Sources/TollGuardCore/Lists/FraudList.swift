import Foundation

/// A named list of known-fraud destinations (numbers or E.164 prefixes) and source IP
/// addresses or ranges, imported by `tollguard lists import`.
package struct FraudList: Sendable, Hashable {
    package var name: String
    /// E.164 digits (no `+`); a destination matches when it starts with one.
    package var numbers: [String] = []
    package var ipRanges: [IPAddressRange] = []

    package init(name: String, numbers: [String] = [], ipRanges: [IPAddressRange] = []) {
        self.name = name
        self.numbers = numbers
        self.ipRanges = ipRanges
    }

    /// A line the import skipped, with its reason.
    package struct SkippedLine: Sendable, Hashable, CustomStringConvertible {
        package let file: String
        package let line: Int
        package let reason: String

        package var description: String { "\(file) line \(line): \(reason)" }
    }

    /// Reads a list file: one number, prefix, IP address or CIDR range per line (`#` starts a
    /// comment; numbers with or without `+` or `00`), or a CSV whose header has a `number`
    /// (or `ip`) column.
    ///
    /// Lines that are none of these are skipped and reported; the rest load.
    package static func parse(name: String, text: String, source: String) -> (FraudList, [SkippedLine]) {
        var list = FraudList(name: name)
        var skipped: [SkippedLine] = []
        var seenNumbers = Set<String>()
        var seenRanges = Set<IPAddressRange>()
        var csvColumn: Int?
        var lineNumber = 0
        var firstContentLine = true
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            line = line.trimmingWhitespace()
            if line.hasSuffix("\r") { line = line.dropLast().trimmingWhitespace() }
            guard !line.isEmpty else { continue }
            if firstContentLine {
                firstContentLine = false
                let header = line.split(separator: ",", omittingEmptySubsequences: false).map {
                    $0.trimmingWhitespace().trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased()
                }
                if let index = header.firstIndex(where: { ["number", "ip", "prefix", "destination"].contains($0) }) {
                    csvColumn = index
                    continue
                }
            }
            var value = line
            if let column = csvColumn {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                guard column < fields.count else {
                    skipped.append(
                        SkippedLine(file: source, line: lineNumber, reason: "no value in column \(column + 1)"))
                    continue
                }
                value = fields[column].trimmingWhitespace()
                value = Substring(value.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            }
            if let range = IPAddressRange(value) {
                if seenRanges.insert(range).inserted { list.ipRanges.append(range) }
            } else if let number = normalizedNumber(value) {
                if seenNumbers.insert(number).inserted { list.numbers.append(number) }
            } else {
                skipped.append(
                    SkippedLine(
                        file: source, line: lineNumber,
                        reason: "\"\(value.prefix(60))\" is neither a number or prefix nor an IP address or CIDR range")
                )
            }
        }
        return (list, skipped)
    }

    /// `+371 901-23`, `0037190123`, `37190123` → `37190123`; nil when it is not a number.
    static func normalizedNumber(_ text: some StringProtocol) -> String? {
        var digits = ""
        var sawPlus = false
        for (offset, character) in text.enumerated() {
            if character == "+", offset == 0 {
                sawPlus = true
            } else if character.isASCII, character.isNumber {
                digits.append(character)
            } else if " -.()".contains(character) {
                continue
            } else {
                return nil
            }
        }
        if !sawPlus, digits.hasPrefix("00") { digits.removeFirst(2) }
        guard !digits.isEmpty, digits.count <= 15, digits.first != "0" else { return nil }
        return digits
    }
}

/// A stored list's name, source and import time (to the second, as stored) with its count of
/// entries: two stores hold the same list when their versions are equal.
package struct FraudListVersion: Sendable, Hashable {
    package var name: String
    package var source: String
    /// `imported` as the stores keep it: whole seconds, UTC.
    package var imported: String
    package var entries: Int

    package init(summary: FraudListSummary, entries: Int) {
        name = summary.name
        source = summary.source
        imported = StoredTime.text(summary.imported)
        self.entries = entries
    }
}
