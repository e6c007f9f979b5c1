import Foundation
import GRDB

/// The durable outbox: events are written in the same transaction as the change they report,
/// one delivery per subscribed hook, and stay until delivered or given up.
extension TollGuardDatabase {
    /// Queues `event` for every hook that receives it; returns how many deliveries were queued.
    ///
    /// Nothing is stored when no hook receives it.
    @discardableResult
    static func enqueue(_ event: HookEvent, hooks: [HookSettings], now: Date, _ db: Database) throws -> Int {
        let receivers = hooks.filter { $0.receives(event.type, severity: event.severity) }
        guard !receivers.isEmpty else { return 0 }
        try db.execute(
            sql:
                "INSERT INTO hook_events (id, type, subject_type, subject, created_utc, payload) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                event.id, event.type.rawValue, event.subject.type.rawValue, event.subject.value, CivilTime.utcText(now),
                try event.payload(),
            ])
        for hook in receivers {
            try db.execute(
                sql: """
                    INSERT INTO hook_deliveries (event_id, hook, subject_type, subject, next_attempt_utc)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    event.id, hook.name, event.subject.type.rawValue, event.subject.value, CivilTime.utcText(now),
                ])
        }
        return receivers.count
    }

    /// Claims up to `limit` due deliveries after id `after` for `lease` seconds, oldest first.
    ///
    /// A delivery whose hook
    /// has an earlier pending delivery for the same subject waits for it, so a hook never sees an
    /// account's `unsuspend` before its `suspend`. Another process claiming meanwhile gets others.
    package func claimDueDeliveries(
        now: Date, lease: TimeInterval, after: Int64 = 0, limit: Int = 1
    ) throws -> [OutboxDelivery] {
        let nowText = CivilTime.utcText(now)
        return try writer.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.id, d.event_id, e.type, d.hook, d.subject_type, d.subject, e.payload, d.attempts
                    FROM hook_deliveries d JOIN hook_events e ON e.id = d.event_id
                    WHERE d.status = 'pending' AND d.id > ? AND d.next_attempt_utc <= ?
                      AND (d.lease_until_utc IS NULL OR d.lease_until_utc <= ?)
                      AND NOT EXISTS (
                          SELECT 1 FROM hook_deliveries p
                          WHERE p.status = 'pending' AND p.hook = d.hook AND p.subject_type = d.subject_type
                            AND p.subject = d.subject AND p.id < d.id)
                    ORDER BY d.id LIMIT ?
                    """, arguments: [after, nowText, nowText, limit])
            let leaseText = CivilTime.utcText(now.addingTimeInterval(lease))
            return try rows.map { row in
                let id: Int64 = row[0]
                try db.execute(
                    sql: "UPDATE hook_deliveries SET lease_until_utc = ? WHERE id = ?", arguments: [leaseText, id])
                return OutboxDelivery(
                    id: id, eventID: row[1], eventType: HookEventType(rawValue: row[2]) ?? .alert, hook: row[3],
                    subject: Subject(Subject.Kind(rawValue: row[4]) ?? .account, row[5]), payload: row[6],
                    attempts: row[7])
            }
        }
    }

    /// Records an attempt: delivered, due again after the backoff, or failed once `max_attempts`
    /// are spent or the target refused it for good.
    package func record(
        _ attempt: DeliveryAttempt, for delivery: OutboxDelivery, settings: HookDeliverySettings, now: Date
    ) throws {
        let attempts = delivery.attempts + 1
        let nowText = CivilTime.utcText(now)
        try writer.write { db in
            switch attempt.outcome {
            case .delivered:
                try db.execute(
                    sql: """
                        UPDATE hook_deliveries SET status = 'delivered', attempts = ?, delivered_utc = ?,
                            lease_until_utc = NULL, last_error = NULL WHERE id = ?
                        """, arguments: [attempts, nowText, delivery.id])
            case .failed, .rejected:
                let givesUp = attempt.outcome == .rejected || attempts >= settings.maxAttempts
                let next = now.addingTimeInterval(settings.backoff(afterAttempts: attempts))
                try db.execute(
                    sql: """
                        UPDATE hook_deliveries SET status = ?, attempts = ?, next_attempt_utc = ?, lease_until_utc = NULL,
                            last_error = ? WHERE id = ?
                        """,
                    arguments: [
                        givesUp ? DeliveryStatus.failed.rawValue : DeliveryStatus.pending.rawValue, attempts,
                        CivilTime.utcText(next), attempt.error ?? "failed", delivery.id,
                    ])
            }
            try db.execute(
                sql: """
                    INSERT INTO hook_attempts (delivery_id, at_utc, outcome, status, duration_ms, output, error)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    delivery.id, nowText, attempt.outcome.rawValue, attempt.status,
                    Int(
                        attempt.duration.components.seconds * 1000 + attempt.duration.components.attoseconds
                            / 1_000_000_000_000_000),
                    attempt.output, attempt.error,
                ])
        }
    }

    /// Deliveries in `statuses` (all when empty), oldest first, with their last attempt.
    package func outbox(statuses: Set<DeliveryStatus> = [], limit: Int? = nil) throws -> [OutboxEntry] {
        let filter =
            statuses.isEmpty
            ? "" : "WHERE d.status IN (" + statuses.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ") + ")"
        return try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.id, d.event_id, e.type, d.hook, d.subject_type, d.subject, d.status, d.attempts,
                           e.created_utc, d.next_attempt_utc, d.delivered_utc, d.last_error, a.status, a.output
                    FROM hook_deliveries d JOIN hook_events e ON e.id = d.event_id
                    LEFT JOIN hook_attempts a ON a.id = (SELECT max(id) FROM hook_attempts WHERE delivery_id = d.id)
                    \(filter) ORDER BY d.id\(limit.map { " LIMIT \($0)" } ?? "")
                    """
            ).map { row in
                let status = DeliveryStatus(rawValue: row[6]) ?? .pending
                return OutboxEntry(
                    id: row[0], eventID: row[1], eventType: row[2], hook: row[3], subjectType: row[4], subject: row[5],
                    status: status, attempts: row[7],
                    created: CivilTime.parseUTC(dateOrDateTime: row[8] as String) ?? Date(timeIntervalSince1970: 0),
                    nextAttempt: status == .pending ? CivilTime.parseUTC(dateOrDateTime: row[9] as String) : nil,
                    delivered: (row[10] as String?).flatMap { CivilTime.parseUTC(dateOrDateTime: $0) },
                    lastError: row[11], lastStatus: row[12], lastOutput: row[13])
            }
        }
    }

    /// The stored bytes of an event: exactly what its hooks receive.
    package func hookEventPayload(id: String) throws -> Data? {
        try writer.read { db in
            try Data.fetchOne(db, sql: "SELECT payload FROM hook_events WHERE id = ?", arguments: [id])
        }
    }

    /// How many deliveries are in each status.
    package func outboxCounts() throws -> [DeliveryStatus: Int] {
        try writer.read { db in
            var counts: [DeliveryStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM hook_deliveries GROUP BY status") {
                if let status = DeliveryStatus(rawValue: row[0]) { counts[status] = row[1] }
            }
            return counts
        }
    }

    /// Makes failed deliveries (or only `ids`) and pending ones due now; returns how many.
    ///
    /// A failed delivery gets one more attempt each time.
    @discardableResult
    package func requeueDeliveries(ids: [Int64]? = nil, now: Date) throws -> Int {
        try writer.write { db in
            let chosen = ids.map { " AND id IN (" + $0.map(String.init).joined(separator: ", ") + ")" } ?? ""
            try db.execute(
                sql: """
                    UPDATE hook_deliveries SET status = 'pending', next_attempt_utc = ?, lease_until_utc = NULL
                    WHERE status IN ('pending', 'failed')\(chosen)
                    """, arguments: [CivilTime.utcText(now)])
            return db.changesCount
        }
    }
}
