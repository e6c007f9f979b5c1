import Foundation

/// A small CSV file with a header, read whole: reference data, rate decks, fraud lists.
///
/// CDR files stream through ``ByteLineReader``; these files are kilobytes to a few
/// megabytes and are looked up by column name.
package struct CSVTable: Sendable {
    /// One data row and the 1-based line it came from.
    package struct Row: Sendable {
        package let line: Int
        package let fields: [String]
        fileprivate let columns: [String: Int]

        /// The trimmed value in `column`, or "" when the column or value is missing.
        package subscript(_ column: String) -> String {
            guard let index = columns[column], index < fields.count else { return "" }
            return fields[index]
        }
    }

    /// The file's name, for messages.
    package let source: String
    /// Lower-cased, trimmed header names.
    package let header: [String]
    package let rows: [Row]

    /// Reads `text`; blank lines and lines starting with `#` are skipped.
    package init(text: String, source: String) {
        self.source = source
        let splitter = CSVLineSplitter()
        var ranges: [CSVFieldRange] = []
        var header: [String] = []
        var columns: [String: Int] = [:]
        var rows: [Row] = []
        var lineNumber = 0
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        bytes.withUnsafeBufferPointer { all in
            var lineStart = 0
            while lineStart < all.count {
                var lineEnd = lineStart
                while lineEnd < all.count, all[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                let next = lineEnd + 1
                if lineEnd > lineStart, all[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                lineNumber += 1
                let line = UnsafeBufferPointer(rebasing: all[lineStart..<lineEnd])
                lineStart = next
                var first = 0
                while first < line.count, line[first] == UInt8(ascii: " ") || line[first] == UInt8(ascii: "\t") {
                    first += 1
                }
                if first == line.count || line[first] == UInt8(ascii: "#") { continue }
                _ = splitter.split(line, into: &ranges)
                let fields: [String] = ranges.map { range in
                    var value = String(decoding: line[range.start..<range.end], as: UTF8.self)
                    if range.hasDoubledQuotes { value = value.replacingOccurrences(of: "\"\"", with: "\"") }
                    return Self.trimmed(value)
                }
                if header.isEmpty {
                    header = fields.map { $0.lowercased() }
                    for (index, name) in header.enumerated() where columns[name] == nil { columns[name] = index }
                } else {
                    rows.append(Row(line: lineNumber, fields: fields, columns: columns))
                }
            }
        }
        self.header = header
        self.rows = rows
    }

    /// Reads the file at `url`.
    package init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        self.init(text: String(decoding: data, as: UTF8.self), source: url.path)
    }

    /// `value` without the blanks around it (tabs and Unicode space separators).
    ///
    /// Foundation's trimming is asked only when an end is blank: called for every field, it was
    /// a tenth of the time every command takes to load the numbering plan.
    private static func trimmed(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, let last = value.unicodeScalars.last,
            isBlank(first) || isBlank(last)
        else { return value }
        return value.trimmingCharacters(in: .whitespaces)
    }

    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
    }

    /// Whether the header names `column`.
    package func has(_ column: String) -> Bool { header.contains(column) }
}
