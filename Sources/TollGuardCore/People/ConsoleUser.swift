import Foundation

/// What a person may do in the review console.
package enum ConsoleRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// Reads every page; changes nothing.
    case viewer
    /// Works alerts (acknowledge, comment, resolve, false positive, reopen, assign, snooze) and
    /// suspends accounts.
    case reviewer
    /// Everything a reviewer does, and quotas and users.
    case admin

    /// Whether this role may change alerts and suspensions.
    package var mayTriage: Bool { self != .viewer }
    /// Whether this role may change quotas and users.
    package var mayAdminister: Bool { self == .admin }
}

/// A person who logs in to the console; the password is kept only as a bcrypt hash.
package struct ConsoleUser: Sendable, Hashable {
    package var name: String
    package var role: ConsoleRole
    package var passwordHash: String
    package var created: Date
    package var passwordSet: Date

    package init(name: String, role: ConsoleRole, passwordHash: String, created: Date, passwordSet: Date) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.created = created
        self.passwordSet = passwordSet
    }

    /// Whether `name` is usable as a login: 1–64 letters, digits, `.`, `_`, `-` or `@`.
    package static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "._-@".unicodeScalars.contains($0)
            }
    }
}

/// One line of the journal: who did what to which subject, with the value before and after.
package struct JournalEntry: Sendable, Hashable {
    package var id: Int64?
    package var at: Date
    package var actor: String
    /// What was done, dotted: `alert.acknowledged`, `user.added`, `login.failed`, `session.started`.
    package var action: String
    package var subjectType: String?
    package var subject: String?
    package var before: String?
    package var after: String?
    package var note: String?

    package init(
        at: Date, actor: String, action: String, subjectType: String? = nil, subject: String? = nil,
        before: String? = nil, after: String? = nil, note: String? = nil
    ) {
        self.at = at
        self.actor = actor
        self.action = action
        self.subjectType = subjectType
        self.subject = subject
        self.before = before
        self.after = after
        self.note = note
    }
}

extension JournalEntry: Encodable {
    private enum CodingKeys: String, CodingKey {
        case id, at, actor, action, subject, before, after, note
        case subjectType = "subject_type"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(at, forKey: .at)
        try container.encode(actor, forKey: .actor)
        try container.encode(action, forKey: .action)
        try container.encodeIfPresent(subjectType, forKey: .subjectType)
        try container.encodeIfPresent(subject, forKey: .subject)
        try container.encodeIfPresent(before, forKey: .before)
        try container.encodeIfPresent(after, forKey: .after)
        try container.encodeIfPresent(note, forKey: .note)
    }
}
