import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// An alert of the cluster store as the analyzer merges findings into it: its draft, and its row
/// once written.
package struct ClusterAlert: Sendable {
    package var id: Int64?
    package var draft: AlertDraft
    /// The severity its hooks were told of, with its last write (nil: not written yet).
    package var acted: Severity?

    package init(id: Int64?, draft: AlertDraft, acted: Severity?) {
        self.id = id
        self.draft = draft
        self.acted = acted
    }

    /// The hook events this write owes: `alert` when it raises or escalates the alert,
    /// `quota_warning` when it brings a daily quota alert to `warning` (as the single box's
    /// action layer decides them).
    var owedEvents: [HookEventType] {
        var owed: [HookEventType] = []
        if acted.map({ draft.severity > $0 }) ?? true { owed.append(.alert) }
        if draft.rule == .dailyQuota, draft.severity == .warning, acted.map({ $0 < .warning }) ?? true {
            owed.append(.quotaWarning)
        }
        return owed
    }
}

/// An evidence call as `cluster_alerts.evidence` holds it.
struct StoredEvidence: Codable {
    var key: String
    var time: Date
    var number: String
    var region: String?
    var cost: Int64
    var switchName: String?

    init(_ call: EvidenceCall) {
        key = call.key
        time = call.time
        number = call.number
        region = call.region
        cost = call.costMicros
        switchName = call.switchName
    }

    var call: EvidenceCall {
        EvidenceCall(
            key: key, rowID: nil, time: time, number: number, region: region, costMicros: cost, switchName: switchName)
    }
}

extension ClusterStore {
    static let alertColumns = """
        id, rule, subject_type, subject, window_key, severity_rank, first_seen_utc, last_seen_utc, headline,
        metrics::text, evidence::text, call_count, cost_micros, call_keys::text
        """

    /// ``alertColumns`` without the keys of the calls counted (an empty list in their place): what
    /// is shown of an alert needs none, and a long alert counts thousands.
    static let shownAlertColumns = alertColumns.replacingOccurrences(of: "call_keys::text", with: "'[]'")

    /// The alert a finding of `rule` about `subject` in `windowKey` would continue: the latest one.
    package func latestAlert(rule: AnalysisRule, subject: Subject, windowKey: String?) async throws -> ClusterAlert? {
        try await latestAlerts(of: [(rule, subject, windowKey)]).first
    }

    /// The latest alert of each rule, subject and window of `keys` that has one, in one round
    /// trip (the findings of an analyzer step ask for theirs at once).
    package func latestAlerts(
        of keys: [(rule: AnalysisRule, subject: Subject, windowKey: String?)]
    ) async throws -> [ClusterAlert] {
        guard !keys.isEmpty else { return [] }
        // Within the protocol's 65,535 parameters, and a statement the planner plans quickly.
        guard keys.count <= 500 else {
            var found: [ClusterAlert] = []
            for start in stride(from: 0, to: keys.count, by: 500) {
                found += try await latestAlerts(of: Array(keys[start..<min(start + 500, keys.count)]))
            }
            return found
        }
        var binds = PostgresBindings()
        var branches: [String] = []
        for key in keys {
            binds.append(key.rule.rawValue)
            binds.append(key.subject.kind.rawValue)
            binds.append(key.subject.value)
            binds.append(key.windowKey)
            let last = binds.count
            branches.append(
                "(SELECT \(Self.alertColumns) FROM cluster_alerts WHERE rule = $\(last - 3) "
                    + "AND subject_type = $\(last - 2) AND subject = $\(last - 1) "
                    + "AND window_key IS NOT DISTINCT FROM $\(last) ORDER BY id DESC LIMIT 1)")
        }
        return try await alerts(PostgresQuery(unsafeSQL: branches.joined(separator: " UNION ALL "), binds: binds))
    }

    /// The latest alert of each rule, subject and window whose latest alert counted one of the
    /// calls of `callKeys`.
    func latestAlerts(counting callKeys: [String]) async throws -> [ClusterAlert] {
        guard !callKeys.isEmpty else { return [] }
        var binds = PostgresBindings()
        binds.append(callKeys)
        return try await alerts(
            PostgresQuery(
                unsafeSQL: "SELECT \(Self.alertColumns) FROM cluster_alerts AS alert WHERE call_keys ?| $1::text[] "
                    + "AND id = (SELECT max(id) FROM cluster_alerts AS later WHERE later.rule = alert.rule "
                    + "AND later.subject_type = alert.subject_type AND later.subject = alert.subject "
                    + "AND later.window_key IS NOT DISTINCT FROM alert.window_key) ORDER BY id",
                binds: binds))
    }

    /// Every alert of the cluster store, oldest first.
    package func alerts() async throws -> [ClusterAlert] {
        try await alerts(PostgresQuery(unsafeSQL: "SELECT \(Self.alertColumns) FROM cluster_alerts ORDER BY id"))
    }

    /// The alerts seen in `[from, to)`: first seen before its end, last seen at or after its start.
    package func alerts(seenFrom from: Date, to: Date) async throws -> [ClusterAlert] {
        var binds = PostgresBindings()
        binds.append(from)
        binds.append(to)
        return try await alerts(
            PostgresQuery(
                // The columns hold UTC without a zone.
                unsafeSQL: "SELECT \(Self.alertColumns) FROM cluster_alerts "
                    + "WHERE first_seen_utc < ($2::timestamptz AT TIME ZONE 'UTC') "
                    + "AND last_seen_utc >= ($1::timestamptz AT TIME ZONE 'UTC') ORDER BY id",
                binds: binds))
    }

    private func alerts(_ query: PostgresQuery) async throws -> [ClusterAlert] {
        try await Self.alerts(from: try await client.query(query, logger: logger))
    }

    /// The alerts `query` selects (``alertColumns``) on `connection`.
    static func alerts(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws
        -> [ClusterAlert]
    {
        try await alerts(from: try await connection.answer(query, logger: logger))
    }

    private static func alerts(from rows: PostgresRowSequence) async throws -> [ClusterAlert] {
        var found: [ClusterAlert] = []
        for try await row in rows { found.append(try alert(from: row)) }
        return found
    }

    /// The alert of a row that starts with ``alertColumns``.
    static func alert(from row: PostgresRow) throws -> ClusterAlert {
        let decoder = JSONDecoder()
        let (id, rule, kind, subject, window, rank, first, last, headline, metrics, evidence, calls, cost, keys) =
            try row.decode(
                (Int64, String, String, String, String?, Int, Date, Date, String, String, String, Int64, Int64, String)
                    .self)
        guard let rule = AnalysisRule(rawValue: rule), let kind = Subject.Kind(rawValue: kind) else {
            throw ClusterCallError(column: "cluster_alerts.rule", reason: "alert \(id): \(rule) about a \(kind)")
        }
        let draft = AlertDraft(
            rule: rule, subject: Subject(kind, subject), windowKey: window,
            severity: Severity(rawValue: rank) ?? .info, firstSeen: first, lastSeen: last, headline: headline,
            metrics: try decoder.decode([String: MetricValue].self, from: Data(metrics.utf8)),
            calls: try decoder.decode([StoredEvidence].self, from: Data(evidence.utf8)).map(\.call),
            callCount: Int(calls), costMicros: cost,
            keys: Set(try decoder.decode([String].self, from: Data(keys.utf8))))
        return ClusterAlert(id: id, draft: draft, acted: draft.severity)
    }

    /// Writes `alert`'s figures on `connection` under `epoch`, a new row or its row updated.
    ///
    /// Returns its id and the state a person left it in, which the write never changes.
    static func write(_ alert: ClusterAlert, epoch: Int64, on connection: PostgresConnection, logger: Logger)
        async throws -> (id: Int64, state: AlertState)
    {
        let draft = alert.draft
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let metrics = String(decoding: try encoder.encode(draft.metrics), as: UTF8.self)
        let evidence = String(decoding: try encoder.encode(draft.calls.map(StoredEvidence.init)), as: UTF8.self)
        let keys = String(decoding: try encoder.encode(draft.callKeys.sorted()), as: UTF8.self)
        let (rank, severity) = (draft.severity.rawValue, draft.severity.name)
        let (calls, cost) = (Int64(draft.callCount), draft.costMicros)
        let rows: PostgresRowSequence
        if let id = alert.id {
            rows = try await connection.answer(
                """
                UPDATE cluster_alerts SET severity = \(severity), severity_rank = \(rank),
                    first_seen_utc = (\(draft.firstSeen)::timestamptz AT TIME ZONE 'UTC'),
                    last_seen_utc = (\(draft.lastSeen)::timestamptz AT TIME ZONE 'UTC'), headline = \(draft.headline),
                    metrics = \(metrics)::jsonb, evidence = \(evidence)::jsonb, call_count = \(calls),
                    cost_micros = \(cost), call_keys = \(keys)::jsonb, epoch = \(epoch), updated_utc = now()
                WHERE id = \(id) RETURNING id, state
                """, logger: logger)
        } else {
            rows = try await connection.answer(
                """
                INSERT INTO cluster_alerts (rule, subject_type, subject, window_key, severity, severity_rank,
                    first_seen_utc, last_seen_utc, headline, metrics, evidence, call_count, cost_micros, call_keys, epoch)
                VALUES (\(draft.rule.rawValue), \(draft.subject.kind.rawValue), \(draft.subject.value),
                    \(draft.windowKey), \(severity), \(rank), (\(draft.firstSeen)::timestamptz AT TIME ZONE 'UTC'),
                    (\(draft.lastSeen)::timestamptz AT TIME ZONE 'UTC'), \(draft.headline),
                    \(metrics)::jsonb, \(evidence)::jsonb, \(calls), \(cost), \(keys)::jsonb, \(epoch))
                RETURNING id, state
                """, logger: logger)
        }
        for try await (id, state) in rows.decode((Int64, String).self) {
            guard let known = AlertState(rawValue: state) else {
                throw ClusterCallError(
                    column: "cluster_alerts.state", reason: "\(state.debugDescription) is not a state")
            }
            return (id, known)
        }
        throw ClusterCallError(column: "cluster_alerts.id", reason: "the alert row \(alert.id ?? 0) is gone")
    }
}
