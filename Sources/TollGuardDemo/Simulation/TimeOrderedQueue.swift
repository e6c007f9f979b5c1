import Foundation

/// Elements taken out in order of their times, those of the same time in the order they were
/// put in: a binary heap, so that a sender holding every call's answer and hangup to come
/// (thousands under load) pays a logarithm per event, not a sort.
package struct TimeOrderedQueue<Element> {
    private var heap: [(time: Date, order: Int, element: Element)] = []
    private var added = 0

    package init() {}

    package var isEmpty: Bool { heap.isEmpty }

    /// The earliest time held.
    package var first: Date? { heap.first?.time }

    package mutating func insert(_ element: Element, at time: Date) {
        added += 1
        heap.append((time, added, element))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(child, parent) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Takes out the earliest element (nil when empty).
    package mutating func removeFirst() -> Element? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let first = heap.removeLast().element
        var parent = 0
        while true {
            let (left, right) = (2 * parent + 1, 2 * parent + 2)
            var earliest = parent
            if left < heap.count, precedes(left, earliest) { earliest = left }
            if right < heap.count, precedes(right, earliest) { earliest = right }
            guard earliest != parent else { break }
            heap.swapAt(parent, earliest)
            parent = earliest
        }
        return first
    }

    private func precedes(_ a: Int, _ b: Int) -> Bool {
        (heap[a].time, heap[a].order) < (heap[b].time, heap[b].order)
    }
}
