import TollGuardCore

/// Left-aligned columns for terminal output.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: String...) {
        self.header = header
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The table as lines, columns padded to their widest cell (control characters shown as `?`).
    func render() -> String {
        let clean = ([header] + rows).map { $0.map(Self.printable) }
        var widths = [Int](repeating: 0, count: header.count)
        for row in clean {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return clean.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Cells can hold caller names and dialled strings: no escape sequences reach the terminal,
    /// no bidi override reverses the rest of the row, and no value runs past 1,000 characters.
    static func printable(_ text: String) -> String {
        DisplayText.bounded(
            String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) }))
    }
}
