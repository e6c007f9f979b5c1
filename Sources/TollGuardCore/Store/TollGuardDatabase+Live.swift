import Foundation
import GRDB

/// One live call hung up by TollGuard (`uuid_kill`), as `call_kills` keeps it.
package struct CallKill: Sendable, Hashable, Codable {
    package var uuid: String
    package var account: String
    /// Why: `suspended (suspension 12)`, `new call of a suspended account`.
    package var reason: String
    package var at: Date
    /// What FreeSWITCH answered (`+OK`, `-ERR No such channel!`), or the error.
    package var reply: String
    /// The switch's clock then: the time of the last event seen (what a replayed night is measured in).
    package var callTime: Date?

    package init(uuid: String, account: String, reason: String, at: Date, reply: String, callTime: Date? = nil) {
        self.uuid = uuid
        self.account = account
        self.reason = reason
        self.at = at
        self.reply = reply
        self.callTime = callTime
    }
}

extension TollGuardDatabase {
    /// Records a kill.
    package func record(_ kill: CallKill) throws {
        try writer.write { db in
            try db.execute(
                sql:
                    "INSERT INTO call_kills (uuid, account, reason, at_utc, reply, call_time_utc) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    kill.uuid, kill.account, kill.reason, CivilTime.utcText(kill.at), kill.reply,
                    kill.callTime.map(CivilTime.utcText),
                ])
        }
    }

    /// Kills recorded, oldest first (of one account when given).
    package func callKills(account: String? = nil) throws -> [CallKill] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT uuid, account, reason, at_utc, reply, call_time_utc FROM call_kills"
                    + (account == nil ? "" : " WHERE account = ?") + " ORDER BY id",
                arguments: StatementArguments(account.map { [$0] } ?? [])
            ).map { row in
                CallKill(
                    uuid: row["uuid"], account: row["account"], reason: row["reason"],
                    at: CivilTime.parseUTC(dateOrDateTime: row["at_utc"] as String) ?? Date(timeIntervalSince1970: 0),
                    reply: row["reply"],
                    callTime: (row["call_time_utc"] as String?).flatMap { CivilTime.parseUTC(dateOrDateTime: $0) })
            }
        }
    }

    /// The accounts with a suspension in force.
    package func suspendedAccounts() throws -> Set<String> {
        try writer.read { db in
            Set(
                try String.fetchAll(
                    db, sql: "SELECT DISTINCT account FROM suspensions WHERE enforced = 1 AND lifted_utc IS NULL"))
        }
    }
}
