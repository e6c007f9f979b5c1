import Foundation

/// Prices by E.164 prefix, longest prefix first, each with its own billing increments.
package struct RateDeck: Sendable {
    /// One priced prefix.
    package struct Entry: Sendable, Hashable, Codable {
        /// E.164 digits, no `+`.
        package var prefix: String
        package var destination: String
        package var ratePerMinuteMicros: Int64
        package var connectFeeMicros: Int64 = 0
        package var billing: BillingIncrement = .perMinute
        package var currency: String = ""
        /// The price applies to calls started at or after this instant; nil = always.
        package var effectiveFrom: Date?

        package init(
            prefix: String, destination: String, ratePerMinuteMicros: Int64, connectFeeMicros: Int64 = 0,
            billing: BillingIncrement = .perMinute, currency: String = "", effectiveFrom: Date? = nil
        ) {
            self.prefix = prefix
            self.destination = destination
            self.ratePerMinuteMicros = ratePerMinuteMicros
            self.connectFeeMicros = connectFeeMicros
            self.billing = billing
            self.currency = currency
            self.effectiveFrom = effectiveFrom
        }

        /// What a call of `billsec` answered seconds costs: connect fee plus billed time at the rate.
        package func cost(billsec: Int) -> Int64 {
            guard billsec > 0 else { return 0 }
            let billed = Int64(billing.billedSeconds(billsec))
            return connectFeeMicros + (ratePerMinuteMicros * billed + 30) / 60
        }
    }

    package let entries: [Entry]
    private let trie: DigitPrefixTrie

    package init(entries: [Entry]) {
        // Within a prefix, newest effective date first, so lookup takes the first that has started.
        let sorted = entries.sorted { ($0.effectiveFrom ?? .distantPast) > ($1.effectiveFrom ?? .distantPast) }
        var trie = DigitPrefixTrie()
        for (index, entry) in sorted.enumerated() { trie.insert(entry.prefix, item: index) }
        self.entries = sorted
        self.trie = trie
    }

    package static let empty = RateDeck(entries: [])

    package var isEmpty: Bool { entries.isEmpty }

    /// The entry of the longest prefix of `e164Digits` in effect at `date`.
    package func rate(for e164Digits: some StringProtocol, at date: Date) -> Entry? {
        let digits = e164Digits.utf8.lazy.filter { $0 >= 0x30 && $0 <= 0x39 }.map { $0 - 0x30 }
        let index = trie.longestMatch(digits) { candidates in
            candidates.first { (entries[$0].effectiveFrom ?? .distantPast) <= date }
        }
        return index.map { entries[$0] }
    }

    /// Why this deck cannot price the site's calls: its currencies are not the site's one
    /// (quotas and spend are summed in one currency); nil when it can.
    package func currencyProblem(siteCurrency: String) -> String? {
        let currencies = Set(entries.map(\.currency))
        guard currencies.count > 1 || (currencies.first.map { $0 != siteCurrency } ?? false) else { return nil }
        return "the deck's currencies (\(currencies.sorted().joined(separator: ", "))) differ from "
            + "rating.currency = \"\(siteCurrency)\"; quotas need one currency"
    }
}

/// A stored deck's source, import time (to the second, as stored) and count of rates: two
/// stores hold the same deck when their versions are equal.
package struct RateDeckVersion: Sendable, Hashable, Encodable {
    package var source: String
    /// The import time as the stores keep it: whole seconds, UTC.
    package var imported: String
    package var entries: Int

    package init(source: String, imported: Date, entries: Int) {
        self.source = source
        self.imported = StoredTime.text(imported)
        self.entries = entries
    }

    enum CodingKeys: String, CodingKey {
        case source
        case imported = "imported_utc"
        case entries = "rates"
    }
}
