/// E.164 prefixes named by public sources as IRSF, wangiri or carrier-blocked destinations.
///
/// A weak prior: the sources agree that revenue-share fraud has spread to "low risk"
/// countries, so a hit raises an alert's severity but never raises one on its own.
package struct HotspotTable: Sendable {
    /// One prefix and what the sources say about it.
    ///
    /// A class, so a classification carries one reference rather than copies of its strings.
    package final class Entry: Sendable, Hashable, Codable {
        package let prefix: String
        package let country: String
        /// Distinct sources naming this prefix.
        package let sourceCount: Int
        /// Kinds of evidence (`irsf-destination`, `wangiri`, `nanp-one-ring`, `carrier-blocklist`, `fraud-case`…).
        package let evidence: [String]

        package init(prefix: String, country: String, sourceCount: Int, evidence: [String]) {
            self.prefix = prefix
            self.country = country
            self.sourceCount = sourceCount
            self.evidence = evidence
        }

        package static func == (left: Entry, right: Entry) -> Bool {
            left.prefix == right.prefix && left.sourceCount == right.sourceCount && left.evidence == right.evidence
        }

        package func hash(into hasher: inout Hasher) { hasher.combine(prefix) }
    }

    private let entries: [Entry]
    private let trie: DigitPrefixTrie

    /// The prefixes at least `sources` distinct sources name.
    package func prefixes(namedByAtLeast sources: Int) -> Set<String> {
        Set(entries.lazy.filter { $0.sourceCount >= sources }.map(\.prefix))
    }

    package init(entries: [Entry]) {
        var trie = DigitPrefixTrie()
        for (index, entry) in entries.enumerated() where entry.prefix.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            trie.insert(entry.prefix, item: index)
        }
        self.entries = entries
        self.trie = trie
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
                throw ReferenceDataError(
                    file: table.source, line: row.line, reason: "prefix \"\(prefix)\" is not digits")
            }
            let kind = row["evidence"]
            if kind == "sms-high-risk" { continue }
            sources[prefix, default: []].insert(row["source"])
            if !kind.isEmpty, !(evidence[prefix] ?? []).contains(kind) { evidence[prefix, default: []].append(kind) }
            if countries[prefix] == nil { countries[prefix] = row["country"] }
        }
        self.init(
            entries: sources.map { prefix, urls in
                Entry(
                    prefix: prefix, country: countries[prefix] ?? "", sourceCount: urls.count,
                    evidence: evidence[prefix] ?? [])
            })
    }

    /// The longest listed prefix of an E.164 number given as digit values 0–9 (no `+`), if any.
    package func match(digits: UnsafeBufferPointer<UInt8>) -> Entry? {
        trie.longestMatch(digits) { $0.last }.map { entries[$0] }
    }

    package var count: Int { entries.count }
}
