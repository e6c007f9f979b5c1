import Foundation
import GRDB

extension ConsoleUser: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "users"

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "name")
        self.init(
            name: try stored("name"), role: try stored.value("role"), passwordHash: try stored("password_hash"),
            created: try stored.date("created_utc"), passwordSet: try stored.date("password_set_utc"))
    }

    package func encode(to container: inout PersistenceContainer) {
        container["name"] = name
        container["role"] = role.rawValue
        container["password_hash"] = passwordHash
        container["created_utc"] = StoredTime.text(created)
        container["password_set_utc"] = StoredTime.text(passwordSet)
    }
}

/// A row of `sessions`: a login's token (kept as its SHA-256) and its form token.
struct ConsoleSessionRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "sessions"
    var tokenHash: String
    var userName: String
    var csrfToken: String
    var createdUTC: String
    var expiresUTC: String

    enum CodingKeys: String, CodingKey {
        case tokenHash = "token_hash"
        case userName = "user_name"
        case csrfToken = "csrf_token"
        case createdUTC = "created_utc"
        case expiresUTC = "expires_utc"
    }
}

extension JournalEntry: FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "journal"

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName)
        self.init(
            at: try stored.date("at_utc"), actor: try stored("actor"), action: try stored("action"),
            subjectType: try stored.optional("subject_type"), subject: try stored.optional("subject"),
            before: try stored.optional("before"), after: try stored.optional("after"),
            note: try stored.optional("note"))
        id = try stored("id")
    }

    package func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["at_utc"] = StoredTime.text(at)
        container["actor"] = actor
        container["action"] = action
        container["subject_type"] = subjectType
        container["subject"] = subject
        container["before"] = before
        container["after"] = after
        container["note"] = note
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
