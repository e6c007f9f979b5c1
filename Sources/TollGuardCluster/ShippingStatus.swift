import Foundation
import Synchronization

/// How an edge's shipping goes, for `/healthz`, `/metrics` and tests.
package final class ShippingStatus: Sendable {
    /// A moment of it.
    package struct Snapshot: Sendable, Equatable {
        /// The server shipped to, when connected.
        package var server: String?
        /// The last call of this edge the cluster store holds, and the last its own store journals.
        package var held: Int64 = 0
        package var journaled: Int64 = 0
        package var inserted = 0
        package var duplicates = 0
        /// Calls sent again because the store lost them after acknowledging them.
        package var resent: Int64 = 0
        /// Passes that failed (the store unreachable, a deadline, an error).
        package var failures = 0
        /// When a pass last reached the end of the journal.
        package var lastShipped: Date?
        /// Since when passes have failed, and the last error; nil while they succeed.
        package var failingSince: Date?
        package var lastError: String?

        /// Calls journaled and not yet held by the cluster store.
        package var backlog: Int64 { max(0, journaled - held) }
    }

    private let state = Mutex(Snapshot())

    package init() {}

    package var snapshot: Snapshot { state.withLock { $0 } }

    func connected(to server: String) {
        state.withLock { $0.server = server }
    }

    func progress(held: Int64, journaled: Int64) {
        state.withLock { state in
            state.held = held
            state.journaled = max(state.journaled, journaled)
        }
    }

    func shipped(_ outcome: ShipmentOutcome, at time: Date) {
        state.withLock { state in
            state.inserted += outcome.inserted
            state.duplicates += outcome.duplicates
            state.resent += outcome.resent
            state.lastShipped = time
            state.failingSince = nil
            state.lastError = nil
        }
    }

    func failed(_ error: any Error, at time: Date) {
        state.withLock { state in
            state.server = nil
            state.failures += 1
            state.failingSince = state.failingSince ?? time
            state.lastError = "\(ReadableError(error))"
        }
    }
}
