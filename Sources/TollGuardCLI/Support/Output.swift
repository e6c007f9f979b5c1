import Foundation

/// Prints `value` as pretty, key-sorted JSON.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// `1.25` (seconds, two decimals), for summaries.
    var secondsText: String { String(format: "%.2f", seconds) }
}

/// Site-time text (`2026-11-20 02:10`) for tables: one formatter for a whole command's rows.
struct SiteTimeFormatter {
    private let formatter = DateFormatter()

    init(zone: TimeZone) {
        formatter.timeZone = zone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
    }

    func string(_ date: Date) -> String { formatter.string(from: date) }
}
