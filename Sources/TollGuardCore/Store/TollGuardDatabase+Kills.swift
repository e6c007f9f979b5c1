import Foundation
import GRDB

/// `call_kills`: the live calls `serve` hung up.
extension CallKill: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "call_kills"

    /// The columns of `call_kills`.
    package enum Columns {
        package static let id = Column("id")
        package static let uuid = Column("uuid")
        package static let account = Column("account")
        package static let reason = Column("reason")
        package static let time = Column("at_utc")
        package static let reply = Column("reply")
        package static let callTime = Column("call_time_utc")
        package static let switchName = Column("switch_name")
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName)
        self.init(
            uuid: try stored("uuid"), account: try stored("account"), reason: try stored("reason"),
            at: try stored.date("at_utc"), reply: try stored("reply"),
            callTime: try stored.optionalDate("call_time_utc"), switchName: try stored.optional("switch_name"))
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.uuid] = uuid
        container[Columns.account] = account
        container[Columns.reason] = reason
        container[Columns.time] = StoredTime.text(at)
        container[Columns.reply] = reply
        container[Columns.callTime] = StoredTime.optionalText(callTime)
        container[Columns.switchName] = switchName
    }
}

extension TollGuardDatabase {
    /// Records a kill.
    package func record(_ kill: CallKill) throws {
        try writer.write { db in try kill.insert(db) }
    }

    /// Records a kill without holding a thread of the cooperative pool.
    package func record(_ kill: CallKill) async throws {
        try await writer.write { db in try kill.insert(db) }
    }

    /// Kills recorded, oldest first (of one account when given).
    package func callKills(account: String? = nil) throws -> [CallKill] {
        try writer.read { db in
            var request = CallKill.all().order(CallKill.Columns.id)
            if let account { request = request.filter(CallKill.Columns.account == account) }
            return try request.fetchAll(db)
        }
    }
}
