/// E.164 prefixes named by public sources as IRSF, wangiri or carrier-blocked destinations.
///
/// A weak prior: the sources agree that revenue-share fraud has spread to "low risk"
/// countries, so a hit raises an alert's severity but never raises one on its own.
package struct HotspotTable: Sendable {
    /// One prefix and what the sources say about it.
    package struct Entry: Sendable, Hashable, Codable {
        package let prefix: String
        package let country: String
        /// Distinct sources naming this prefix.
        package let sourceCount: Int
        /// Kinds of evidence (`irsf-destination`, `wangiri`, `nanp-one-ring`, `carrier-blocklist`, `fraud-case`…).
        package let evidence: [String]
    }

    /// Entries keyed by ``key(_:)`` of their prefix.
    private let entries: [UInt64: Entry]
    private let longestPrefix: Int

    package init(entries: [Entry]) {
        var byPrefix: [UInt64: Entry] = [:]
        for entry in entries {
            let digits = entry.prefix.utf8.map { $0 &- 0x30 }
            byPrefix[Self.key(digits[...])] = entry
        }
        self.entries = byPrefix
        self.longestPrefix = min(entries.map(\.prefix.count).max() ?? 0, 15)
    }

    /// A prefix as one integer: its digits in decimal, then its length (so `1` and `01` differ).
    private static func key(_ digits: some Collection<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        for digit in digits { value = value &* 10 &+ UInt64(digit) }
        return value &<< 5 | UInt64(digits.count)
    }

    /// Reads `irsf-hotspots.csv` (prefix, country, source, note, region, evidence, period);
    /// SMS-only evidence is left out, since TollGuard watches calls.
    package init(table: CSVTable) throws(ReferenceDataError) {
        var sources: [String: Set<String>] = [:]
        var evidence: [String: [String]] = [:]
        var countries: [String: String] = [:]
        for row in table.rows {
            let prefix = row["prefix"]
            guard !prefix.isEmpty, prefix.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw ReferenceDataError(file: table.source, line: row.line, reason: "prefix \"\(prefix)\" is not digits")
            }
            let kind = row["evidence"]
            if kind == "sms-high-risk" { continue }
            sources[prefix, default: []].insert(row["source"])
            if !kind.isEmpty, !(evidence[prefix] ?? []).contains(kind) { evidence[prefix, default: []].append(kind) }
            if countries[prefix] == nil { countries[prefix] = row["country"] }
        }
        self.init(
            entries: sources.map { prefix, urls in
                Entry(prefix: prefix, country: countries[prefix] ?? "", sourceCount: urls.count,
                      evidence: evidence[prefix] ?? [])
            })
    }

    /// The longest listed prefix of an E.164 number given as digit values 0–9 (no `+`), if any.
    package func match(digits: UnsafeBufferPointer<UInt8>) -> Entry? {
        var length = min(longestPrefix, digits.count)
        while length > 0 {
            if let entry = entries[Self.key(digits[..<length])] { return entry }
            length -= 1
        }
        return nil
    }

    /// The longest listed prefix of `e164` (`+` optional), if any.
    package func match(_ e164: String) -> Entry? {
        let digits = e164.utf8.filter { $0 >= 0x30 && $0 <= 0x39 }.map { $0 &- 0x30 }
        return digits.withUnsafeBufferPointer { match(digits: $0) }
    }

    package var count: Int { entries.count }
}
