import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TollGuardCore

/// Delivers the hook outbox every `interval` while `serve` runs, and once more at shutdown, with
/// the hooks as last (re)loaded.
///
/// A pass that fails as a whole (the store busy past its timeout, the disk full) is logged and
/// counted, and the next pass tries again; a single delivery's failure is the dispatcher's to
/// retry with its backoff.
package struct HookDeliveryService: Service {
    /// What the service has done, for `/metrics`.
    package final class Counters: Sendable {
        /// Passes over the outbox that ran to their end.
        package let passes = Atomic<Int>(0)
        /// Passes that failed as a whole.
        package let failedPasses = Atomic<Int>(0)
        /// Deliveries made, retried later, and given up.
        package let delivered = Atomic<Int>(0)
        package let retrying = Atomic<Int>(0)
        package let failed = Atomic<Int>(0)
        /// The last pass's error, while passes keep failing.
        package let lastError = Mutex<String?>(nil)

        package init() {}

        /// Counts a pass that ran to its end (of this node's outbox, or the cluster's).
        package func count(_ pass: DeliveryPass) {
            passes.add(1, ordering: .relaxed)
            delivered.add(pass.delivered, ordering: .relaxed)
            retrying.add(pass.retrying, ordering: .relaxed)
            failed.add(pass.failed, ordering: .relaxed)
        }
    }

    package let actions: ActionLayer
    package let interval: Duration
    package let counters: Counters
    /// Where a failed pass is recorded while it lasts (`serve`'s `/healthz`).
    package let health: StoreHealth

    package init(
        actions: ActionLayer, interval: Duration = .seconds(2), counters: Counters = Counters(),
        health: StoreHealth = StoreHealth()
    ) {
        self.actions = actions
        self.interval = interval
        self.counters = counters
        self.health = health
    }

    /// The part of `serve` the store health names for this service's writes.
    package static let storeComponent = "hook delivery"

    package func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await deliverOnce()
            try? await Task.sleep(for: interval)
        }
        await deliverOnce()
    }

    /// One pass; its failure is logged and counted, never thrown.
    package func deliverOnce() async {
        do {
            counters.count(try await actions.deliverDue())
            counters.lastError.withLock { $0 = nil }
            health.succeeded(Self.storeComponent, logger: actions.logger)
        } catch {
            counters.failedPasses.add(1, ordering: .relaxed)
            counters.lastError.withLock { $0 = "\(error)" }
            health.failed(Self.storeComponent, error: error, logger: actions.logger)
        }
    }
}
