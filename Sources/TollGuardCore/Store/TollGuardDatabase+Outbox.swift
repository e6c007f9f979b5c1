import Foundation
import GRDB

/// The durable outbox: events are written in the same transaction as the change they report,
/// one delivery per subscribed hook, and stay until delivered or given up.
package enum Outbox {
    /// Queues `event` for every hook that receives it; returns how many deliveries were queued.
    ///
    /// Nothing is stored when no hook receives it.
    @discardableResult
    package static func enqueue(_ event: HookEvent, hooks: [HookSettings], now: Date, _ db: Database) throws -> Int {
        let receivers = hooks.filter { $0.receives(event.type, severity: event.severity) }
        guard !receivers.isEmpty else { return 0 }
        try HookEventRow(event, now: now).insert(db)
        for hook in receivers {
            var delivery = HookDeliveryRow(
                eventID: event.id, hook: hook.name, subject: Subject(event.subject.type, event.subject.value),
                nextAttempt: now)
            try delivery.insert(db)
        }
        return receivers.count
    }
}

extension TollGuardDatabase {
    /// Claims up to `limit` due deliveries after id `after` for `lease` seconds, oldest first.
    ///
    /// A delivery whose hook has an earlier pending delivery for the same subject waits for it, so a hook
    /// never sees an account's `unsuspend` before its `suspend`. Another process claiming meanwhile gets others.
    package func claimDueDeliveries(
        now: Date, lease: TimeInterval, after: Int64 = 0, limit: Int = 1, hooks: HookSelection = .all
    ) async throws -> [OutboxDelivery] {
        try await writer.write { db in
            let due = try OutboxDelivery.due(now: now, after: after, limit: limit, hooks: hooks).fetchAll(db)
            try HookDeliveryRow.filter(due.map(\.id).contains(HookDeliveryRow.Columns.id)).updateAll(
                db, HookDeliveryRow.Columns.leaseUntil.set(to: StoredTime.text(now.addingTimeInterval(lease))))
            return due
        }
    }

    /// How many deliveries of `hooks` are due now (and not leased), without claiming them.
    package func dueDeliveryCount(now: Date, hooks: HookSelection) async throws -> Int {
        try await writer.read { db in
            try OutboxDelivery.due(now: now, after: 0, limit: -1, hooks: hooks).fetchCount(db)
        }
    }

    /// Records an attempt: delivered, due again after the backoff, or failed once `max_attempts`
    /// are spent or the target refused it for good.
    package func record(
        _ attempt: DeliveryAttempt, for delivery: OutboxDelivery, settings: HookDeliverySettings, now: Date
    ) async throws {
        let attempts = delivery.attempts + 1
        try await writer.write { db in
            typealias Columns = HookDeliveryRow.Columns
            let row = HookDeliveryRow.filter(Columns.id == delivery.id)
            switch attempt.outcome {
            case .delivered:
                try row.updateAll(
                    db, Columns.status.set(to: DeliveryStatus.delivered), Columns.attempts.set(to: attempts),
                    Columns.delivered.set(to: StoredTime.text(now)), Columns.leaseUntil.set(to: nil),
                    Columns.lastError.set(to: nil))
            case .failed, .rejected:
                let givesUp = attempt.outcome == .rejected || attempts >= settings.maxAttempts
                let next = now.addingTimeInterval(settings.backoff(afterAttempts: attempts))
                try row.updateAll(
                    db, Columns.status.set(to: givesUp ? DeliveryStatus.failed : .pending),
                    Columns.attempts.set(to: attempts), Columns.nextAttempt.set(to: StoredTime.text(next)),
                    Columns.leaseUntil.set(to: nil), Columns.lastError.set(to: attempt.error ?? "failed"))
            }
            try HookAttemptRow(deliveryID: delivery.id, time: now, attempt: attempt).insert(db)
        }
    }

    /// Deliveries in `statuses` (all when empty), oldest first, with their last attempt.
    package func outbox(statuses: Set<DeliveryStatus> = [], limit: Int? = nil) throws -> [OutboxEntry] {
        try writer.read { db in try OutboxEntry.listing(statuses: statuses, limit: limit).fetchAll(db) }
    }

    /// The deliveries of the events about suspension `id` (its `suspend` or `would_suspend`, and
    /// its `unsuspend`), oldest first, with their last attempt.
    package func deliveries(ofSuspension id: Int64) throws -> [OutboxEntry] {
        try writer.read { db in try OutboxEntry.listing(aboutSuspension: id).fetchAll(db) }
    }

    /// The deliveries of the events about alert `id` (`alert`, `quota_warning`, `alert_changed`)
    /// among those about `subject`, oldest first, with their last attempt.
    package func deliveries(ofAlert id: Int64, subject: Subject) throws -> [OutboxEntry] {
        try writer.read { db in try OutboxEntry.listing(aboutAlert: id, subject: subject).fetchAll(db) }
    }

    /// The stored bytes of an event: exactly what its hooks receive.
    package func hookEventPayload(id: String) throws -> Data? {
        try writer.read { db in try HookEventRow.fetchOne(db, key: id)?.payload }
    }

    /// How many deliveries are in each status.
    package func outboxCounts() throws -> [DeliveryStatus: Int] {
        try writer.read { db in try Self.outboxCounts(db) }
    }

    /// How many deliveries are in each status, without holding a thread of the cooperative pool.
    package func outboxCounts() async throws -> [DeliveryStatus: Int] {
        try await writer.read { db in try Self.outboxCounts(db) }
    }

    private static func outboxCounts(_ db: Database) throws -> [DeliveryStatus: Int] {
        let rows = try Row.fetchAll(
            db,
            HookDeliveryRow.select(HookDeliveryRow.Columns.status, count(HookDeliveryRow.Columns.id).forKey("count"))
                .group(HookDeliveryRow.Columns.status))
        var counts: [DeliveryStatus: Int] = [:]
        for row in rows {
            let stored = StoredRow(row, table: HookDeliveryRow.databaseTableName, key: "status")
            counts[try stored("status")] = try stored("count")
        }
        return counts
    }

    /// Makes failed deliveries (or only `ids`) and pending ones due now; returns how many.
    ///
    /// A failed delivery gets one more attempt each time.
    @discardableResult
    package func requeueDeliveries(ids: [Int64]? = nil, now: Date) throws -> Int {
        try writer.write { db in
            typealias Columns = HookDeliveryRow.Columns
            var chosen = HookDeliveryRow.filter([DeliveryStatus.pending, .failed].contains(Columns.status))
            if let ids { chosen = chosen.filter(ids.contains(Columns.id)) }
            return try chosen.updateAll(
                db, Columns.status.set(to: DeliveryStatus.pending), Columns.nextAttempt.set(to: StoredTime.text(now)),
                Columns.leaseUntil.set(to: nil))
        }
    }
}
