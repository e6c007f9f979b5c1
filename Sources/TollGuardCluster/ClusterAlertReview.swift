import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// An alert of the cluster store as `tollguard alerts` shows it: the single box's shape, with
/// the evidence calls it keeps (each with the switch that carried it).
package struct ReviewedClusterAlert: Sendable {
    package var alert: StoredAlert
    package var evidence: [AlertCall]
}

extension ClusterStore {
    /// The cluster's alerts matching `filter`, most severe and most recent first, as the single
    /// box lists its own.
    package func reviewedAlerts(_ filter: AlertFilter, summarizer: AlertSummarizer) async throws
        -> [ReviewedClusterAlert]
    {
        let states = filter.states.map(\.rawValue).sorted()
        let minimum = filter.minimumSeverity?.rawValue
        let query: PostgresQuery = """
            SELECT \(unescaped: Self.shownAlertColumns), \(unescaped: Self.stateColumns) FROM cluster_alerts
            WHERE (cardinality(\(states)::text[]) = 0 OR state = ANY(\(states)::text[]))
                AND (\(minimum)::integer IS NULL OR severity_rank >= \(minimum)::integer)
                AND (\(filter.since)::timestamptz IS NULL
                    OR last_seen_utc >= (\(filter.since)::timestamptz AT TIME ZONE 'UTC'))
                AND (\(filter.before)::timestamptz IS NULL
                    OR first_seen_utc < (\(filter.before)::timestamptz AT TIME ZONE 'UTC'))
            ORDER BY severity_rank DESC, last_seen_utc DESC, id
            LIMIT \(filter.limit.map(Int64.init))::bigint
            """
        return try await reviewed(query, summarizer: summarizer)
    }

    /// One alert of the cluster's, nil when it has none of that id.
    package func reviewedAlert(id: Int64, summarizer: AlertSummarizer) async throws -> ReviewedClusterAlert? {
        let query: PostgresQuery = """
            SELECT \(unescaped: Self.shownAlertColumns), \(unescaped: Self.stateColumns) FROM cluster_alerts WHERE id = \(id)
            """
        return try await reviewed(query, summarizer: summarizer).first
    }

    func reviewed(_ query: PostgresQuery, summarizer: AlertSummarizer) async throws -> [ReviewedClusterAlert] {
        try await Self.reviewed(from: try await client.query(query, logger: logger), summarizer: summarizer)
    }

    /// The alerts `query` selects (``alertColumns`` and ``stateColumns``) on `connection`.
    static func reviewedAlerts(
        _ query: PostgresQuery, summarizer: AlertSummarizer, on connection: PostgresConnection, logger: Logger
    ) async throws -> [ReviewedClusterAlert] {
        try await reviewed(from: try await connection.answer(query, logger: logger), summarizer: summarizer)
    }

    private static func reviewed(from rows: PostgresRowSequence, summarizer: AlertSummarizer) async throws
        -> [ReviewedClusterAlert]
    {
        var found: [ReviewedClusterAlert] = []
        for try await row in rows {
            if let reviewed = try Self.reviewed(row, summarizer: summarizer) { found.append(reviewed) }
        }
        return found
    }

    /// A person's triage, read after ``alertColumns``: the last decision, the snooze, who works it.
    static let stateColumns = """
        state, state_by, state_at_utc, state_comment, snoozed_until_utc, snooze_cost_micros, snooze_calls,
        snooze_countries, assignee
        """

    /// The alert of a row of ``alertColumns`` and ``stateColumns``, with its triage.
    static func reviewed(_ row: PostgresRow, summarizer: AlertSummarizer) throws -> ReviewedClusterAlert? {
        let columns = row.makeRandomAccess()
        let alert = try Self.alert(from: row)
        let state = columns.count - 9
        guard let id = alert.id else { return nil }
        var reviewed = Self.review(
            alert.draft, id: id, state: try columns[state].decode(String.self), summarizer: summarizer)
        reviewed.alert.stateBy = try columns[state + 1].decode(String?.self)
        reviewed.alert.stateAt = try columns[state + 2].decode(Date?.self)
        reviewed.alert.stateComment = try columns[state + 3].decode(String?.self)
        let snooze = AlertSnooze(
            until: try columns[state + 4].decode(Date?.self),
            worseThanCostMicros: try columns[state + 5].decode(Int64?.self),
            worseAtCalls: try columns[state + 6].decode(Int?.self),
            worseAtCountries: try columns[state + 7].decode(Int?.self))
        reviewed.alert.snooze = snooze.isEmpty ? nil : snooze
        reviewed.alert.assignee = try columns[state + 8].decode(String?.self)
        return reviewed
    }

    /// The single box's shape of a cluster alert in `state`.
    static func review(_ draft: AlertDraft, id: Int64, state: String, summarizer: AlertSummarizer)
        -> ReviewedClusterAlert
    {
        let alert = StoredAlert(
            id: id, rule: draft.rule.rawValue, severity: draft.severity, subject: draft.subject,
            windowKey: draft.windowKey, firstSeen: draft.firstSeen, lastSeen: draft.lastSeen,
            summary: summarizer.summary(of: draft), headline: draft.headline, metrics: draft.metrics,
            callCount: draft.callCount, costMicros: draft.costMicros,
            countryCount: Set(draft.calls.compactMap(\.region)).count, state: AlertState(rawValue: state) ?? .open)
        let evidence = draft.calls.sorted { $0.time < $1.time }.map { call in
            AlertCall(
                key: call.key, time: call.time, number: call.number, region: call.region, costMicros: call.costMicros,
                switchName: call.switchName)
        }
        return ReviewedClusterAlert(alert: alert, evidence: evidence)
    }
}
