import Synchronization

/// A count of the changes to what the analyzer's engine is made from (the configuration, the
/// lists): the leader compares it between two steps and makes its engine anew when it moved.
package final class EngineChanges: Sendable {
    private let changes = Atomic<Int>(0)

    package init() {}

    /// Notes a change.
    package func note() {
        changes.add(1, ordering: .relaxed)
    }

    /// The changes noted so far.
    package var count: Int { changes.load(ordering: .relaxed) }
}
