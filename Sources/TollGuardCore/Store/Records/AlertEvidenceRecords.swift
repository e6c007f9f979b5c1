import Foundation
import GRDB

/// `alert_calls`: one evidence call of an alert, as stored.
package struct EvidenceCallRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "alert_calls"

    /// The columns of `alert_calls`.
    package enum Columns {
        package static let alertID = Column("alert_id")
        package static let callKey = Column("call_key")
        package static let callRowID = Column("call_row_id")
        package static let time = Column("at_utc")
        package static let number = Column("number")
        package static let region = Column("region")
        package static let costMicros = Column("cost_micros")
        package static let switchName = Column("switch_name")
    }

    package var alertID: Int64
    package var call: EvidenceCall

    package init(alertID: Int64, call: EvidenceCall) {
        self.alertID = alertID
        self.call = call
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "call_key")
        alertID = try stored("alert_id")
        call = EvidenceCall(
            key: try stored("call_key"), rowID: try stored.optional("call_row_id"), time: try stored.date("at_utc"),
            number: try stored("number"), region: try stored.optional("region"),
            costMicros: try stored("cost_micros"), switchName: try stored.optional("switch_name"))
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.alertID] = alertID
        container[Columns.callKey] = call.key
        container[Columns.callRowID] = call.rowID
        container[Columns.time] = StoredTime.text(call.time)
        container[Columns.number] = call.number
        container[Columns.region] = call.region
        container[Columns.costMicros] = call.costMicros
        container[Columns.switchName] = call.switchName
    }
}

extension EvidenceCallRow {
    /// Inserts the row unless the alert has this call already; true when a row was added.
    ///
    /// One cached statement: a nightly `analyze` writes hundreds of thousands of evidence rows,
    /// and a record's own insert (its persistence container) costs several percent of the run.
    package func insertIgnoringDuplicate(_ db: Database) throws -> Bool {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO alert_calls
                    (alert_id, call_key, call_row_id, at_utc, number, region, cost_micros, switch_name)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """)
        try statement.execute(arguments: [
            alertID, call.key, call.rowID, StoredTime.text(call.time), call.number, call.region, call.costMicros,
            call.switchName,
        ])
        return db.changesCount > 0
    }

    /// Brings the alert's stored row of this call up to date; the change of cost, in micros.
    ///
    /// Its row in `calls` once known (an `analyze` after `serve` links what the live side could
    /// not), and its cost once higher (a live call's first evidence is taken while it is up).
    package func refreshStored(_ db: Database) throws -> Int64 {
        let stored = try db.cachedStatement(
            sql: "SELECT cost_micros, call_row_id IS NULL FROM alert_calls WHERE alert_id = ? AND call_key = ?")
        guard let row = try Row.fetchOne(stored, arguments: [alertID, call.key]) else { return 0 }
        let old: Int64 = row[0]
        let unlinked: Bool = row[1]
        let cost = max(old, call.costMicros)
        guard cost != old || (unlinked && call.rowID != nil) else { return 0 }
        let update = try db.cachedStatement(
            sql: """
                UPDATE alert_calls SET call_row_id = coalesce(call_row_id, ?), cost_micros = ?
                WHERE alert_id = ? AND call_key = ?
                """)
        try update.execute(arguments: [call.rowID, cost, alertID, call.key])
        return cost - old
    }

    /// How many evidence calls alert `id` keeps, and what they cost together.
    package static func totals(ofAlert id: Int64) -> SQLRequest<Row> {
        SQLRequest(
            sql: "SELECT count(*) AS calls, coalesce(sum(cost_micros), 0) AS cost FROM alert_calls WHERE alert_id = ?",
            arguments: [id], cached: true)
    }

    /// Key, number, region, cost and switch of the evidence calls of the alerts `ids` (the
    /// switch as the stored call says, else as the live engine saw it).
    package static func figures(ofAlerts ids: [Int64]) -> SQLRequest<Row> {
        SQLRequest(
            sql: """
                SELECT e.call_key, e.number, e.region, e.cost_micros, coalesce(c.switch_name, e.switch_name)
                FROM alert_calls e LEFT JOIN calls c ON c.id = e.call_row_id
                WHERE e.alert_id IN (SELECT value FROM json_each(?)) ORDER BY e.at_utc, e.call_key
                """, arguments: ["[" + ids.map(String.init).joined(separator: ",") + "]"])
    }

    /// The regions of alert `id`'s evidence calls, most frequent first.
    package static func regions(ofAlert id: Int64) -> SQLRequest<String> {
        SQLRequest(
            sql: """
                SELECT region FROM alert_calls WHERE alert_id = ? AND region IS NOT NULL
                GROUP BY region ORDER BY count(*) DESC, region
                """, arguments: [id], cached: true)
    }
}

extension DerivableRequest<EvidenceCallRow> {
    /// The evidence of the alerts `ids`, oldest call first.
    package func ofAlerts(_ ids: [Int64]) -> Self {
        filter(ids.contains(EvidenceCallRow.Columns.alertID))
            .order(EvidenceCallRow.Columns.time, EvidenceCallRow.Columns.callKey)
    }
}

/// `alert_log_lines`: one log line behind an alert (the SIP attack watcher's evidence).
package struct EvidenceLogLineRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "alert_log_lines"

    /// The columns of `alert_log_lines`.
    package enum Columns {
        package static let alertID = Column("alert_id")
        package static let file = Column("file")
        package static let line = Column("line")
        package static let time = Column("at_utc")
        package static let text = Column("text")
    }

    package var alertID: Int64
    package var line: EvidenceLogLine

    package init(alertID: Int64, line: EvidenceLogLine) {
        self.alertID = alertID
        self.line = line
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "line")
        alertID = try stored("alert_id")
        line = EvidenceLogLine(
            file: try stored("file"), line: try stored("line"), time: try stored.date("at_utc"),
            text: try stored("text"))
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.alertID] = alertID
        container[Columns.file] = line.file
        container[Columns.line] = line.line
        container[Columns.time] = StoredTime.text(line.time)
        container[Columns.text] = line.text
    }
}

extension EvidenceLogLineRow {
    /// Inserts the row unless the alert has this line already, through one cached statement.
    package func insertIgnoringDuplicate(_ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO alert_log_lines (alert_id, file, line, at_utc, text) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """)
        try statement.execute(arguments: [alertID, line.file, line.line, StoredTime.text(line.time), line.text])
    }

    /// How many log lines alert `id` keeps.
    package static func count(ofAlert id: Int64) -> SQLRequest<Int> {
        SQLRequest(sql: "SELECT count(*) FROM alert_log_lines WHERE alert_id = ?", arguments: [id], cached: true)
    }
}

/// `alert_history`: an alert's changes of state.
extension AlertStateChange: FetchableRecord, TableRecord {
    package static let databaseTableName = "alert_history"

    /// The columns of `alert_history`.
    package enum Columns {
        package static let id = Column("id")
        package static let alertID = Column("alert_id")
        package static let state = Column("state")
        package static let actor = Column("actor")
        package static let time = Column("at_utc")
        package static let comment = Column("comment")
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName)
        self.init(
            state: try stored("state"), actor: try stored("actor"), at: try stored.date("at_utc"),
            comment: try stored.optional("comment"))
    }
}

/// A new row of `alert_history`.
package struct AlertHistoryRow: PersistableRecord {
    package static let databaseTableName = AlertStateChange.databaseTableName

    package var alertID: Int64
    package var change: AlertStateChange

    package func encode(to container: inout PersistenceContainer) {
        container[AlertStateChange.Columns.alertID] = alertID
        container[AlertStateChange.Columns.state] = change.state
        container[AlertStateChange.Columns.actor] = change.actor
        container[AlertStateChange.Columns.time] = StoredTime.text(change.at)
        container[AlertStateChange.Columns.comment] = change.comment
    }
}

/// `alert_suppressions`: a false positive keeps its rule quiet for its subject over a span of time.
package struct AlertSuppressionRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "alert_suppressions"

    /// The columns of `alert_suppressions`.
    package enum Columns {
        package static let rule = Column("rule")
        package static let subjectType = Column("subject_type")
        package static let subject = Column("subject")
        package static let from = Column("from_utc")
        package static let until = Column("until_utc")
        package static let alertID = Column("alert_id")
    }

    package var rule: String
    package var subject: Subject
    package var from: Date
    package var until: Date
    package var alertID: Int64

    package init(rule: String, subject: Subject, from: Date, until: Date, alertID: Int64) {
        self.rule = rule
        self.subject = subject
        self.from = from
        self.until = until
        self.alertID = alertID
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "alert_id")
        rule = try stored("rule")
        subject = Subject(try stored("subject_type"), try stored("subject"))
        from = try stored.date("from_utc")
        until = try stored.date("until_utc")
        alertID = try stored("alert_id")
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.rule] = rule
        container[Columns.subjectType] = subject.kind
        container[Columns.subject] = subject.value
        container[Columns.from] = StoredTime.text(from)
        container[Columns.until] = StoredTime.text(until)
        container[Columns.alertID] = alertID
    }
}

extension AlertSuppressionRow {
    /// Whether a suppression covers `draft`: its rule and subject, overlapping its span.
    package static func covers(_ draft: AlertDraft) -> SQLRequest<Bool> {
        SQLRequest(
            sql: """
                SELECT EXISTS (SELECT 1 FROM alert_suppressions
                    WHERE rule = ? AND subject_type = ? AND subject = ? AND from_utc <= ? AND until_utc >= ?)
                """,
            arguments: [
                draft.rule.rawValue, draft.subject.kind.rawValue, draft.subject.value, StoredTime.text(draft.lastSeen),
                StoredTime.text(draft.firstSeen),
            ], cached: true)
    }
}

/// One evidence call of an alert joined with what `calls` holds of it.
extension AlertCall: FetchableRecord {
    package init(row: Row) throws {
        let stored = StoredRow(row, table: "alert_calls", key: "call_key")
        self.init(
            key: try stored("call_key"), time: try stored.date("at_utc"), number: try stored("number"),
            region: try stored.optional("region"), costMicros: try stored("cost_micros"),
            account: try stored.optional("account"), dialed: try stored.optional("destination"),
            destinationClass: try stored.optional("dest_scope"), numberType: try stored.optional("dest_type"),
            risk: try stored.optional("dest_risk"), billsec: try stored.optional("billsec"),
            disposition: try stored.optional("disposition"), callerName: try stored.optional("caller_name"),
            switchName: try stored.optional("switch_name"))
    }

    /// The evidence calls of alert `id`, oldest first, with their classification where the call is stored.
    package static func evidence(ofAlert id: Int64) -> SQLRequest<AlertCall> {
        SQLRequest(
            sql: """
                SELECT e.call_key, e.at_utc, e.number, e.region, e.cost_micros, c.account, c.destination,
                       c.dest_scope, c.dest_type, c.dest_risk, c.billsec, c.disposition, c.caller_name,
                       coalesce(c.switch_name, e.switch_name) AS switch_name
                FROM alert_calls e LEFT JOIN calls c ON c.id = e.call_row_id
                WHERE e.alert_id = ? ORDER BY e.at_utc, e.call_key
                """, arguments: [id])
    }
}
