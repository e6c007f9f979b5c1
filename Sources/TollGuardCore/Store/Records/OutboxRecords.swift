import Foundation
import GRDB

/// `hook_events`: one event owed to the hooks, with the exact bytes they receive.
package struct HookEventRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "hook_events"

    /// The columns of `hook_events`.
    package enum Columns {
        package static let id = Column("id")
        package static let type = Column("type")
        package static let subjectType = Column("subject_type")
        package static let subject = Column("subject")
        package static let created = Column("created_utc")
        package static let payload = Column("payload")
    }

    package var id: String
    package var type: HookEventType
    package var subject: Subject
    package var created: Date
    package var payload: Data

    package init(_ event: HookEvent, now: Date) throws {
        id = event.id
        type = event.type
        subject = Subject(event.subject.type, event.subject.value)
        created = now
        payload = try event.payload()
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName)
        id = try stored("id")
        type = try stored("type")
        subject = Subject(try stored("subject_type"), try stored("subject"))
        created = try stored.date("created_utc")
        payload = try stored("payload")
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id
        container[Columns.type] = type
        container[Columns.subjectType] = subject.kind
        container[Columns.subject] = subject.value
        container[Columns.created] = StoredTime.text(created)
        container[Columns.payload] = payload
    }
}

/// `hook_deliveries`: one event owed to one hook, and where its delivery stands.
package struct HookDeliveryRow: MutablePersistableRecord, TableRecord {
    package static let databaseTableName = "hook_deliveries"

    /// The columns of `hook_deliveries`.
    package enum Columns {
        package static let id = Column("id")
        package static let eventID = Column("event_id")
        package static let hook = Column("hook")
        package static let subjectType = Column("subject_type")
        package static let subject = Column("subject")
        package static let status = Column("status")
        package static let attempts = Column("attempts")
        package static let nextAttempt = Column("next_attempt_utc")
        package static let leaseUntil = Column("lease_until_utc")
        package static let lastError = Column("last_error")
        package static let delivered = Column("delivered_utc")
    }

    package var id: Int64?
    package var eventID: String
    package var hook: String
    package var subject: Subject
    package var nextAttempt: Date

    package init(eventID: String, hook: String, subject: Subject, nextAttempt: Date) {
        self.eventID = eventID
        self.hook = hook
        self.subject = subject
        self.nextAttempt = nextAttempt
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id
        container[Columns.eventID] = eventID
        container[Columns.hook] = hook
        container[Columns.subjectType] = subject.kind
        container[Columns.subject] = subject.value
        container[Columns.nextAttempt] = StoredTime.text(nextAttempt)
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// `hook_attempts`: one attempt to deliver, with what the hook answered.
package struct HookAttemptRow: PersistableRecord {
    package static let databaseTableName = "hook_attempts"

    /// The columns of `hook_attempts`.
    package enum Columns {
        package static let deliveryID = Column("delivery_id")
        package static let time = Column("at_utc")
        package static let outcome = Column("outcome")
        package static let status = Column("status")
        package static let durationMilliseconds = Column("duration_ms")
        package static let output = Column("output")
        package static let error = Column("error")
    }

    package var deliveryID: Int64
    package var time: Date
    package var attempt: DeliveryAttempt

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.deliveryID] = deliveryID
        container[Columns.time] = StoredTime.text(time)
        container[Columns.outcome] = attempt.outcome
        container[Columns.status] = attempt.status
        let duration = attempt.duration.components
        container[Columns.durationMilliseconds] =
            Int(duration.seconds * 1000 + duration.attoseconds / 1_000_000_000_000_000)
        container[Columns.output] = attempt.output
        container[Columns.error] = attempt.error
    }
}

extension OutboxDelivery: FetchableRecord {
    package init(row: Row) throws {
        let stored = StoredRow(row, table: HookDeliveryRow.databaseTableName)
        self.init(
            id: try stored("id"), eventID: try stored("event_id"), eventType: try stored("type"),
            hook: try stored("hook"), subject: Subject(try stored("subject_type"), try stored("subject")),
            payload: try stored("payload"), attempts: try stored("attempts"))
    }

    /// Up to `limit` deliveries due at `now` after id `after`, oldest first, that no other pass
    /// holds and that wait for no earlier pending delivery of their hook and subject (so a hook
    /// never sees an account's `unsuspend` before its `suspend`).
    package static func due(now: Date, after: Int64, limit: Int, hooks: HookSelection = .all)
        -> SQLRequest<OutboxDelivery>
    {
        let nowText = StoredTime.text(now)
        var arguments: StatementArguments = [after, nowText, nowText]
        var hookFilter = ""
        switch hooks {
        case .all:
            break
        case .named(let name):
            hookFilter = "AND d.hook = ?"
            arguments += [name]
        case .noneOf(let names):
            hookFilter = "AND d.hook NOT IN (" + names.map { _ in "?" }.joined(separator: ", ") + ")"
            arguments += StatementArguments(names)
        }
        arguments += [limit]
        return SQLRequest(
            sql: """
                SELECT d.id, d.event_id, e.type, d.hook, d.subject_type, d.subject, e.payload, d.attempts
                FROM hook_deliveries d JOIN hook_events e ON e.id = d.event_id
                WHERE d.status = 'pending' AND d.id > ? AND d.next_attempt_utc <= ?
                  AND (d.lease_until_utc IS NULL OR d.lease_until_utc <= ?) \(hookFilter)
                  AND NOT EXISTS (
                      SELECT 1 FROM hook_deliveries p
                      WHERE p.status = 'pending' AND p.hook = d.hook AND p.subject_type = d.subject_type
                        AND p.subject = d.subject AND p.id < d.id)
                ORDER BY d.id LIMIT ?
                """, arguments: arguments)
    }
}

/// Whose deliveries a claim takes: every hook's, one hook's, or those of hooks not among some names.
package enum HookSelection: Sendable, Hashable {
    case all
    case named(String)
    case noneOf([String])
}

extension OutboxEntry: FetchableRecord {
    package init(row: Row) throws {
        let stored = StoredRow(row, table: HookDeliveryRow.databaseTableName)
        let status: DeliveryStatus = try stored("status")
        self.init(
            id: try stored("id"), eventID: try stored("event_id"), eventType: try stored("type"),
            hook: try stored("hook"), subjectType: try stored("subject_type"), subject: try stored("subject"),
            status: status, attempts: try stored("attempts"), created: try stored.date("created_utc"),
            nextAttempt: status == .pending ? try stored.date("next_attempt_utc") : nil,
            delivered: try stored.optionalDate("delivered_utc"), lastError: try stored.optional("last_error"),
            lastStatus: try stored.optional("last_status"), lastOutput: try stored.optional("last_output"))
    }

    /// Deliveries in `statuses` (all when empty), oldest first, with their last attempt.
    package static func listing(statuses: Set<DeliveryStatus>, limit: Int?) -> SQLRequest<OutboxEntry> {
        let chosen = statuses.map(\.rawValue).sorted()
        let filter = chosen.isEmpty ? "" : "WHERE d.status IN (" + chosen.map { _ in "?" }.joined(separator: ", ") + ")"
        return listing(where: filter, StatementArguments(chosen) + [limit ?? -1], limited: true)
    }

    /// The deliveries of the events about suspension `id`.
    static func listing(aboutSuspension id: Int64) -> SQLRequest<OutboxEntry> {
        listing(
            where: "WHERE e.type IN ('suspend', 'would_suspend', 'unsuspend') "
                + "AND json_extract(CAST(e.payload AS TEXT), '$.suspension.id') = ?", [id])
    }

    /// The deliveries of the events about alert `id`, among the events about `subject`.
    static func listing(aboutAlert id: Int64, subject: Subject) -> SQLRequest<OutboxEntry> {
        listing(
            where: """
                WHERE d.subject_type = ? AND d.subject = ? AND e.type IN ('alert', 'quota_warning', 'alert_changed')
                  AND EXISTS (SELECT 1 FROM json_each(CAST(e.payload AS TEXT), '$.alerts') j
                              WHERE json_extract(j.value, '$.id') = ?)
                """, [subject.kind.rawValue, subject.value, id])
    }

    private static func listing(where filter: String, _ arguments: StatementArguments, limited: Bool = false)
        -> SQLRequest<OutboxEntry>
    {
        SQLRequest(
            sql: """
                SELECT d.id, d.event_id, e.type, d.hook, d.subject_type, d.subject, d.status, d.attempts,
                       e.created_utc, d.next_attempt_utc, d.delivered_utc, d.last_error,
                       a.status AS last_status, a.output AS last_output
                FROM hook_deliveries d JOIN hook_events e ON e.id = d.event_id
                LEFT JOIN hook_attempts a ON a.id = (SELECT max(id) FROM hook_attempts WHERE delivery_id = d.id)
                \(filter) ORDER BY d.id\(limited ? " LIMIT ?" : "")
                """, arguments: arguments)
    }
}
