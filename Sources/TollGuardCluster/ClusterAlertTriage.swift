import Foundation
import Logging
import PostgresNIO
import TollGuardCore

extension ClusterStore {
    /// Applies a person's `change` to each of the cluster's alerts of `ids`, in one transaction,
    /// as the single box's triage does (``AlertChange/planned(for:actor:comment:suppressFor:now:)``):
    /// each change made where the alert allows it (the others refused, with why), a false
    /// positive keeping its rule quiet for its subject for `suppressFor` (`cluster_suppressions`,
    /// which the analyzer reads) and closing the matching open alerts when asked, each change
    /// journaled in `cluster_journal`, and the `alert_changed` event queued for the hooks of
    /// `hooks` that take it (the leading analyzer delivers it).
    ///
    /// The analyzer's writes never touch a person's decision: they change an alert's figures.
    package func changeAlerts(
        _ ids: [Int64], _ change: AlertChange, actor: String, comment: String?, suppressFor: TimeInterval,
        hooks: [HookSettings], summarizer: AlertSummarizer, now: Date = Date()
    ) async throws -> TriageResult {
        let comment = comment.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        let logger = self.logger
        return try await client.inTransaction(logger: logger) { connection -> TriageResult in
            var result = TriageResult()
            var seen: Set<Int64> = []
            func apply(_ change: AlertChange, to before: StoredAlert, comment: String?) async throws {
                do {
                    let plan = try change.planned(
                        for: before, actor: actor, comment: comment, suppressFor: suppressFor, now: now)
                    try await Self.write(plan, change: change, of: before, on: connection, logger: logger)
                    result.changed.append(AlertChangeOutcome(before: before, after: plan.after, entry: plan.entry))
                } catch let refusal as AlertStateError {
                    result.refused.append((before.id, refusal))
                }
            }
            for id in ids where seen.insert(id).inserted {
                let found = try await Self.reviewedAlerts(
                    """
                    SELECT \(unescaped: Self.alertColumns), \(unescaped: Self.stateColumns) FROM cluster_alerts
                    WHERE id = \(id) FOR UPDATE
                    """, summarizer: summarizer, on: connection, logger: logger)
                guard let before = found.first?.alert else {
                    result.refused.append((id, .noSuchAlert(id)))
                    continue
                }
                let refusals = result.refused.count
                try await apply(change, to: before, comment: comment)
                guard result.refused.count == refusals, let closing = change.closingWith(id, comment: comment) else {
                    continue
                }
                let (rule, kind, subject) = (before.rule, before.subject.kind.rawValue, before.subject.value)
                for other in try await Self.reviewedAlerts(
                    """
                    SELECT \(unescaped: Self.alertColumns), \(unescaped: Self.stateColumns) FROM cluster_alerts
                    WHERE rule = \(rule) AND subject_type = \(kind) AND subject = \(subject) AND id <> \(id)
                        AND state IN ('open', 'acknowledged')
                    ORDER BY id FOR UPDATE
                    """, summarizer: summarizer, on: connection, logger: logger)
                where seen.insert(other.alert.id).inserted {
                    try await apply(closing.change, to: other.alert, comment: closing.comment)
                }
            }
            let subscribed = hooks.filter { $0.events.contains(.alertChanged) }
            if !subscribed.isEmpty {
                for outcome in result.changed {
                    // Epoch 0: a person's, not a leader's.
                    _ = try await ClusterOutbox.enqueue(
                        HookEvent.about(outcome, now: now), hooks: subscribed, epoch: 0, on: connection, logger: logger)
                }
            }
            return result
        }
    }

    /// Writes `plan` of `change` to `alert` on `connection`: the alert's triage, its quiet time, its journal entry.
    private static func write(
        _ plan: PlannedAlertChange, change: AlertChange, of alert: StoredAlert, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let (id, after, snooze) = (alert.id, plan.after, plan.after.snooze)
        if change != .comment {
            try await connection.answer(
                """
                UPDATE cluster_alerts SET state = \(after.state.rawValue), state_by = \(after.stateBy),
                    state_at_utc = \(after.stateAt), state_comment = \(after.stateComment),
                    snoozed_until_utc = \(snooze?.until), snooze_cost_micros = \(snooze?.worseThanCostMicros),
                    snooze_calls = \(snooze?.worseAtCalls), snooze_countries = \(snooze?.worseAtCountries),
                    assignee = \(after.assignee), updated_utc = now()
                WHERE id = \(id)
                """, logger: logger)
        }
        switch plan.quiet {
        case .unchanged:
            break
        case .ends:
            try await connection.answer("DELETE FROM cluster_suppressions WHERE alert_id = \(id)", logger: logger)
        case .starts(let from, let until):
            try await connection.answer(
                """
                INSERT INTO cluster_suppressions (rule, subject_type, subject, from_utc, until_utc, alert_id)
                VALUES (\(alert.rule), \(alert.subject.kind.rawValue), \(alert.subject.value), \(from), \(until), \(id))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        try await journal(plan.entry, on: connection, logger: logger)
    }

    /// Writes `entry` into `cluster_journal`.
    static func journal(_ entry: JournalEntry, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.answer(
            """
            INSERT INTO cluster_journal (at_utc, actor, action, subject_type, subject, before, after, note)
            VALUES (\(entry.at), \(entry.actor), \(entry.action), \(entry.subjectType), \(entry.subject),
                \(entry.before), \(entry.after), \(entry.note))
            """, logger: logger)
    }

    /// The journal of the cluster's records, oldest first (of `subject` of `subjectType`, when given).
    package func journal(subjectType: String? = nil, subject: String? = nil) async throws -> [JournalEntry] {
        let rows = try await client.query(
            """
            SELECT id, at_utc, actor, action, subject_type, subject, before, after, note FROM cluster_journal
            WHERE (\(subjectType)::text IS NULL OR subject_type = \(subjectType))
                AND (\(subject)::text IS NULL OR subject = \(subject))
            ORDER BY id
            """, logger: logger)
        return try await Self.journalEntries(rows)
    }
}
