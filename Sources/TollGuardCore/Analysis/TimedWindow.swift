/// Entries in time order over a trailing window, with counts and weight sums over any
/// shorter trailing span.
///
/// Appends are amortized O(1); span queries are binary searches.
package struct TimedWindow<Element: Sendable>: Sendable {
    private var times: [Double] = []
    /// Running total of weights up to and including each entry.
    private var cumulative: [Int64] = []
    private var elements: [Element] = []
    private var head = 0
    /// The running total before the first stored entry (entries dropped by compaction).
    private var base: Int64 = 0

    package init() {}

    /// Entries still in the window.
    package var count: Int { times.count - head }

    package var isEmpty: Bool { count == 0 }

    /// Entries held in storage, expired ones not yet dropped included (for tests of the bound).
    package var storedCount: Int { times.count }

    /// Adds an entry at `time` (not earlier than the last one) with an optional weight.
    package mutating func append(_ element: Element, at time: Double, weight: Int64 = 0) {
        times.append(time)
        cumulative.append((cumulative.last ?? base) + weight)
        elements.append(element)
    }

    /// Drops entries older than `cutoff`.
    ///
    /// Their storage goes once they are at least half of it,
    /// so a window never holds more than twice its live entries (a quiet subject's window does
    /// not keep every call it ever saw), and each entry is moved at most once on average.
    package mutating func expire(before cutoff: Double) {
        while head < times.count, times[head] < cutoff { head += 1 }
        guard head > 0, head * 2 >= times.count else { return }
        base = cumulative[head - 1]
        if head == times.count {
            times.removeAll()
            cumulative.removeAll()
            elements.removeAll()
        } else {
            times.removeFirst(head)
            cumulative.removeFirst(head)
            elements.removeFirst(head)
        }
        head = 0
    }

    /// The index of the first entry at or after `cutoff`.
    private func firstIndex(since cutoff: Double) -> Int {
        var low = head
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] < cutoff { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Entries at or after `cutoff`.
    package func count(since cutoff: Double) -> Int { times.count - firstIndex(since: cutoff) }

    /// Sum of the weights of entries at or after `cutoff`.
    package func weight(since cutoff: Double) -> Int64 {
        let first = firstIndex(since: cutoff)
        guard first < times.count, let total = cumulative.last else { return 0 }
        return total - (first > 0 ? cumulative[first - 1] : base)
    }

    /// The entries at or after `cutoff`, oldest first.
    package func elements(since cutoff: Double) -> ArraySlice<Element> {
        elements[firstIndex(since: cutoff)...]
    }

    /// The newest entry.
    package var last: Element? { count > 0 ? elements.last : nil }
}

extension TimedWindow: Codable where Element: Codable {}
