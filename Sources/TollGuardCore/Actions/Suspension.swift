import Foundation

/// An account's suspension as stored: made by the policy or a person, lifted by a person or
/// its expiry.
///
/// Rows are never deleted, so they are also the history. A report-only record
/// (`enforced == false`) says what the policy would have suspended.
package struct Suspension: Sendable, Hashable, Codable {
    package var id: Int64
    package var account: String
    package var enforced: Bool
    package var reason: String
    /// `policy` or the person who suspended.
    package var actor: String
    package var since: Date
    /// When it lifts itself, if it does.
    package var until: Date?
    package var liftedAt: Date?
    /// The person who lifted it, or `expiry`.
    package var liftedBy: String?
    package var liftComment: String?
    /// The alerts behind it.
    package var alertIDs: [Int64]

    /// Enforced and not lifted: the account is suspended now.
    package var isActive: Bool { enforced && liftedAt == nil }

    /// `active`, `lifted`, `expired` or `report-only`.
    package var state: String {
        if !enforced { return "report-only" }
        guard liftedAt != nil else { return "active" }
        return liftedBy == "expiry" ? "expired" : "lifted"
    }

    enum CodingKeys: String, CodingKey {
        case id, account, enforced, reason, actor, since, until, state
        case liftedAt = "lifted_at"
        case liftedBy = "lifted_by"
        case liftComment = "lift_comment"
        case alertIDs = "alert_ids"
    }

    package init(
        id: Int64, account: String, enforced: Bool, reason: String, actor: String, since: Date, until: Date?,
        liftedAt: Date? = nil, liftedBy: String? = nil, liftComment: String? = nil, alertIDs: [Int64] = []
    ) {
        self.id = id
        self.account = account
        self.enforced = enforced
        self.reason = reason
        self.actor = actor
        self.since = since
        self.until = until
        self.liftedAt = liftedAt
        self.liftedBy = liftedBy
        self.liftComment = liftComment
        self.alertIDs = alertIDs
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int64.self, forKey: .id)
        account = try container.decode(String.self, forKey: .account)
        enforced = try container.decode(Bool.self, forKey: .enforced)
        reason = try container.decode(String.self, forKey: .reason)
        actor = try container.decode(String.self, forKey: .actor)
        since = try container.decode(Date.self, forKey: .since)
        until = try container.decodeIfPresent(Date.self, forKey: .until)
        liftedAt = try container.decodeIfPresent(Date.self, forKey: .liftedAt)
        liftedBy = try container.decodeIfPresent(String.self, forKey: .liftedBy)
        liftComment = try container.decodeIfPresent(String.self, forKey: .liftComment)
        alertIDs = try container.decodeIfPresent([Int64].self, forKey: .alertIDs) ?? []
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(account, forKey: .account)
        try container.encode(enforced, forKey: .enforced)
        try container.encode(state, forKey: .state)
        try container.encode(reason, forKey: .reason)
        try container.encode(actor, forKey: .actor)
        try container.encode(since, forKey: .since)
        try container.encodeIfPresent(until, forKey: .until)
        try container.encodeIfPresent(liftedAt, forKey: .liftedAt)
        try container.encodeIfPresent(liftedBy, forKey: .liftedBy)
        try container.encodeIfPresent(liftComment, forKey: .liftComment)
        try container.encode(alertIDs, forKey: .alertIDs)
    }
}

/// What `suspend` did.
package enum SuspendOutcome: Sendable, Hashable {
    /// A new suspension; the suspend hooks were queued.
    case suspended(Suspension)
    /// The account was already suspended; nothing was queued.
    case alreadySuspended(Suspension)
}
