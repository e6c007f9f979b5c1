import Foundation
import TollGuardCore

/// Left-aligned columns for terminal output.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: String...) {
        self.header = header
    }

    init(_ header: [String]) {
        self.header = header
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The width of column `column`'s header.
    func headerWidth(_ column: Int) -> Int { column < header.count ? header[column].count : 0 }

    /// The terminal's width when standard output is one, else `COLUMNS`, else 120; never below 80.
    static var terminalWidth: Int {
        var size = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return max(80, Int(size.ws_col))
        }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap({ Int($0) }) { return max(80, columns) }
        return 120
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
