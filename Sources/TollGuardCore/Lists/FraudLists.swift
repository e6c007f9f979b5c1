/// All imported fraud lists, compiled for matching calls: destinations by longest prefix,
/// source IPs by range.
///
/// Every match names its list.
package struct FraudLists: Sendable {
    /// One list entry a call matched.
    package struct Match: Sendable, Hashable, Codable {
        package let list: String
        /// The number, prefix or range that matched.
        package let entry: String
        /// `number` (the whole destination), `prefix`, or `ip`.
        package let kind: String
    }

    package let lists: [FraudList]
    private let numberEntries: [String: [String]]  // prefix → list names
    private let longestPrefix: Int

    package init(_ lists: [FraudList]) {
        self.lists = lists
        var byPrefix: [String: [String]] = [:]
        for list in lists {
            for number in list.numbers where !(byPrefix[number] ?? []).contains(list.name) {
                byPrefix[number, default: []].append(list.name)
            }
        }
        numberEntries = byPrefix
        longestPrefix = byPrefix.keys.map(\.count).max() ?? 0
    }

    package static let none = FraudLists([])

    /// Lists holding the destination (E.164 digits, no `+`) or one of its prefixes.
    package func matches(destinationE164 digits: some StringProtocol) -> [Match] {
        guard longestPrefix > 0 else { return [] }
        var found: [Match] = []
        var length = min(longestPrefix, digits.count)
        while length > 0 {
            let prefix = String(digits.prefix(length))
            for name in numberEntries[prefix] ?? [] where !found.contains(where: { $0.list == name }) {
                found.append(Match(list: name, entry: "+" + prefix, kind: length == digits.count ? "number" : "prefix"))
            }
            length -= 1
        }
        return found
    }

    /// Lists holding `address` or a range containing it.
    package func matches(sourceIP address: String) -> [Match] {
        guard let (value, _) = IPAddressRange.address(address) else { return [] }
        var found: [Match] = []
        for list in lists {
            if let range = list.ipRanges.first(where: { $0.contains(value) }) {
                found.append(Match(list: list.name, entry: range.text, kind: "ip"))
            }
        }
        return found
    }
}
