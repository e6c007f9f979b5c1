import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// What an alert's case file shows beside the alert, read from the cluster store: the alerts
/// about the same subject, addresses and number ranges, its hooks' deliveries, the calls hung up
/// and the account's spend over every switch.
extension ClusterStore {
    /// The latest of the cluster's alerts about any of `subjects`, newest first.
    package func alerts(ofSubjects subjects: [Subject], limit: Int, summarizer: AlertSummarizer) async throws
        -> [StoredAlert]
    {
        guard !subjects.isEmpty else { return [] }
        let query: PostgresQuery = """
            SELECT \(unescaped: Self.shownAlertColumns), \(unescaped: Self.stateColumns) FROM cluster_alerts
            WHERE (subject_type, subject) IN (
                SELECT * FROM unnest(\(subjects.map(\.kind.rawValue))::text[], \(subjects.map(\.value))::text[]))
            ORDER BY last_seen_utc DESC, id DESC LIMIT \(Int64(max(limit, 0)))
            """
        return try await reviewed(query, summarizer: summarizer).map(\.alert)
    }

    /// Other alerts than `alertID` whose evidence called one of the number ranges of
    /// `alertID`'s evidence (``NumberRange``), newest first.
    package func rangeNeighbours(ofAlert alertID: Int64, limit: Int, summarizer: AlertSummarizer) async throws
        -> [RangeNeighbour]
    {
        var numbers: [String] = []
        for try await number in try await client.query(
            "SELECT number FROM cluster_alert_numbers WHERE alert_id = \(alertID) LIMIT 200", logger: logger
        ).decode(String.self) {
            numbers.append(number)
        }
        let ranges = Array(Set(numbers.compactMap(NumberRange.init)).sorted { $0.prefix < $1.prefix }.prefix(20))
        // As the single box: up to four times `limit` alerts of each range (one statement each:
        // its bounds known to the planner, an index range scan), then the newest `limit` of them
        // read whole (reading every one found took most of a case file's time).
        var found: [Int64: NumberRange] = [:]
        for range in ranges {
            let rows = try await client.query(
                """
                SELECT DISTINCT alert_id FROM cluster_alert_numbers
                WHERE number >= \(range.prefix) AND number < \(range.upperBound) AND alert_id != \(alertID)
                LIMIT \(Int64(max(limit, 0) * 4))
                """, logger: logger)
            for try await id in rows.decode(Int64.self) where found[id] == nil { found[id] = range }
        }
        guard !found.isEmpty else { return [] }
        var newest: [Int64] = []
        for try await id in try await client.query(
            """
            SELECT id FROM cluster_alerts WHERE id = ANY(\(Array(found.keys))::bigint[])
            ORDER BY last_seen_utc DESC, id DESC LIMIT \(Int64(max(limit, 0)))
            """, logger: logger
        ).decode(Int64.self) {
            newest.append(id)
        }
        return try await reviewedAlerts(ids: newest, summarizer: summarizer).map(\.alert)
            .sorted { ($0.lastSeen, $0.id) > ($1.lastSeen, $1.id) }
            .compactMap { alert in found[alert.id].map { RangeNeighbour(alert: alert, range: $0) } }
    }

    /// The source addresses of alert `alertID`'s evidence calls, the most used first.
    package func sourceAddresses(ofAlert alertID: Int64, limit: Int) async throws -> [String] {
        let rows = try await client.query(
            """
            SELECT c.source_ip FROM cluster_alerts a
            CROSS JOIN LATERAL jsonb_array_elements(a.evidence) e
            JOIN call_keys k ON k.switch_name = e->>'switchName' AND k.dedup_key = e->>'key'
            JOIN calls c ON c.source_id = k.source_id AND c.source_sequence = k.source_sequence
                AND c.start_utc = k.start_utc
            WHERE a.id = \(alertID) AND c.source_ip IS NOT NULL AND c.source_ip != ''
            GROUP BY c.source_ip ORDER BY count(*) DESC, c.source_ip LIMIT \(Int64(max(limit, 0)))
            """, logger: logger)
        var addresses: [String] = []
        for try await address in rows.decode(String.self) { addresses.append(address) }
        return addresses
    }

    /// The deliveries of the cluster's hook events about alert `id` (`alert`, `quota_warning`,
    /// `alert_changed`) among those about `subject`, oldest first.
    package func deliveries(ofAlert id: Int64, subject: Subject) async throws -> [OutboxEntry] {
        try await deliveries(
            """
            d.subject_type = \(subject.kind.rawValue) AND d.subject = \(subject.value)
                AND e.type IN ('alert', 'quota_warning', 'alert_changed')
                AND EXISTS (SELECT 1 FROM jsonb_array_elements(convert_from(e.payload, 'UTF8')::jsonb -> 'alerts') j
                    WHERE (j->>'id')::bigint = \(id))
            """)
    }

    /// The deliveries of the cluster's hook events about suspension `id`, oldest first.
    package func deliveries(ofSuspension id: Int64) async throws -> [OutboxEntry] {
        try await deliveries(
            """
            e.type IN ('suspend', 'would_suspend', 'unsuspend')
                AND (convert_from(e.payload, 'UTF8')::jsonb -> 'suspension' ->> 'id')::bigint = \(id)
            """)
    }

    private func deliveries(_ condition: PostgresQuery) async throws -> [OutboxEntry] {
        var query: PostgresQuery = """
            SELECT d.id, d.event_id, e.type, d.hook, d.subject_type, d.subject, d.status, d.attempts,
                e.created_utc, d.next_attempt_utc, d.delivered_utc, d.last_error, d.last_status, d.last_output
            FROM cluster_hook_deliveries d JOIN cluster_hook_events e ON e.id = d.event_id WHERE
            """
        query.sql += " " + condition.sql + " ORDER BY d.id"
        query.binds = condition.binds
        var found: [OutboxEntry] = []
        for try await row in try await client.query(query, logger: logger) {
            let (id, event, type, hook, subjectType, subject, status, attempts, created, next, delivered) =
                try row.decode((Int64, String, String, String, String, String, String, Int, Date, Date?, Date?).self)
            let columns = row.makeRandomAccess()
            found.append(
                OutboxEntry(
                    id: id, eventID: event, eventType: type, hook: hook, subjectType: subjectType, subject: subject,
                    status: DeliveryStatus(rawValue: status) ?? .pending, attempts: attempts, created: created,
                    nextAttempt: next, delivered: delivered, lastError: try columns[11].decode(String?.self),
                    lastStatus: try columns[12].decode(Int?.self), lastOutput: try columns[13].decode(String?.self)))
        }
        return found
    }

    /// The calls the cluster hung up of `account`, oldest first, with each switch's answer.
    package func callKills(account: String) async throws -> [CallKill] {
        let rows = try await client.query(
            """
            SELECT call_uuid, account, reason, issued_utc, coalesce(answer, 'waiting for its edge'), switch_name
            FROM kill_commands WHERE account = \(account) ORDER BY id
            """, logger: logger)
        var kills: [CallKill] = []
        for try await (uuid, account, reason, issued, answer, switchName) in rows.decode(
            (String, String, String, Date, String, String).self)
        {
            kills.append(
                CallKill(
                    uuid: uuid, account: account, reason: reason, at: issued, reply: answer, switchName: switchName))
        }
        return kills
    }

    /// What `account` spent over every switch on each of `days` site days up to the day of
    /// `through`, oldest first, days without calls included.
    package func dailySpend(account: String, days: Int, through: Date, timeZone: TimeZone) async throws
        -> [DaySpend]
    {
        let labels = LocalClock.days(days, through: through, in: timeZone).labels
        let rows = try await client.query(
            """
            SELECT day::text, calls, cost_micros FROM cluster_spend
            WHERE account = \(account) AND day = ANY(\(labels)::date[])
            """, logger: logger)
        var spent: [String: (calls: Int, micros: Int64)] = [:]
        for try await (day, calls, cost) in rows.decode((String, Int, Int64).self) { spent[day] = (calls, cost) }
        return labels.map { DaySpend(day: $0, calls: spent[$0]?.calls ?? 0, micros: spent[$0]?.micros ?? 0) }
    }

    /// Spend per account over every switch on the site days from `from` up to `to`, largest first.
    ///
    /// The cluster counts spend by account and day, so the days are whole: `from` and `to` are
    /// a site day's bounds, as the console's accounts page asks.
    package func spendByAccount(from: Date, to: Date, timeZone: TimeZone) async throws -> [(
        subject: Subject, calls: Int, costMicros: Int64
    )] {
        var clock = LocalClock(timeZone: timeZone)
        let first = LocalClock.dayText(clock.local(from.timeIntervalSince1970).day)
        let last = LocalClock.dayText(clock.local(to.timeIntervalSince1970 - 1).day)
        let rows = try await client.query(
            """
            SELECT account, sum(calls)::bigint, sum(cost_micros)::bigint FROM cluster_spend
            WHERE day BETWEEN \(first)::date AND \(last)::date
            GROUP BY account ORDER BY 3 DESC, account
            """, logger: logger)
        var found: [(subject: Subject, calls: Int, costMicros: Int64)] = []
        for try await (account, calls, cost) in rows.decode((String, Int64, Int64).self) {
            found.append((Subject(.account, account), Int(calls), cost))
        }
        return found
    }
}
