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

/// Runs `produce` on a thread of its own (for CPU-bound reading that should overlap the
/// caller's work on the other core); `queue` is closed when it returns.
package final class ProducerThread: Sendable {
    private let done = DispatchSemaphore(value: 0)

    package init<Element>(feeding queue: BlockingQueue<Element>, _ produce: @escaping @Sendable () -> Void) {
        let thread = Thread { [done] in
            defer {
                queue.close()
                done.signal()
            }
            produce()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Blocks until `produce` has returned.
    package func waitUntilDone() {
        done.wait()
    }
}
