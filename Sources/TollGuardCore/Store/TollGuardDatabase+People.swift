import Foundation
import GRDB

/// Why a change to the console's users cannot be made.
package enum UserChangeError: Error, CustomStringConvertible, Equatable {
    case invalidName(String)
    case exists(String)
    case noSuchUser(String)
    case lastAdmin(String)

    package var description: String {
        switch self {
        case .invalidName(let name):
            "'\(name)' is not a usable login: 1 to 64 letters, digits, '.', '_', '-' or '@'"
        case .exists(let name): "a user '\(name)' exists already"
        case .noSuchUser(let name): "no user '\(name)'"
        case .lastAdmin(let name): "'\(name)' is the last admin; add another admin first"
        }
    }
}

extension TollGuardDatabase {
    /// Adds a user; `actor` is journaled as who added them.
    package func addUser(name: String, role: ConsoleRole, passwordHash: String, actor: String, now: Date = Date())
        throws
    {
        guard ConsoleUser.isValidName(name) else { throw UserChangeError.invalidName(name) }
        try writer.write { db in
            guard try ConsoleUser.fetchOne(db, key: name) == nil else { throw UserChangeError.exists(name) }
            try ConsoleUser(name: name, role: role, passwordHash: passwordHash, created: now, passwordSet: now)
                .insert(db)
            var entry = JournalEntry(
                at: now, actor: actor, action: "user.added", subjectType: "user", subject: name,
                after: role.rawValue)
            try entry.insert(db)
        }
    }

    /// Replaces a user's password and ends every session they have.
    package func setPassword(name: String, passwordHash: String, actor: String, now: Date = Date()) throws {
        try writer.write { db in
            guard var user = try ConsoleUser.fetchOne(db, key: name) else { throw UserChangeError.noSuchUser(name) }
            user.passwordHash = passwordHash
            user.passwordSet = now
            try user.update(db)
            try ConsoleSessionRow.filter(Column("user_name") == name).deleteAll(db)
            var entry = JournalEntry(
                at: now, actor: actor, action: "user.password_set", subjectType: "user", subject: name)
            try entry.insert(db)
        }
    }

    /// Changes a user's role; the last admin keeps theirs.
    package func setRole(name: String, role: ConsoleRole, actor: String, now: Date = Date()) throws {
        try writer.write { db in
            guard var user = try ConsoleUser.fetchOne(db, key: name) else { throw UserChangeError.noSuchUser(name) }
            if user.role == .admin, role != .admin,
                try ConsoleUser.filter(Column("role") == ConsoleRole.admin.rawValue).fetchCount(db) == 1
            {
                throw UserChangeError.lastAdmin(name)
            }
            let before = user.role
            user.role = role
            try user.update(db)
            var entry = JournalEntry(
                at: now, actor: actor, action: "user.role_set", subjectType: "user", subject: name,
                before: before.rawValue, after: role.rawValue)
            try entry.insert(db)
        }
    }

    /// One user, when there is one of that name.
    package func user(named name: String) throws -> ConsoleUser? {
        try writer.read { db in try ConsoleUser.fetchOne(db, key: name) }
    }

    /// Records that `user`'s queue now showed them every alert up to `newest`; returns the newest
    /// it had shown before (0 at the first visit): the alerts after it are new to them.
    package func markQueueSeen(user: String, upTo newest: Int64) throws -> Int64 {
        try writer.write { db in
            let before =
                try Int64.fetchOne(db, sql: "SELECT queue_seen_alert FROM users WHERE name = ?", arguments: [user]) ?? 0
            if newest > before {
                try db.execute(
                    sql: "UPDATE users SET queue_seen_alert = ? WHERE name = ?", arguments: [newest, user])
            }
            return before
        }
    }

    /// Every user, by name.
    package func users() throws -> [ConsoleUser] {
        try writer.read { db in try ConsoleUser.order(Column("name")).fetchAll(db) }
    }

    /// Records a login: its token's hash, its form token and when it ends.
    package func startSession(
        user: String, tokenHash: String, csrfToken: String, expires: Date, now: Date = Date(),
        journaledAs action: String = "session.started"
    ) throws {
        try writer.write { db in
            try ConsoleSessionRow(
                tokenHash: tokenHash, userName: user, csrfToken: csrfToken, createdUTC: StoredTime.text(now),
                expiresUTC: StoredTime.text(expires)
            ).insert(db)
            try ConsoleSessionRow.filter(Column("expires_utc") < StoredTime.text(now)).deleteAll(db)
            var entry = JournalEntry(
                at: now, actor: user, action: action, subjectType: "user", subject: user,
                after: action == "session.started" ? nil : "until \(StoredTime.text(expires)) UTC")
            try entry.insert(db)
        }
    }

    /// The user and form token of a session that has not ended; nil for any other token.
    package func session(tokenHash: String, now: Date = Date()) throws -> (user: ConsoleUser, csrfToken: String)? {
        try writer.read { db in
            guard let row = try ConsoleSessionRow.fetchOne(db, key: tokenHash),
                row.expiresUTC > StoredTime.text(now),
                let user = try ConsoleUser.fetchOne(db, key: row.userName)
            else { return nil }
            return (user, row.csrfToken)
        }
    }

    /// Ends a session (logout).
    package func endSession(tokenHash: String, now: Date = Date()) throws {
        try writer.write { db in
            guard let row = try ConsoleSessionRow.fetchOne(db, key: tokenHash) else { return }
            try row.delete(db)
            var entry = JournalEntry(
                at: now, actor: row.userName, action: "session.ended", subjectType: "user", subject: row.userName)
            try entry.insert(db)
        }
    }

    /// Adds a line to the journal.
    package func record(_ entry: JournalEntry) throws {
        var entry = entry
        try writer.write { db in try entry.insert(db) }
    }

    /// The journal, newest first; only `subject` of `subjectType`, by `actor`, of actions
    /// starting with `actionPrefix` (`alert.`, `quota.`), when given.
    package func journal(
        subjectType: String? = nil, subject: String? = nil, actor: String? = nil, actionPrefix: String? = nil,
        limit: Int = 200
    ) throws -> [JournalEntry] {
        try writer.read { db in
            var request = JournalEntry.all()
            if let subjectType { request = request.filter(Column("subject_type") == subjectType) }
            if let subject { request = request.filter(Column("subject") == subject) }
            if let actor { request = request.filter(Column("actor") == actor) }
            if let actionPrefix {
                request = request.filter(
                    sql: "substr(action, 1, length(?)) = ?", arguments: [actionPrefix, actionPrefix])
            }
            return try request.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }
}
