/// A set of `calls.key_hash` values for the ingest's writer.
///
/// The low bits of a value are already a hash of the call's dedup key (see `CallKeyHash`), so
/// the set places each value by those bits in an open-addressed table instead of hashing it
/// again: a `Set<Int64>` spent ~7 % of a fresh ingest hashing on the writer thread.
package struct KeyHashSet: Sendable {
    /// Slots of the table, `empty` where free.
    ///
    /// The value 0 itself is kept in `holdsEmpty`.
    private var slots: [Int64]
    private var holdsEmpty = false
    /// Values held.
    package private(set) var count = 0
    private static let empty: Int64 = 0

    /// An empty set with room for `capacity` values before it grows.
    package init(capacity: Int = 1_024) {
        slots = Array(repeating: Self.empty, count: Self.tableSize(for: capacity))
    }

    /// The values of `values`.
    package init(_ values: some Collection<Int64>) {
        self.init(capacity: values.count)
        for value in values { insert(value) }
    }

    /// Whether `value` is in the set.
    package func contains(_ value: Int64) -> Bool {
        if value == Self.empty { return holdsEmpty }
        return slots.withUnsafeBufferPointer { table in
            let mask = table.count - 1
            var index = Int(truncatingIfNeeded: value) & mask
            while true {
                let held = table[index]
                if held == value { return true }
                if held == Self.empty { return false }
                index = (index + 1) & mask
            }
        }
    }

    /// Adds `value`; false when it was there already.
    @discardableResult
    package mutating func insert(_ value: Int64) -> Bool {
        if value == Self.empty {
            defer { holdsEmpty = true }
            if holdsEmpty { return false }
            count += 1
            return true
        }
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let inserted = slots.withUnsafeMutableBufferPointer { table in
            let mask = table.count - 1
            var index = Int(truncatingIfNeeded: value) & mask
            while true {
                let held = table[index]
                if held == value { return false }
                if held == Self.empty {
                    table[index] = value
                    return true
                }
                index = (index + 1) & mask
            }
        }
        if inserted { count += 1 }
        return inserted
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Self.empty, count: old.count * 2)
        count = holdsEmpty ? 1 : 0
        for value in old where value != Self.empty { insert(value) }
    }

    /// A power of two at least a third larger than `capacity`.
    private static func tableSize(for capacity: Int) -> Int {
        var size = 16
        while size * 3 < max(capacity, 1) * 4 { size *= 2 }
        return size
    }
}
