import Foundation
import GRDB

/// `alerts`: one row per alert, read strictly.
extension StoredAlert: FetchableRecord, TableRecord {
    package static let databaseTableName = "alerts"

    /// The columns of `alerts`.
    package enum Columns {
        package static let id = Column("id")
        package static let rule = Column("rule")
        package static let severity = Column("severity")
        package static let severityRank = Column("severity_rank")
        package static let subjectType = Column("subject_type")
        package static let subject = Column("subject")
        package static let windowKey = Column("window_key")
        package static let firstSeen = Column("first_seen_utc")
        package static let lastSeen = Column("last_seen_utc")
        package static let summary = Column("summary")
        package static let headline = Column("headline")
        package static let metrics = Column("metrics")
        package static let callCount = Column("call_count")
        package static let costMicros = Column("cost_micros")
        /// How many countries the evidence calls reach.
        package static let countryCount = Column("country_count")
        package static let state = Column("state")
        package static let stateBy = Column("state_by")
        package static let stateAt = Column("state_utc")
        package static let stateComment = Column("state_comment")
        package static let created = Column("created_utc")
        package static let updated = Column("updated_utc")
        /// The rank the action layer last acted on (`-1`: never).
        package static let notifiedRank = Column("notified_rank")
    }

    /// The evidence calls of an alert.
    package static let evidenceCalls = hasMany(EvidenceCallRow.self)

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName)
        let severity: Severity = try stored("severity")
        let rank: Int = try stored("severity_rank")
        guard rank == severity.rawValue else {
            throw stored.error("severity_rank", "\(rank) is not the rank of severity \(severity.name)")
        }
        self.init(
            id: try stored("id"), rule: try stored("rule"), severity: severity,
            subject: Subject(try stored("subject_type"), try stored("subject")),
            windowKey: try stored.optional("window_key"), firstSeen: try stored.date("first_seen_utc"),
            lastSeen: try stored.date("last_seen_utc"), summary: try stored("summary"),
            headline: try stored("headline"), metrics: try stored.json("metrics"), callCount: try stored("call_count"),
            costMicros: try stored("cost_micros"), state: try stored("state"), stateBy: try stored.optional("state_by"),
            stateAt: try stored.optionalDate("state_utc"), stateComment: try stored.optional("state_comment"))
        if row.hasColumn("assignee") {
            assignee = try stored.optional("assignee")
            let snooze = AlertSnooze(
                until: try stored.optionalDate("snoozed_until_utc"),
                worseThanCostMicros: try stored.optional("snooze_cost_micros"),
                worseAtCalls: try stored.optional("snooze_calls"))
            if snooze.until != nil || snooze.worseThanCostMicros != nil || snooze.worseAtCalls != nil {
                self.snooze = snooze
            }
        }
        if row.hasColumn("country_count") {
            countryCount = try stored("country_count")
            if let countries: Int = try stored.optional("snooze_countries") {
                snooze = snooze ?? AlertSnooze()
                snooze?.worseAtCountries = countries
            }
        }
    }

    /// The alert `draft` continues: same rule, subject and fixed window, or — for the rules merged
    /// by gap — overlapping it within the rule's merge gap; the latest such alert.
    ///
    /// Asked for every draft a run or the live pipeline stores, so it is a cached statement.
    package static func continued(by draft: AlertDraft) -> SQLRequest<StoredAlert> {
        let same: StatementArguments = [draft.rule.rawValue, draft.subject.kind.rawValue, draft.subject.value]
        if let windowKey = draft.windowKey {
            return SQLRequest(
                sql: """
                    SELECT * FROM alerts WHERE rule = ? AND subject_type = ? AND subject = ? AND window_key = ?
                    ORDER BY id DESC LIMIT 1
                    """, arguments: same + [windowKey], cached: true)
        }
        let gap = draft.rule.mergeGapSeconds
        return SQLRequest(
            sql: """
                SELECT * FROM alerts
                WHERE rule = ? AND subject_type = ? AND subject = ? AND window_key IS NULL
                  AND first_seen_utc <= ? AND last_seen_utc >= ?
                ORDER BY last_seen_utc DESC LIMIT 1
                """,
            arguments: same + [
                StoredTime.text(draft.lastSeen.addingTimeInterval(gap)),
                StoredTime.text(draft.firstSeen.addingTimeInterval(-gap)),
            ], cached: true)
    }

    /// The alerts new or more severe since the action layer last acted on them, oldest first.
    package static let notActedOnRequest = SQLRequest<Row>(
        sql: "SELECT * FROM alerts WHERE severity_rank > notified_rank ORDER BY id", cached: true)

    /// How metrics are stored: compact, key-sorted JSON.
    package static func metricsText(_ metrics: [String: MetricValue]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(metrics), as: UTF8.self)
    }
}

extension DerivableRequest<StoredAlert> {
    /// The alerts `filter` selects.
    package func matching(_ filter: AlertFilter) -> Self {
        var request = self
        if !filter.states.isEmpty { request = request.filter(filter.states.contains(StoredAlert.Columns.state)) }
        if let severity = filter.minimumSeverity {
            request = request.filter(StoredAlert.Columns.severityRank >= severity.rawValue)
        }
        if let since = filter.since { request = request.filter(StoredAlert.Columns.lastSeen >= StoredTime.text(since)) }
        if let before = filter.before {
            request = request.filter(StoredAlert.Columns.firstSeen < StoredTime.text(before))
        }
        return request
    }

    /// Most severe first, then most recently seen, then oldest id.
    package func mostSevereFirst() -> Self {
        order(StoredAlert.Columns.severityRank.desc, StoredAlert.Columns.lastSeen.desc, StoredAlert.Columns.id)
    }

    /// Alerts about `subject`.
    package func about(_ subject: Subject) -> Self {
        filter(StoredAlert.Columns.subjectType == subject.kind && StoredAlert.Columns.subject == subject.value)
    }

    /// Alerts still being worked: open or acknowledged.
    package func unresolved() -> Self {
        filter([AlertState.open, .acknowledged].contains(StoredAlert.Columns.state))
    }

}

extension StoredAlert {
    /// The other open or acknowledged alerts of `alert`'s rule and subject.
    package static func matchingOpen(_ alert: StoredAlert) -> QueryInterfaceRequest<StoredAlert> {
        StoredAlert.filter(
            Columns.rule == alert.rule && Columns.subjectType == alert.subject.kind.rawValue
                && Columns.subject == alert.subject.value && Columns.id != alert.id
                && [AlertState.open, .acknowledged].contains(Columns.state)
        ).order(Columns.id)
    }
}

/// What merging a draft changes in an alert's row.
package struct AlertRevision: PersistableRecord {
    package static let databaseTableName = StoredAlert.databaseTableName

    package var id: Int64
    package var severity: Severity
    package var firstSeen: Date
    package var lastSeen: Date
    package var summary: String
    package var headline: String
    package var metrics: [String: MetricValue]
    package var callCount: Int
    package var costMicros: Int64
    package var countryCount: Int
    package var updated: Date

    package func encode(to container: inout PersistenceContainer) throws {
        typealias Columns = StoredAlert.Columns
        container[Columns.id] = id
        container[Columns.severity] = severity
        container[Columns.severityRank] = severity.rawValue
        container[Columns.firstSeen] = StoredTime.text(firstSeen)
        container[Columns.lastSeen] = StoredTime.text(lastSeen)
        container[Columns.summary] = summary
        container[Columns.headline] = headline
        container[Columns.metrics] = try StoredAlert.metricsText(metrics)
        container[Columns.callCount] = callCount
        container[Columns.costMicros] = costMicros
        container[Columns.countryCount] = countryCount
        container[Columns.updated] = StoredTime.text(updated)
    }
}

/// An alert as first inserted into `alerts`.
package struct NewAlertRow: MutablePersistableRecord {
    package static let databaseTableName = StoredAlert.databaseTableName

    package var id: Int64?
    package var draft: AlertDraft
    package var summary: String
    package var countryCount: Int
    package var now: Date

    package func encode(to container: inout PersistenceContainer) throws {
        typealias Columns = StoredAlert.Columns
        container[Columns.id] = id
        container[Columns.rule] = draft.rule.rawValue
        container[Columns.severity] = draft.severity
        container[Columns.severityRank] = draft.severity.rawValue
        container[Columns.subjectType] = draft.subject.kind
        container[Columns.subject] = draft.subject.value
        container[Columns.windowKey] = draft.windowKey
        container[Columns.firstSeen] = StoredTime.text(draft.firstSeen)
        container[Columns.lastSeen] = StoredTime.text(draft.lastSeen)
        container[Columns.summary] = summary
        container[Columns.headline] = draft.headline
        container[Columns.metrics] = try StoredAlert.metricsText(draft.metrics)
        container[Columns.callCount] = draft.callCount
        container[Columns.costMicros] = draft.costMicros
        container[Columns.countryCount] = countryCount
        container[Columns.created] = StoredTime.text(now)
        container[Columns.updated] = StoredTime.text(now)
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
