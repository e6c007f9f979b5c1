import Foundation

/// A small bounded hand-off between one producer thread and one consumer thread.
///
/// `push` blocks while the queue is full (back-pressure, never dropping), `pop` blocks while
/// it is empty; `close` wakes both sides for shutdown.
package final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private let capacity: Int
    private var closed = false

    package init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds `element`, waiting for room; false when the queue was closed.
    @discardableResult
    package func push(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity, !closed { condition.wait() }
        guard !closed else { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    /// Removes the oldest element, waiting for one; `nil` once closed and drained.
    package func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty, !closed { condition.wait() }
        guard !items.isEmpty else { return nil }
        let element = items.removeFirst()
        condition.broadcast()
        return element
    }

    /// Stops the queue: pending pushes fail, pops drain what is left.
    package func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
