import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The console's people in the cluster store: who may log in on any node, their sessions and
/// API tokens, and what they did (`cluster_journal`), as the SQLite store keeps its own.
extension ClusterStore {
    /// Adds a user; `actor` is journaled as who added them.
    package func addUser(name: String, role: ConsoleRole, passwordHash: String, actor: String, now: Date = Date())
        async throws
    {
        guard ConsoleUser.isValidName(name) else { throw UserChangeError.invalidName(name) }
        let logger = self.logger
        try await client.inTransaction(logger: logger) { connection in
            let added = try await Self.rowCount(
                try await connection.answer(
                    """
                    INSERT INTO cluster_users (name, role, password_hash, created_utc, password_set_utc)
                    VALUES (\(name), \(role.rawValue), \(passwordHash), \(now), \(now))
                    ON CONFLICT (name) DO NOTHING RETURNING name
                    """, logger: logger))
            guard added == 1 else { throw UserChangeError.exists(name) }
            try await Self.journal(
                JournalEntry(
                    at: now, actor: actor, action: "user.added", subjectType: "user", subject: name,
                    after: role.rawValue), on: connection, logger: logger)
        }
    }

    /// Copies `users` (a node's own store's) into the cluster's, once per `node`.
    ///
    /// A user of a name the cluster has stays the cluster's; each one added is journaled as added
    /// by the node. Nil when the node's were copied before; else how many were new.
    package func importUsers(of node: String, users: [ConsoleUser], now: Date = Date()) async throws -> Int? {
        let logger = self.logger
        return try await client.inTransaction(logger: logger) { connection in
            let claimed = try await Self.rowCount(
                connection.answer(
                    """
                    INSERT INTO cluster_user_imports (node, at_utc, users) VALUES (\(node), \(now), 0)
                    ON CONFLICT (node) DO NOTHING RETURNING node
                    """, logger: logger))
            guard claimed > 0 else { return nil }
            var added = 0
            for user in users where ConsoleUser.isValidName(user.name) {
                let inserted = try await Self.rowCount(
                    connection.answer(
                        """
                        INSERT INTO cluster_users (name, role, password_hash, created_utc, password_set_utc)
                        VALUES (\(user.name), \(user.role.rawValue), \(user.passwordHash), \(user.created),
                            \(user.passwordSet))
                        ON CONFLICT (name) DO NOTHING RETURNING name
                        """, logger: logger))
                guard inserted == 1 else { continue }
                added += 1
                try await Self.journal(
                    JournalEntry(
                        at: now, actor: "node \(node)", action: "user.added", subjectType: "user", subject: user.name,
                        after: user.role.rawValue, note: "copied from the node's own store"),
                    on: connection, logger: logger)
            }
            try await connection.answer(
                "UPDATE cluster_user_imports SET users = \(added) WHERE node = \(node)", logger: logger)
            return added
        }
    }

    /// Replaces a user's password and ends every session they have.
    package func setPassword(name: String, passwordHash: String, actor: String, now: Date = Date()) async throws {
        let logger = self.logger
        try await client.inTransaction(logger: logger) { connection in
            let changed = try await Self.rowCount(
                try await connection.answer(
                    """
                    UPDATE cluster_users SET password_hash = \(passwordHash), password_set_utc = \(now)
                    WHERE name = \(name) RETURNING name
                    """, logger: logger))
            guard changed == 1 else { throw UserChangeError.noSuchUser(name) }
            try await connection.answer("DELETE FROM cluster_sessions WHERE user_name = \(name)", logger: logger)
            try await Self.journal(
                JournalEntry(at: now, actor: actor, action: "user.password_set", subjectType: "user", subject: name),
                on: connection, logger: logger)
        }
    }

    /// Changes a user's role; the last admin keeps theirs.
    package func setRole(name: String, role: ConsoleRole, actor: String, now: Date = Date()) async throws {
        let logger = self.logger
        try await client.inTransaction(logger: logger) { connection in
            // Every admin's row locked: two nodes demoting the last two admins at once cannot both pass.
            var admins = 0
            var before: ConsoleRole?
            for try await (userName, userRole) in try await connection.answer(
                """
                SELECT name, role FROM cluster_users WHERE role = 'admin' OR name = \(name) ORDER BY name FOR UPDATE
                """, logger: logger
            ).decode((String, String).self) {
                if userRole == ConsoleRole.admin.rawValue { admins += 1 }
                if userName == name { before = ConsoleRole(rawValue: userRole) }
            }
            guard let before else { throw UserChangeError.noSuchUser(name) }
            if before == .admin, role != .admin, admins == 1 { throw UserChangeError.lastAdmin(name) }
            try await connection.answer(
                "UPDATE cluster_users SET role = \(role.rawValue) WHERE name = \(name)", logger: logger)
            try await Self.journal(
                JournalEntry(
                    at: now, actor: actor, action: "user.role_set", subjectType: "user", subject: name,
                    before: before.rawValue, after: role.rawValue), on: connection, logger: logger)
        }
    }

    /// Every user, by name.
    package func users() async throws -> [ConsoleUser] {
        try await users("SELECT \(unescaped: Self.userColumns) FROM cluster_users ORDER BY name")
    }

    /// One user, when there is one of that name.
    package func user(named name: String) async throws -> ConsoleUser? {
        try await users("SELECT \(unescaped: Self.userColumns) FROM cluster_users WHERE name = \(name)").first
    }

    private static let userColumns = "name, role, password_hash, created_utc, password_set_utc"

    private func users(_ query: PostgresQuery) async throws -> [ConsoleUser] {
        var found: [ConsoleUser] = []
        for try await (name, role, hash, created, passwordSet) in try await client.query(query, logger: logger)
            .decode((String, String, String, Date, Date).self)
        {
            // A role this build does not know reads as the least one.
            found.append(
                ConsoleUser(
                    name: name, role: ConsoleRole(rawValue: role) ?? .viewer, passwordHash: hash, created: created,
                    passwordSet: passwordSet))
        }
        return found
    }

    /// Records a login (or an API token, journaled as `action`): its token's hash, its form token
    /// and when it ends; sessions ended by then are dropped.
    package func startSession(
        user: String, tokenHash: String, csrfToken: String, expires: Date, now: Date = Date(),
        journaledAs action: String = "session.started"
    ) async throws {
        let logger = self.logger
        try await client.inTransaction(logger: logger) { connection in
            try await connection.answer(
                """
                INSERT INTO cluster_sessions (token_hash, user_name, csrf_token, created_utc, expires_utc)
                VALUES (\(tokenHash), \(user), \(csrfToken), \(now), \(expires))
                """, logger: logger)
            try await connection.answer("DELETE FROM cluster_sessions WHERE expires_utc < \(now)", logger: logger)
            try await Self.journal(
                JournalEntry(
                    at: now, actor: user, action: action, subjectType: "user", subject: user,
                    after: action == "session.started" ? nil : "until \(StoredTime.text(expires)) UTC"),
                on: connection, logger: logger)
        }
    }

    /// The user and form token of a session that has not ended; nil for any other token.
    package func session(tokenHash: String, now: Date = Date()) async throws -> (
        user: ConsoleUser, csrfToken: String
    )? {
        let rows = try await client.query(
            """
            SELECT u.name, u.role, u.password_hash, u.created_utc, u.password_set_utc, s.csrf_token
            FROM cluster_sessions s JOIN cluster_users u ON u.name = s.user_name
            WHERE s.token_hash = \(tokenHash) AND s.expires_utc > \(now)
            """, logger: logger)
        for try await (name, role, hash, created, passwordSet, csrf) in rows.decode(
            (String, String, String, Date, Date, String).self)
        {
            let user = ConsoleUser(
                name: name, role: ConsoleRole(rawValue: role) ?? .viewer, passwordHash: hash, created: created,
                passwordSet: passwordSet)
            return (user, csrf)
        }
        return nil
    }

    /// Ends a session (logout), journaled.
    package func endSession(tokenHash: String, now: Date = Date()) async throws {
        let logger = self.logger
        try await client.inTransaction(logger: logger) { connection in
            let ended = try await connection.answer(
                "DELETE FROM cluster_sessions WHERE token_hash = \(tokenHash) RETURNING user_name", logger: logger)
            for try await user in ended.decode(String.self) {
                try await Self.journal(
                    JournalEntry(at: now, actor: user, action: "session.ended", subjectType: "user", subject: user),
                    on: connection, logger: logger)
            }
        }
    }

    /// Records that `user`'s queue showed every alert up to `newest`; returns the newest it had
    /// shown before (0 at the first visit).
    package func markQueueSeen(user: String, upTo newest: Int64) async throws -> Int64 {
        // The value before the update, read in the same statement.
        let rows = try await client.query(
            """
            UPDATE cluster_users u SET queue_seen_alert = greatest(u.queue_seen_alert, \(newest))
            FROM (SELECT name, queue_seen_alert FROM cluster_users WHERE name = \(user) FOR UPDATE) before
            WHERE u.name = before.name RETURNING before.queue_seen_alert
            """, logger: logger)
        for try await before in rows.decode(Int64.self) { return before }
        return 0
    }

    /// Adds a line to the journal.
    package func record(_ entry: JournalEntry) async throws {
        let logger = self.logger
        try await client.withConnection { connection in try await Self.journal(entry, on: connection, logger: logger) }
    }

    /// The journal, newest first: of one subject, one actor or actions starting with a prefix, when given.
    package func latestJournal(
        subjectType: String? = nil, subject: String? = nil, actor: String? = nil, actionPrefix: String? = nil,
        limit: Int = 200
    ) async throws -> [JournalEntry] {
        let rows = try await client.query(
            """
            SELECT id, at_utc, actor, action, subject_type, subject, before, after, note FROM cluster_journal
            WHERE (\(subjectType)::text IS NULL OR subject_type = \(subjectType))
                AND (\(subject)::text IS NULL OR subject = \(subject))
                AND (\(actor)::text IS NULL OR actor = \(actor))
                AND (\(actionPrefix)::text IS NULL OR starts_with(action, \(actionPrefix)))
            ORDER BY id DESC LIMIT \(Int64(max(limit, 0)))
            """, logger: logger)
        return try await Self.journalEntries(rows)
    }

    /// The journal entries of rows of `id, at_utc, actor, action, subject_type, subject, before, after, note`.
    static func journalEntries(_ rows: PostgresRowSequence) async throws -> [JournalEntry] {
        var entries: [JournalEntry] = []
        for try await (id, at, actor, action, subjectType, subject, before, after, note)
            in rows.decode((Int64, Date, String, String, String?, String?, String?, String?, String?).self)
        {
            var entry = JournalEntry(
                at: at, actor: actor, action: action, subjectType: subjectType, subject: subject, before: before,
                after: after, note: note)
            entry.id = id
            entries.append(entry)
        }
        return entries
    }
}
