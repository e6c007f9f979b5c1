import Foundation

/// Elements taken out in order of their times, those of one time in the order they were put
/// in: the engine's scheduled events, a benchmark sender's calls to come.
///
/// A binary heap of small (time, order, slot) entries; the elements stay put in their slots.
package struct TimeOrderedQueue<Element> {
    private var heap: [(time: Double, order: Int, slot: Int)] = []
    private var slots: [Element?] = []
    private var freeSlots: [Int] = []
    private var added = 0

    package init() {}

    package var isEmpty: Bool { heap.isEmpty }

    /// The earliest time held.
    package var first: Date? { heap.first.map { Date(timeIntervalSince1970: $0.time) } }

    /// The element that comes out next.
    package var firstElement: Element? { heap.first.flatMap { slots[$0.slot] } }

    package mutating func insert(_ element: Element, at time: Date) {
        added += 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = element
        } else {
            slot = slots.count
            slots.append(element)
        }
        heap.append((time.timeIntervalSince1970, added, slot))
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
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var earliest = parent
            if left < heap.count, precedes(left, earliest) { earliest = left }
            if right < heap.count, precedes(right, earliest) { earliest = right }
            if earliest == parent { break }
            heap.swapAt(parent, earliest)
            parent = earliest
        }
        freeSlots.append(top.slot)
        return slots[top.slot].take()
    }

    /// The elements held, in the order they would come out, with their times.
    package var ordered: [(time: Double, element: Element)] {
        heap.sorted { ($0.time, $0.order) < ($1.time, $1.order) }.compactMap { entry in
            slots[entry.slot].map { (entry.time, $0) }
        }
    }

    private func precedes(_ a: Int, _ b: Int) -> Bool {
        heap[a].time < heap[b].time || (heap[a].time == heap[b].time && heap[a].order < heap[b].order)
    }
}

extension TimeOrderedQueue: Sendable where Element: Sendable {}
