import Foundation
import GRDB

extension TollGuardDatabase {
    /// Suspensions in force, or with `includeHistory` every one (lifted and report-only too), newest first.
    package func suspensions(includeHistory: Bool = false) throws -> [Suspension] {
        try writer.read { db in
            var request = Suspension.all().withAlertIDs().order(Suspension.Columns.id.desc)
            if !includeHistory { request = request.inForce() }
            return try request.fetchAll(db)
        }
    }

    /// The suspension in force for `account`, if any.
    package func activeSuspension(account: String) throws -> Suspension? {
        try writer.read { db in try SuspensionStore.active(account: account, db) }
    }

    /// The accounts with a suspension in force.
    package func suspendedAccounts() throws -> Set<String> {
        try writer.read { db in try SuspensionStore.suspendedAccounts(db) }
    }

    /// The accounts with a suspension in force, without holding a thread of the cooperative pool.
    package func suspendedAccounts() async throws -> Set<String> {
        try await writer.read { db in try SuspensionStore.suspendedAccounts(db) }
    }
}

/// The store side of suspensions and of acting on alerts, inside the caller's transaction
/// (``ActionDecider`` makes the decisions).
package enum SuspensionStore {
    /// The suspension in force for `account`, if any.
    package static func active(account: String, _ db: Database) throws -> Suspension? {
        try Suspension.all().inForce().of(account: account).withAlertIDs().fetchOne(db)
    }

    /// The accounts with a suspension in force.
    package static func suspendedAccounts(_ db: Database) throws -> Set<String> {
        Set(try Suspension.all().inForce().select(Suspension.Columns.account, as: String.self).fetchAll(db))
    }

    /// The open and acknowledged alerts about `account`, most severe first.
    package static func openAlerts(ofAccount account: String, _ db: Database) throws -> [StoredAlert] {
        try StoredAlert.all().about(Subject(.account, account)).unresolved()
            .order(StoredAlert.Columns.severityRank.desc, StoredAlert.Columns.id).fetchAll(db)
    }

    /// The alerts new or more severe since last acted on, oldest first, with the rank last acted on.
    package static func alertsNotActedOn(_ db: Database) throws -> [(alert: StoredAlert, actedOnRank: Int)] {
        try StoredAlert.notActedOnRequest.fetchAll(db).map { row in
            (try StoredAlert(row: row), try StoredRow(row, table: StoredAlert.databaseTableName)("notified_rank"))
        }
    }

    /// Marks every alert as acted on at its present severity.
    package static func markAlertsActedOn(_ db: Database) throws {
        try db.cachedStatement(
            sql: "UPDATE alerts SET notified_rank = severity_rank WHERE severity_rank > notified_rank"
        ).execute()
    }

    /// The suspensions in force whose `until` has passed at `time`, oldest first.
    package static func expired(at time: Date, _ db: Database) throws -> [Suspension] {
        try Suspension.all().expired(at: time).withAlertIDs().order(Suspension.Columns.id).fetchAll(db)
    }

    /// Stores a new suspension (`enforced` false: what report-only mode would have suspended).
    package static func insert(
        account: String, enforced: Bool, reason: String, actor: String, until: Date?, alertIDs: [Int64], now: Date,
        _ db: Database
    ) throws -> Suspension {
        var row = SuspensionRow(
            account: account, enforced: enforced, reason: reason, actor: actor, created: now, until: until)
        try row.insert(db)
        guard let id = row.id else {
            throw StoredValueError(table: Suspension.databaseTableName, column: "id", row: "new", reason: "no id")
        }
        try link(alertIDs, to: id, db)
        func second(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
        return Suspension(
            id: id, account: account, enforced: enforced, reason: reason, actor: actor, since: second(now),
            until: until.map(second), alertIDs: Array(Set(alertIDs)).sorted())
    }

    /// Links `alertIDs` to a suspension (links already there stay as they are).
    package static func link(_ alertIDs: [Int64], to suspensionID: Int64, _ db: Database) throws {
        for alertID in alertIDs {
            try SuspensionAlertLink(suspensionID: suspensionID, alertID: alertID).insert(db, onConflict: .ignore)
        }
    }

    /// Lifts `suspension`: who, when and why.
    package static func lift(
        _ suspension: Suspension, by actor: String, comment: String?, now: Date, _ db: Database
    ) throws -> Suspension {
        try Suspension.filter(Suspension.Columns.id == suspension.id).updateAll(
            db, Suspension.Columns.lifted.set(to: StoredTime.text(now)), Suspension.Columns.liftedBy.set(to: actor),
            Suspension.Columns.liftComment.set(to: comment))
        var lifted = suspension
        lifted.liftedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        lifted.liftedBy = actor
        lifted.liftComment = comment
        return lifted
    }

    /// What a hook event says of the alerts `ids`, most severe first.
    package static func alertInfos(ids: [Int64], _ db: Database) throws -> [HookEvent.AlertInfo] {
        guard !ids.isEmpty else { return [] }
        return try StoredAlert.filter(ids.contains(StoredAlert.Columns.id))
            .order(StoredAlert.Columns.severityRank.desc, StoredAlert.Columns.id).fetchAll(db)
            .map(HookEvent.AlertInfo.init)
    }

    /// The key figures of the evidence calls of the alerts `ids`.
    package static func figures(alertIDs: [Int64], _ currency: String, _ db: Database) throws -> HookEvent.Figures {
        guard !alertIDs.isEmpty else { return HookEvent.Figures(calls: [], currency: currency) }
        let calls = try EvidenceCallRow.figures(ofAlerts: alertIDs).fetchAll(db).map { row in
            (
                key: row[0] as String, number: row[1] as String, region: row[2] as String?,
                costMicros: row[3] as Int64, switchName: row[4] as String?
            )
        }
        return HookEvent.Figures(calls: calls, currency: currency)
    }
}
