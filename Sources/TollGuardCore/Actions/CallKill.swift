import Foundation

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
    /// The switch that carried the call (its source's `name`).
    package var switchName: String?

    package init(
        uuid: String, account: String, reason: String, at: Date, reply: String, callTime: Date? = nil,
        switchName: String? = nil
    ) {
        self.uuid = uuid
        self.account = account
        self.reason = reason
        self.at = at
        self.reply = reply
        self.callTime = callTime
        self.switchName = switchName
    }
}

extension CallKill {
    /// The event-socket command that hangs up call `uuid` with `cause`; nil when `uuid` is not
    /// one (only uuid characters go on the wire, never a space or a line break).
    package static func command(uuid: String, cause: String) -> String? {
        guard !uuid.isEmpty, uuid.utf8.allSatisfy({ uuidBytes.contains($0) }) else { return nil }
        return "uuid_kill \(uuid) \(cause)"
    }

    private static let uuidBytes = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.".utf8)
}
