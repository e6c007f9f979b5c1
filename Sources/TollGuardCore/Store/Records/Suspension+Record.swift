import Foundation
import GRDB

/// `suspensions`, read with the ids of the alerts behind each (`suspension_alerts`).
extension Suspension: FetchableRecord, TableRecord {
    package static let databaseTableName = "suspensions"

    /// The columns of `suspensions`.
    package enum Columns {
        package static let id = Column("id")
        package static let account = Column("account")
        package static let enforced = Column("enforced")
        package static let reason = Column("reason")
        package static let actor = Column("actor")
        package static let created = Column("created_utc")
        package static let until = Column("until_utc")
        package static let lifted = Column("lifted_utc")
        package static let liftedBy = Column("lifted_by")
        package static let liftComment = Column("lift_comment")
    }

    /// The links to the alerts behind a suspension.
    package static let alertLinks = hasMany(SuspensionAlertLink.self, key: "alertLinks")

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName)
        let links = row.prefetchedRows["alertLinks"] ?? []
        self.init(
            id: try stored("id"), account: try stored("account"), enforced: try stored("enforced"),
            reason: try stored("reason"), actor: try stored("actor"), since: try stored.date("created_utc"),
            until: try stored.optionalDate("until_utc"), liftedAt: try stored.optionalDate("lifted_utc"),
            liftedBy: try stored.optional("lifted_by"), liftComment: try stored.optional("lift_comment"),
            alertIDs: try links.map { try SuspensionAlertLink(row: $0).alertID }.sorted())
    }
}

extension DerivableRequest<Suspension> {
    /// With the ids of the alerts behind each suspension.
    package func withAlertIDs() -> Self {
        including(all: Suspension.alertLinks.order(SuspensionAlertLink.Columns.alertID))
    }

    /// Suspensions in force: enforced and not lifted.
    package func inForce() -> Self {
        filter(Suspension.Columns.enforced == true && Suspension.Columns.lifted == nil)
    }

    /// Suspensions of `account`.
    package func of(account: String) -> Self {
        filter(Suspension.Columns.account == account)
    }

    /// Suspensions in force whose `until` is at or before `time`.
    package func expired(at time: Date) -> Self {
        inForce().filter(Suspension.Columns.until != nil && Suspension.Columns.until <= StoredTime.text(time))
    }
}

/// A new row of `suspensions`.
package struct SuspensionRow: MutablePersistableRecord {
    package static let databaseTableName = Suspension.databaseTableName

    package var id: Int64?
    package var account: String
    package var enforced: Bool
    package var reason: String
    package var actor: String
    package var created: Date
    package var until: Date?

    package func encode(to container: inout PersistenceContainer) {
        container[Suspension.Columns.id] = id
        container[Suspension.Columns.account] = account
        container[Suspension.Columns.enforced] = enforced
        container[Suspension.Columns.reason] = reason
        container[Suspension.Columns.actor] = actor
        container[Suspension.Columns.created] = StoredTime.text(created)
        container[Suspension.Columns.until] = StoredTime.optionalText(until)
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// `suspension_alerts`: which alerts stand behind a suspension.
package struct SuspensionAlertLink: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "suspension_alerts"

    /// The columns of `suspension_alerts`.
    package enum Columns {
        package static let suspensionID = Column("suspension_id")
        package static let alertID = Column("alert_id")
    }

    package var suspensionID: Int64
    package var alertID: Int64

    package init(suspensionID: Int64, alertID: Int64) {
        self.suspensionID = suspensionID
        self.alertID = alertID
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "alert_id")
        suspensionID = try stored("suspension_id")
        alertID = try stored("alert_id")
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.suspensionID] = suspensionID
        container[Columns.alertID] = alertID
    }
}
