/// Digit prefixes (E.164, no `+`) → the items listed under each, for longest-prefix lookups:
/// rate deck prices and IRSF hotspot prefixes.
///
/// One array read per digit, no hashing.
struct DigitPrefixTrie: Sendable {
    /// `children[node * 10 + digit]` is the next node; 0 = none (node 0 is the root).
    private var children = [Int32](repeating: 0, count: 10)
    /// The items whose prefix ends at each node, in insertion order.
    private var itemsAt: [[Int]] = [[]]

    /// Lists `item` under `prefix`; characters other than ASCII digits are skipped.
    mutating func insert(_ prefix: String, item: Int) {
        var node = 0
        for byte in prefix.utf8 where byte >= 0x30 && byte <= 0x39 {
            let slot = node * 10 + Int(byte - 0x30)
            if children[slot] == 0 {
                children[slot] = Int32(itemsAt.count)
                itemsAt.append([])
                children.append(contentsOf: repeatElement(0, count: 10))
            }
            node = Int(children[slot])
        }
        itemsAt[node].append(item)
    }

    /// Walks the prefixes of `digits` (values 0–9) from short to long and returns what `choose`
    /// picked from the items of the longest prefix where it picked anything.
    @inline(__always)
    func longestMatch(_ digits: some Sequence<UInt8>, choose: ([Int]) -> Int?) -> Int? {
        var node = 0
        var found: Int?
        for digit in digits {
            guard digit <= 9 else { break }
            node = Int(children[node &* 10 &+ Int(digit)])
            if node == 0 { break }
            let items = itemsAt[node]
            if !items.isEmpty, let chosen = choose(items) { found = chosen }
        }
        return found
    }
}
