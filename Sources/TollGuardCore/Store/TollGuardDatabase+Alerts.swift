import Foundation
import GRDB

extension TollGuardDatabase {
    /// Stores a run's drafts: each one updates the alert it continues — same rule, subject and
    /// window, overlapping in time within the rule's merge gap, whatever its state — or opens
    /// a new one; drafts a false positive suppresses are dropped.
    ///
    /// Re-applying the same drafts
    /// changes nothing.
    package func apply(
        _ drafts: [AlertDraft], summarizer: AlertSummarizer, evidenceLimit: Int, now: Date = Date()
    ) throws -> AlertChanges {
        try writer.write { db in
            var changes = AlertChanges()
            for draft in drafts {
                if try isSuppressed(draft, db) {
                    changes.suppressed += 1
                    continue
                }
                if let existing = try continuedAlert(for: draft, db) {
                    if try update(
                        existing, with: draft, summarizer: summarizer, evidenceLimit: evidenceLimit, now: now, db)
                    {
                        changes.updated[max(existing.severity, draft.severity), default: 0] += 1
                    } else {
                        changes.unchanged += 1
                    }
                } else {
                    let id = try insert(draft, summarizer: summarizer, evidenceLimit: evidenceLimit, now: now, db)
                    changes.new[draft.severity, default: 0] += 1
                    changes.newIDs.append(id)
                }
            }
            return changes
        }
    }

    private func isSuppressed(_ draft: AlertDraft, _ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT 1 FROM alert_suppressions
                WHERE rule = ? AND subject_type = ? AND subject = ? AND from_utc <= ? AND until_utc >= ?
                """,
            arguments: [
                draft.rule.rawValue, draft.subject.kind.rawValue, draft.subject.value,
                CivilTime.utcText(draft.lastSeen), CivilTime.utcText(draft.firstSeen),
            ]) ?? false
    }

    private func continuedAlert(for draft: AlertDraft, _ db: Database) throws -> StoredAlert? {
        let row: Row?
        if let windowKey = draft.windowKey {
            row = try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM alerts WHERE rule = ? AND subject_type = ? AND subject = ? AND window_key = ?
                    ORDER BY id DESC LIMIT 1
                    """, arguments: [draft.rule.rawValue, draft.subject.kind.rawValue, draft.subject.value, windowKey])
        } else {
            let gap = draft.rule.mergeGapSeconds
            row = try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM alerts
                    WHERE rule = ? AND subject_type = ? AND subject = ? AND window_key IS NULL
                      AND first_seen_utc <= ? AND last_seen_utc >= ?
                    ORDER BY last_seen_utc DESC LIMIT 1
                    """,
                arguments: [
                    draft.rule.rawValue, draft.subject.kind.rawValue, draft.subject.value,
                    CivilTime.utcText(draft.lastSeen.addingTimeInterval(gap)),
                    CivilTime.utcText(draft.firstSeen.addingTimeInterval(-gap)),
                ])
        }
        return try row.map(Self.alert(from:))
    }

    private func insert(
        _ draft: AlertDraft, summarizer: AlertSummarizer, evidenceLimit: Int, now: Date, _ db: Database
    ) throws -> Int64 {
        let regions = Self.regionsByFrequency(draft.calls)
        let summary = summarizer.summary(
            subject: draft.subject, headline: draft.headline, callCount: draft.callCount, regions: regions,
            costMicros: draft.costMicros, firstSeen: draft.firstSeen, lastSeen: draft.lastSeen)
        try db.execute(
            sql: """
                INSERT INTO alerts (rule, severity, severity_rank, subject_type, subject, window_key, first_seen_utc,
                    last_seen_utc, summary, headline, metrics, call_count, cost_micros, created_utc, updated_utc)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                draft.rule.rawValue, draft.severity.name, draft.severity.rawValue, draft.subject.kind.rawValue,
                draft.subject.value, draft.windowKey, CivilTime.utcText(draft.firstSeen),
                CivilTime.utcText(draft.lastSeen), summary, draft.headline, try Self.json(draft.metrics),
                draft.callCount, draft.costMicros, CivilTime.utcText(now), CivilTime.utcText(now),
            ])
        let id = db.lastInsertedRowID
        try insertEvidence(draft.calls, alertID: id, db)
        try insertEvidence(draft.lines, alertID: id, db, limit: evidenceLimit)
        try db.execute(
            sql:
                "INSERT INTO alert_history (alert_id, state, actor, at_utc, comment) VALUES (?, 'open', 'analysis', ?, NULL)",
            arguments: [id, CivilTime.utcText(now)])
        return id
    }

    /// Merges a draft into the alert it continues; true when anything changed.
    private func update(
        _ alert: StoredAlert, with draft: AlertDraft, summarizer: AlertSummarizer, evidenceLimit: Int, now: Date,
        _ db: Database
    ) throws -> Bool {
        let stored =
            try Int.fetchOne(db, sql: "SELECT count(*) FROM alert_calls WHERE alert_id = ?", arguments: [alert.id]) ?? 0
        let room = max(0, evidenceLimit - stored)
        try insertEvidence(draft.calls, alertID: alert.id, db, limit: room)
        let storedLines =
            try Int.fetchOne(db, sql: "SELECT count(*) FROM alert_log_lines WHERE alert_id = ?", arguments: [alert.id])
            ?? 0
        try insertEvidence(draft.lines, alertID: alert.id, db, limit: max(0, evidenceLimit - storedLines))
        let totals = try Row.fetchOne(
            db, sql: "SELECT count(*), coalesce(sum(cost_micros), 0) FROM alert_calls WHERE alert_id = ?",
            arguments: [alert.id])
        let evidenceCount: Int = totals?[0] ?? 0
        let evidenceCost: Int64 = totals?[1] ?? 0
        let capped = evidenceCount >= evidenceLimit
        let callCount = max(alert.callCount, draft.callCount, evidenceCount)
        let costMicros = capped ? max(alert.costMicros, draft.costMicros, evidenceCost) : evidenceCost
        let firstSeen = min(alert.firstSeen, draft.firstSeen)
        let lastSeen = max(alert.lastSeen, draft.lastSeen)
        let escalates = draft.severity > alert.severity
        let severity = max(alert.severity, draft.severity)
        let headline =
            escalates || (draft.severity == alert.severity && draft.lastSeen > alert.lastSeen)
            ? draft.headline : alert.headline
        let metrics = headline == draft.headline ? draft.metrics : alert.metrics
        let changed =
            callCount != alert.callCount || costMicros != alert.costMicros || firstSeen != alert.firstSeen
            || lastSeen != alert.lastSeen || severity != alert.severity || headline != alert.headline
        guard changed else { return false }
        let regions =
            try String.fetchAll(
                db,
                sql: """
                    SELECT region FROM alert_calls WHERE alert_id = ? AND region IS NOT NULL
                    GROUP BY region ORDER BY count(*) DESC, region
                    """, arguments: [alert.id])
        let summary = summarizer.summary(
            subject: alert.subject, headline: headline, callCount: callCount, regions: regions, costMicros: costMicros,
            firstSeen: firstSeen, lastSeen: lastSeen)
        try db.execute(
            sql: """
                UPDATE alerts SET severity = ?, severity_rank = ?, first_seen_utc = ?, last_seen_utc = ?, summary = ?,
                    headline = ?, metrics = ?, call_count = ?, cost_micros = ?, updated_utc = ?
                WHERE id = ?
                """,
            arguments: [
                severity.name, severity.rawValue, CivilTime.utcText(firstSeen), CivilTime.utcText(lastSeen), summary,
                headline, try Self.json(metrics), callCount, costMicros, CivilTime.utcText(now), alert.id,
            ])
        return true
    }

    private func insertEvidence(_ calls: [EvidenceCall], alertID: Int64, _ db: Database, limit: Int = .max) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO alert_calls (alert_id, call_key, call_row_id, at_utc, number, region, cost_micros)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """)
        var added = 0
        for call in calls where added < limit {
            try statement.execute(arguments: [
                alertID, call.key, call.rowID, CivilTime.utcText(call.time), call.number, call.region, call.costMicros,
            ])
            added += db.changesCount
        }
    }

    private func insertEvidence(_ lines: [EvidenceLogLine], alertID: Int64, _ db: Database, limit: Int) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO alert_log_lines (alert_id, file, line, at_utc, text) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """)
        var added = 0
        for line in lines where added < limit {
            try statement.execute(arguments: [alertID, line.file, line.line, CivilTime.utcText(line.time), line.text])
            added += db.changesCount
        }
    }

    private static func regionsByFrequency(_ calls: [EvidenceCall]) -> [String] {
        var counts: [String: Int] = [:]
        for call in calls { if let region = call.region { counts[region, default: 0] += 1 } }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
    }

    private static func json(_ metrics: [String: MetricValue]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(metrics), as: UTF8.self)
    }

    static func alert(from row: Row) throws -> StoredAlert {
        let metricsText: String = row["metrics"]
        let metrics = (try? JSONDecoder().decode([String: MetricValue].self, from: Data(metricsText.utf8))) ?? [:]
        let kind = Subject.Kind(rawValue: row["subject_type"]) ?? .account
        func date(_ column: String) -> Date? {
            (row[column] as String?).flatMap { CivilTime.parseUTC(dateOrDateTime: $0) }
        }
        return StoredAlert(
            id: row["id"], rule: row["rule"], severity: Severity(name: row["severity"]) ?? .info,
            subject: Subject(kind, row["subject"]), windowKey: row["window_key"],
            firstSeen: date("first_seen_utc") ?? Date(timeIntervalSince1970: 0),
            lastSeen: date("last_seen_utc") ?? Date(timeIntervalSince1970: 0), summary: row["summary"],
            headline: row["headline"], metrics: metrics, callCount: row["call_count"], costMicros: row["cost_micros"],
            state: AlertState(rawValue: row["state"]) ?? .open, stateBy: row["state_by"], stateAt: date("state_utc"),
            stateComment: row["state_comment"])
    }
}

extension TollGuardDatabase {
    /// Alerts matching `filter`, most severe and most recent first.
    package func alerts(_ filter: AlertFilter = AlertFilter()) throws -> [StoredAlert] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if !filter.states.isEmpty {
            conditions.append("state IN (" + filter.states.map { _ in "?" }.joined(separator: ", ") + ")")
            arguments += filter.states.map(\.rawValue).sorted()
        }
        if let severity = filter.minimumSeverity {
            conditions.append("severity_rank >= ?")
            arguments.append(severity.rawValue)
        }
        if let since = filter.since {
            conditions.append("last_seen_utc >= ?")
            arguments.append(CivilTime.utcText(since))
        }
        if let before = filter.before {
            conditions.append("first_seen_utc < ?")
            arguments.append(CivilTime.utcText(before))
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limitClause = filter.limit.map { " LIMIT \($0)" } ?? ""
        return try writer.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT * FROM alerts \(whereClause) ORDER BY severity_rank DESC, last_seen_utc DESC, id\(limitClause)",
                arguments: StatementArguments(arguments)
            ).map(Self.alert(from:))
        }
    }

    /// One alert.
    package func alert(id: Int64) throws -> StoredAlert? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ?", arguments: [id]).map(Self.alert(from:))
        }
    }

    /// An alert's evidence calls, oldest first, with their classification where stored.
    package func alertCalls(id: Int64) throws -> [AlertCall] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.call_key, e.at_utc, e.number, e.region, e.cost_micros, c.account, c.destination,
                           c.dest_scope, c.dest_type, c.dest_risk, c.billsec, c.disposition, c.caller_name
                    FROM alert_calls e LEFT JOIN calls c ON c.id = e.call_row_id
                    WHERE e.alert_id = ? ORDER BY e.at_utc, e.call_key
                    """, arguments: [id]
            ).map { row in
                AlertCall(
                    key: row[0],
                    time: CivilTime.parseUTC(dateOrDateTime: row[1] as String) ?? Date(timeIntervalSince1970: 0),
                    number: row[2], region: row[3], costMicros: row[4], account: row[5], dialed: row[6],
                    destinationClass: row[7], numberType: row[8], risk: row[9], billsec: row[10], disposition: row[11],
                    callerName: row[12])
            }
        }
    }

    /// The log lines behind an alert (SIP attack watcher), in log order.
    package func alertLogLines(id: Int64) throws -> [EvidenceLogLine] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT file, line, at_utc, text FROM alert_log_lines WHERE alert_id = ? ORDER BY at_utc, file, line",
                arguments: [id]
            ).map { row in
                EvidenceLogLine(
                    file: row[0], line: row[1],
                    time: CivilTime.parseUTC(dateOrDateTime: row[2] as String) ?? Date(timeIntervalSince1970: 0),
                    text: row[3])
            }
        }
    }

    /// The alert's changes of state, oldest first.
    package func alertHistory(id: Int64) throws -> [AlertStateChange] {
        try writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT state, actor, at_utc, comment FROM alert_history WHERE alert_id = ? ORDER BY id",
                arguments: [id]
            ).map { row in
                AlertStateChange(
                    state: AlertState(rawValue: row[0]) ?? .open, actor: row[1],
                    at: CivilTime.parseUTC(dateOrDateTime: row[2] as String) ?? Date(timeIntervalSince1970: 0),
                    comment: row[3])
            }
        }
    }

    /// Moves an alert to `state`, recording who, when and why.
    ///
    /// Marking it a false positive also
    /// keeps its rule quiet for its subject from the alert's first call until `suppressFor` after now.
    package func setAlertState(
        id: Int64, to state: AlertState, actor: String, comment: String?, suppressFor: TimeInterval, now: Date = Date()
    ) throws(AlertStateError) -> StoredAlert {
        do {
            return try writer.write { db in
                guard
                    let alert = try Row.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ?", arguments: [id]).map(
                        Self.alert(from:))
                else { throw AlertStateError.noSuchAlert(id) }
                guard alert.state.successors.contains(state) else {
                    throw AlertStateError.notAllowed(id: id, from: alert.state, to: state)
                }
                try db.execute(
                    sql:
                        "UPDATE alerts SET state = ?, state_by = ?, state_utc = ?, state_comment = ?, updated_utc = ? WHERE id = ?",
                    arguments: [state.rawValue, actor, CivilTime.utcText(now), comment, CivilTime.utcText(now), id])
                try db.execute(
                    sql: "INSERT INTO alert_history (alert_id, state, actor, at_utc, comment) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, state.rawValue, actor, CivilTime.utcText(now), comment])
                if state == .falsePositive {
                    try db.execute(
                        sql: """
                            INSERT INTO alert_suppressions (rule, subject_type, subject, from_utc, until_utc, alert_id)
                            VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                            """,
                        arguments: [
                            alert.rule, alert.subject.kind.rawValue, alert.subject.value,
                            CivilTime.utcText(alert.firstSeen),
                            CivilTime.utcText(max(now, alert.lastSeen).addingTimeInterval(suppressFor)), id,
                        ])
                }
                return try Row.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ?", arguments: [id]).map(
                    Self.alert(from:)) ?? alert
            }
        } catch let error as AlertStateError {
            throw error
        } catch {
            throw AlertStateError.store("\(error)")
        }
    }
}

/// Why an alert's state cannot change.
package enum AlertStateError: Error, CustomStringConvertible, Equatable {
    case noSuchAlert(Int64)
    case notAllowed(id: Int64, from: AlertState, to: AlertState)
    case store(String)

    package var description: String {
        switch self {
        case .noSuchAlert(let id): "no alert \(id)"
        case .notAllowed(let id, let from, let to): "alert \(id) is \(from.rawValue); it cannot become \(to.rawValue)"
        case .store(let message): message
        }
    }
}
