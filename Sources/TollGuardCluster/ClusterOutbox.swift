import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The cluster store's hook outbox: the events the analyzer owes its hooks, queued in the
/// transaction that writes their alerts (under the lease's epoch), delivered by the leader.
///
/// The same meaning as the SQLite store's outbox: one delivery per hook that takes an event,
/// claimed while it runs, retried after its backoff, given up after `max_attempts`; a hook never
/// gets an account's later event before an earlier one still pending.
package struct ClusterOutbox: OutboxStore {
    package let client: PostgresClient
    let logger: Logger

    package init(store: ClusterStore) {
        client = store.client
        logger = store.logger
    }

    /// Queues `event` for every hook in `hooks` that takes it, on `connection` (inside the
    /// analyzer's fenced write); returns how many deliveries were queued.
    static func enqueue(
        _ event: HookEvent, hooks: [HookSettings], epoch: Int64, on connection: PostgresConnection, logger: Logger
    ) async throws -> Int {
        let receivers = hooks.filter { $0.receives(event.type, severity: event.severity) }
        guard !receivers.isEmpty else { return 0 }
        let payload = try event.payload()
        try await connection.answer(
            """
            INSERT INTO cluster_hook_events (id, type, payload, epoch)
            VALUES (\(event.id), \(event.type.rawValue), \(payload), \(epoch))
            """, logger: logger)
        try await connection.answer(
            """
            INSERT INTO cluster_hook_deliveries (event_id, hook, subject_type, subject)
            SELECT \(event.id), hook, \(event.subject.type.rawValue), \(event.subject.value)
            FROM unnest(\(receivers.map(\.name))::text[]) WITH ORDINALITY AS r (hook, position) ORDER BY position
            """, logger: logger)
        return receivers.count
    }

    package func claimDueDeliveries(
        now: Date, lease: TimeInterval, after: Int64, limit: Int, hooks: HookSelection
    ) async throws -> [OutboxDelivery] {
        var binds = Self.dueBinds(now: now, after: after, hooks: hooks)
        binds.append(now.addingTimeInterval(lease))
        binds.append(limit)
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE cluster_hook_deliveries d SET lease_until_utc = $5
                    FROM cluster_hook_events e
                    WHERE e.id = d.event_id AND d.id IN (
                        SELECT c.id FROM cluster_hook_deliveries c WHERE \(Self.due)
                        ORDER BY c.id LIMIT $6 FOR UPDATE OF c SKIP LOCKED)
                    RETURNING d.id, d.event_id, e.type, d.hook, d.subject_type, d.subject, e.payload, d.attempts
                    """, binds: binds), logger: logger)
        var claimed: [OutboxDelivery] = []
        for try await (id, event, type, hook, kind, subject, payload, attempts) in rows.decode(
            (Int64, String, String, String, String, String, Data, Int).self)
        {
            guard let type = HookEventType(rawValue: type), let kind = Subject.Kind(rawValue: kind) else {
                throw ClusterCallError(
                    column: "cluster_hook_deliveries", reason: "delivery \(id): a \(type) event about a \(kind)")
            }
            claimed.append(
                OutboxDelivery(
                    id: id, eventID: event, eventType: type, hook: hook, subject: Subject(kind, subject),
                    payload: payload, attempts: attempts))
        }
        return claimed.sorted { $0.id < $1.id }
    }

    package func dueDeliveryCount(now: Date, hooks: HookSelection) async throws -> Int {
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: "SELECT count(*) FROM cluster_hook_deliveries c WHERE \(Self.due)",
                binds: Self.dueBinds(now: now, after: 0, hooks: hooks)), logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    package func record(
        _ attempt: DeliveryAttempt, for delivery: OutboxDelivery, settings: HookDeliverySettings, now: Date
    ) async throws {
        let attempts = delivery.attempts + 1
        let status: DeliveryStatus
        switch attempt.outcome {
        case .delivered: status = .delivered
        case .failed, .rejected:
            status = attempt.outcome == .rejected || attempts >= settings.maxAttempts ? .failed : .pending
        }
        let next = now.addingTimeInterval(settings.backoff(afterAttempts: attempts))
        let delivered: Date? = status == .delivered ? now : nil
        let error: String? = status == .delivered ? nil : attempt.error ?? "failed"
        try await client.query(
            """
            UPDATE cluster_hook_deliveries SET status = \(status.rawValue), attempts = \(attempts),
                next_attempt_utc = \(next), lease_until_utc = NULL, delivered_utc = \(delivered),
                last_status = \(attempt.status), last_output = \(attempt.output), last_error = \(error)
            WHERE id = \(delivery.id)
            """, logger: logger)
    }

    /// How many deliveries are in each status.
    package func counts() async throws -> [DeliveryStatus: Int] {
        var counts: [DeliveryStatus: Int] = [:]
        let rows = try await client.query(
            "SELECT status, count(*) FROM cluster_hook_deliveries GROUP BY status", logger: logger)
        for try await (status, count) in rows.decode((String, Int).self) {
            if let status = DeliveryStatus(rawValue: status) { counts[status] = count }
        }
        return counts
    }

    /// The events queued, oldest first: type and payload (tests, `cluster status`).
    package func events() async throws -> [HookEvent] {
        var events: [HookEvent] = []
        let rows = try await client.query(
            "SELECT payload FROM cluster_hook_events ORDER BY created_utc, id", logger: logger)
        for try await payload in rows.decode(Data.self) { events.append(try HookEvent.decode(payload)) }
        return events
    }

    /// The condition on `c` of a delivery due at `$2` after id `$1` for the hooks `$3`/`$4` (0
    /// all, 1 the one named, 2 none of those named), waiting for no earlier pending delivery of
    /// its hook and subject.
    private static let due = """
        c.status = 'pending' AND c.id > $1 AND c.next_attempt_utc <= $2
          AND (c.lease_until_utc IS NULL OR c.lease_until_utc <= $2)
          AND ($3 = 0 OR ($3 = 1 AND c.hook = ANY($4::text[])) OR ($3 = 2 AND NOT (c.hook = ANY($4::text[]))))
          AND NOT EXISTS (
              SELECT 1 FROM cluster_hook_deliveries p
              WHERE p.status = 'pending' AND p.hook = c.hook AND p.subject_type = c.subject_type
                AND p.subject = c.subject AND p.id < c.id)
        """

    /// The binds of ``due``.
    private static func dueBinds(now: Date, after: Int64, hooks: HookSelection) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(after)
        binds.append(now)
        switch hooks {
        case .all:
            binds.append(0)
            binds.append([String]())
        case .named(let name):
            binds.append(1)
            binds.append([name])
        case .noneOf(let names):
            binds.append(2)
            binds.append(names)
        }
        return binds
    }
}
