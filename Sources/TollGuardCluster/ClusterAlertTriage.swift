import Foundation
import Logging
import PostgresNIO
import TollGuardCore

extension ClusterStore {
    /// Whether a person's `change` can be made to the cluster's alerts: acknowledging, resolving,
    /// reopening and comments.
    ///
    /// A false positive keeps its rule quiet for its subject, which the cluster's analyzer does
    /// not read yet; snoozes and assignment have no columns here yet.
    package static func canTriage(_ change: AlertChange) -> Bool {
        switch change {
        case .acknowledge, .resolve, .reopen, .comment: true
        case .falsePositive, .snooze, .unsnooze, .assign: false
        }
    }

    /// Applies a person's `change` to each of the cluster's alerts of `ids`, in one transaction,
    /// as the single box's triage does: the state moved where the alert's state allows it (the
    /// others refused, with why), each change journaled in `cluster_journal`, and the
    /// `alert_changed` event queued for the hooks of `hooks` that take it (the leading analyzer
    /// delivers it).
    ///
    /// The analyzer's writes never touch a person's decision: they change an alert's figures.
    package func changeAlerts(
        _ ids: [Int64], _ change: AlertChange, actor: String, comment: String?, hooks: [HookSettings],
        summarizer: AlertSummarizer, now: Date = Date()
    ) async throws -> TriageResult {
        guard Self.canTriage(change) else {
            var unsupported = TriageResult()
            unsupported.refused = ids.map { ($0, .store("\(change.action) is not made to the cluster's alerts yet")) }
            return unsupported
        }
        let comment = comment.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        let logger = self.logger
        return try await client.inTransaction(logger: logger) { connection -> TriageResult in
            var result = TriageResult()
            var seen: Set<Int64> = []
            for id in ids where seen.insert(id).inserted {
                var found: StoredAlert?
                for try await row in try await connection.query(
                    """
                    SELECT \(unescaped: Self.alertColumns), \(unescaped: Self.stateColumns) FROM cluster_alerts
                    WHERE id = \(id) FOR UPDATE
                    """, logger: logger)
                {
                    found = try Self.reviewed(row, summarizer: summarizer)?.alert
                }
                guard let before = found else {
                    result.refused.append((id, .noSuchAlert(id)))
                    continue
                }
                var after = before
                var entry = JournalEntry(
                    at: now, actor: actor, action: change.action, subjectType: "alert", subject: String(id),
                    note: comment)
                if let state = change.state {
                    guard before.state.successors.contains(state) else {
                        result.refused.append((id, .notAllowed(id: id, from: before.state, to: state)))
                        continue
                    }
                    try await connection.query(
                        """
                        UPDATE cluster_alerts SET state = \(state.rawValue), state_by = \(actor),
                            state_at_utc = \(now), state_comment = \(comment), updated_utc = now()
                        WHERE id = \(id)
                        """, logger: logger)
                    (after.state, after.stateBy, after.stateAt, after.stateComment) = (state, actor, now, comment)
                    entry.before = before.state.rawValue
                    entry.after = state.rawValue
                    if case .resolve(let disposition) = change {
                        entry.after = "\(state.rawValue) (\(disposition.label))"
                    }
                }
                try await Self.journal(entry, on: connection, logger: logger)
                result.changed.append(AlertChangeOutcome(before: before, after: after, entry: entry))
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

    /// Writes `entry` into `cluster_journal`.
    static func journal(_ entry: JournalEntry, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
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
        var entries: [JournalEntry] = []
        for try await (id, at, actor, action, subjectType, subject, before, after, note)
            in rows.decode((Int64, Date, String, String, String?, String?, String?, String?, String?).self)
        {
            var entry = JournalEntry(
                at: at, actor: actor, action: action, subjectType: subjectType, subject: subject, before: before,
                after: after, note: note)
            entry.id = id
            entries.append(entry)
        }
        return entries
    }
}
