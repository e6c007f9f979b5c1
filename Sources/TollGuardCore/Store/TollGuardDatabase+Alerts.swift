import Foundation
import GRDB

extension TollGuardDatabase {
    /// Stores a run's drafts: each one updates the alert it continues — same rule, subject and
    /// window, overlapping in time within the rule's merge gap, whatever its state — or opens
    /// a new one; drafts a false positive suppresses are dropped.
    ///
    /// Re-applying the same drafts changes nothing. `raisedBy` names the process in a new
    /// alert's history (`analyze`, `serve`, `logs scan`).
    package func apply(
        _ drafts: [AlertDraft], summarizer: AlertSummarizer, evidenceLimit: Int, raisedBy: String,
        now: Date = Date()
    ) throws -> AlertChanges {
        try writer.write { db in
            try apply(drafts, summarizer: summarizer, evidenceLimit: evidenceLimit, raisedBy: raisedBy, now: now, db)
        }
    }

    /// ``apply(_:summarizer:evidenceLimit:raisedBy:now:)`` without holding a thread of the
    /// cooperative pool while the store is busy.
    package func apply(
        _ drafts: [AlertDraft], summarizer: AlertSummarizer, evidenceLimit: Int, raisedBy: String,
        now: Date = Date()
    ) async throws -> AlertChanges {
        try await writer.write { db in
            try apply(drafts, summarizer: summarizer, evidenceLimit: evidenceLimit, raisedBy: raisedBy, now: now, db)
        }
    }

    private func apply(
        _ drafts: [AlertDraft], summarizer: AlertSummarizer, evidenceLimit: Int, raisedBy: String, now: Date,
        _ db: Database
    ) throws -> AlertChanges {
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
                let id = try insert(
                    draft, summarizer: summarizer, evidenceLimit: evidenceLimit, raisedBy: raisedBy, now: now, db)
                changes.new[draft.severity, default: 0] += 1
                changes.newIDs.append(id)
            }
        }
        return changes
    }

    private func isSuppressed(_ draft: AlertDraft, _ db: Database) throws -> Bool {
        try AlertSuppressionRow.covers(draft).fetchOne(db) ?? false
    }

    private func continuedAlert(for draft: AlertDraft, _ db: Database) throws -> StoredAlert? {
        try StoredAlert.continued(by: draft).fetchOne(db)
    }

    private func insert(
        _ draft: AlertDraft, summarizer: AlertSummarizer, evidenceLimit: Int, raisedBy: String, now: Date,
        _ db: Database
    ) throws -> Int64 {
        let regions = AlertSummarizer.regionsByFrequency(draft.calls)
        let summary = summarizer.summary(of: draft)
        var row = NewAlertRow(draft: draft, summary: summary, countryCount: regions.count, now: now)
        try row.insert(db)
        guard let id = row.id else {
            throw StoredValueError(table: "alerts", column: "id", row: "new", reason: "no id")
        }
        _ = try insertEvidence(draft.calls, alertID: id, db)
        try insertEvidence(draft.lines, alertID: id, db, limit: evidenceLimit)
        try AlertHistoryRow(
            alertID: id, change: AlertStateChange(state: .open, actor: raisedBy, at: now, comment: nil)
        )
        .insert(db)
        return id
    }

    /// Merges a draft into the alert it continues; true when anything changed.
    private func update(
        _ alert: StoredAlert, with draft: AlertDraft, summarizer: AlertSummarizer, evidenceLimit: Int, now: Date,
        _ db: Database
    ) throws -> Bool {
        func evidenceTotals() throws -> (calls: Int, cost: Int64) {
            let row = try EvidenceCallRow.totals(ofAlert: alert.id).fetchOne(db)
            let stored = row.map { StoredRow($0, table: EvidenceCallRow.databaseTableName, key: "calls") }
            return (try stored?("calls") ?? 0, try stored?("cost") ?? 0)
        }
        let stored = try evidenceTotals().calls
        let costChange = try insertEvidence(
            draft.calls, alertID: alert.id, db, limit: max(0, evidenceLimit - stored))
        let storedLines = try EvidenceLogLineRow.count(ofAlert: alert.id).fetchOne(db) ?? 0
        try insertEvidence(draft.lines, alertID: alert.id, db, limit: max(0, evidenceLimit - storedLines))
        let (evidenceCount, evidenceCost) = try evidenceTotals()
        let capped = evidenceCount >= evidenceLimit
        let callCount = max(alert.callCount, draft.callCount, evidenceCount)
        let costMicros = capped ? max(alert.costMicros + costChange, draft.costMicros, evidenceCost) : evidenceCost
        let firstSeen = min(alert.firstSeen, draft.firstSeen)
        let lastSeen = max(alert.lastSeen, draft.lastSeen)
        let escalates = draft.severity > alert.severity
        let severity = max(alert.severity, draft.severity)
        let headline =
            escalates || (draft.severity == alert.severity && draft.lastSeen > alert.lastSeen)
            ? draft.headline : alert.headline
        let metrics = headline == draft.headline ? draft.metrics : alert.metrics
        let regions = try EvidenceCallRow.regions(ofAlert: alert.id).fetchAll(db)
        let changed =
            callCount != alert.callCount || costMicros != alert.costMicros || firstSeen != alert.firstSeen
            || lastSeen != alert.lastSeen || severity != alert.severity || headline != alert.headline
            || regions.count != alert.countryCount
        guard changed else { return false }
        let summary = summarizer.summary(
            subject: alert.subject, headline: headline, callCount: callCount, regions: regions, costMicros: costMicros,
            firstSeen: firstSeen, lastSeen: lastSeen)
        try AlertRevision(
            id: alert.id, severity: severity, firstSeen: firstSeen, lastSeen: lastSeen, summary: summary,
            headline: headline, metrics: metrics, callCount: callCount, costMicros: costMicros,
            countryCount: regions.count, updated: now
        ).update(db)
        return true
    }

    /// Adds up to `limit` new evidence calls and brings those already stored up to date (their
    /// row, their cost once the call ended); the change of cost of the rows already stored.
    private func insertEvidence(_ calls: [EvidenceCall], alertID: Int64, _ db: Database, limit: Int = .max) throws
        -> Int64
    {
        var added = 0
        var costChange: Int64 = 0
        for call in calls {
            let row = EvidenceCallRow(alertID: alertID, call: call)
            if added < limit, try row.insertIgnoringDuplicate(db) {
                added += 1
            } else {
                costChange += try row.refreshStored(db)
            }
        }
        return costChange
    }

    private func insertEvidence(_ lines: [EvidenceLogLine], alertID: Int64, _ db: Database, limit: Int) throws {
        var added = 0
        for line in lines where added < limit {
            try EvidenceLogLineRow(alertID: alertID, line: line).insertIgnoringDuplicate(db)
            added += db.changesCount
        }
    }
}

extension TollGuardDatabase {
    /// Alerts matching `filter`, most severe and most recent first.
    package func alerts(_ filter: AlertFilter = AlertFilter()) throws -> [StoredAlert] {
        try writer.read { db in
            var request = StoredAlert.all().matching(filter).mostSevereFirst()
            if let limit = filter.limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// The latest alerts of `subject`, at most `limit`.
    package func alerts(ofSubject subject: Subject, limit: Int) throws -> [StoredAlert] {
        try writer.read { db in
            try StoredAlert.filter(
                StoredAlert.Columns.subjectType == subject.kind.rawValue && StoredAlert.Columns.subject == subject.value
            ).order(StoredAlert.Columns.lastSeen.desc).limit(limit).fetchAll(db)
        }
    }

    /// The rules that raised any alert, by name.
    package func alertRules() throws -> [String] {
        try writer.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT rule FROM alerts ORDER BY rule") }
    }

    /// One alert.
    package func alert(id: Int64) throws -> StoredAlert? {
        try writer.read { db in try StoredAlert.fetchOne(db, key: id) }
    }

    /// An alert's evidence calls, oldest first, with their classification where stored.
    package func alertCalls(id: Int64) throws -> [AlertCall] {
        try writer.read { db in try AlertCall.evidence(ofAlert: id).fetchAll(db) }
    }

    /// The log lines behind an alert (SIP attack watcher), in log order.
    package func alertLogLines(id: Int64) throws -> [EvidenceLogLine] {
        try writer.read { db in
            try EvidenceLogLineRow.filter(EvidenceLogLineRow.Columns.alertID == id)
                .order(
                    EvidenceLogLineRow.Columns.time, EvidenceLogLineRow.Columns.file, EvidenceLogLineRow.Columns.line
                )
                .fetchAll(db).map(\.line)
        }
    }

    /// The alert's changes of state, oldest first.
    package func alertHistory(id: Int64) throws -> [AlertStateChange] {
        try writer.read { db in
            try AlertStateChange.filter(AlertStateChange.Columns.alertID == id).order(AlertStateChange.Columns.id)
                .fetchAll(db)
        }
    }
}

/// Why an alert's state cannot change.
package enum AlertStateError: Error, CustomStringConvertible, Equatable {
    case noSuchAlert(Int64)
    case notAllowed(id: Int64, from: AlertState, to: AlertState)
    case notSnoozable(id: Int64, state: AlertState)
    case store(String)

    package var description: String {
        switch self {
        case .noSuchAlert(let id): "no alert \(id)"
        case .notAllowed(let id, let from, let to): "alert \(id) is \(from.rawValue); it cannot become \(to.rawValue)"
        case .notSnoozable(let id, let state):
            "alert \(id) is \(state.rawValue); only an open or acknowledged alert snoozes"
        case .store(let message): message
        }
    }
}
