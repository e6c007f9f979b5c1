import Foundation

extension RateDeck {
    /// Reads a rate deck CSV: header with `prefix`, `destination`, `rate_per_min`, and optionally
    /// `connect_fee`, `billing` (`60/60`, `30/6`, `1/1`), `currency`, `effective_from` (`YYYY-MM-DD`
    /// or `YYYY-MM-DD HH:MM:SS`, UTC).
    ///
    /// A bad row is an error naming its line; nothing is half-imported.
    package static func parse(_ table: CSVTable, defaultCurrency: String) throws(RateDeckError) -> RateDeck {
        for column in ["prefix", "destination", "rate_per_min"] where !table.has(column) {
            throw RateDeckError(file: table.source, line: 1, reason: "the header has no \(column) column")
        }
        var entries: [Entry] = []
        var seen: [String: Int] = [:]
        for row in table.rows {
            func fail(_ reason: String) -> RateDeckError {
                RateDeckError(file: table.source, line: row.line, reason: reason)
            }
            var prefix = row["prefix"]
            if prefix.hasPrefix("+") { prefix.removeFirst() }
            guard !prefix.isEmpty, prefix.count <= 15, prefix.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw fail("prefix \"\(row["prefix"])\" is not E.164 digits")
            }
            guard let rate = Money.micros(row["rate_per_min"]), rate >= 0 else {
                throw fail("rate_per_min \"\(row["rate_per_min"])\" is not an amount")
            }
            var entry = Entry(prefix: prefix, destination: row["destination"], ratePerMinuteMicros: rate)
            if !row["connect_fee"].isEmpty {
                guard let fee = Money.micros(row["connect_fee"]), fee >= 0 else {
                    throw fail("connect_fee \"\(row["connect_fee"])\" is not an amount")
                }
                entry.connectFeeMicros = fee
            }
            if !row["billing"].isEmpty {
                guard let billing = BillingIncrement(row["billing"]) else {
                    throw fail("billing \"\(row["billing"])\" is not INITIAL/INCREMENT seconds like 60/60 or 30/6")
                }
                entry.billing = billing
            }
            entry.currency = row["currency"].isEmpty ? defaultCurrency : row["currency"].uppercased()
            if !row["effective_from"].isEmpty {
                guard let date = CivilTime.parseUTC(dateOrDateTime: row["effective_from"]) else {
                    throw fail("effective_from \"\(row["effective_from"])\" is not YYYY-MM-DD or YYYY-MM-DD HH:MM:SS")
                }
                entry.effectiveFrom = date
            }
            let key = prefix + "@" + row["effective_from"]
            if let first = seen[key] {
                throw fail("prefix \(prefix) is priced twice for the same date (first on line \(first))")
            }
            seen[key] = row.line
            entries.append(entry)
        }
        return RateDeck(entries: entries)
    }
}

/// A rate deck row TollGuard cannot use.
package struct RateDeckError: Error, Sendable, Hashable, CustomStringConvertible {
    package let file: String
    package let line: Int
    package let reason: String

    package var description: String { "\(file) line \(line): \(reason)" }
}
