import ArgumentParser
import Foundation
import TollGuardCluster
import TollGuardCore
import TollGuardHTTP

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage who may log in to the review console.",
        discussion: """
            Roles: viewer (reads every page), reviewer (also works alerts: acknowledge, resolve, false positive, \
            reopen, assign, snooze; suspends accounts), admin (also quotas and users). Passwords are read from \
            standard input (the first line) or, when it is a terminal, asked for without echo; the store keeps only \
            a bcrypt hash. Every change is journaled. On a node of a cluster (database.url set), the users are the \
            cluster's: one login works on every node's console.
            """,
        subcommands: [Add.self, Password.self, Role.self, List.self, Token.self]
    )

    /// Runs `change`, a refused user change thrown as the command's failure.
    static func refusing(_ change: () async throws -> Void) async throws {
        do {
            try await change()
        } catch let error as UserChangeError {
            throw CommandFailure(error.description)
        }
    }

    /// Reads a new password: the first line of standard input, or typed twice at a terminal.
    static func readNewPassword() throws -> String {
        let password: String
        if isatty(STDIN_FILENO) != 0 {
            let first = String(cString: getpass("Password: "))
            let again = String(cString: getpass("Again: "))
            guard first == again else { throw ValidationError("the two passwords differ") }
            password = first
        } else {
            password = readLine(strippingNewline: true) ?? ""
        }
        if let weakness = PasswordHashing.weakness(of: password) { throw ValidationError(weakness) }
        return password
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Login name (letters, digits, '.', '_', '-', '@').")
        var name: String

        @Option(help: "viewer, reviewer or admin.")
        var role: ConsoleRole

        @Option(help: "Who (default: the login name).")
        var by: String?

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            guard ConsoleUser.isValidName(name) else {
                throw ValidationError(UserChangeError.invalidName(name).description)
            }
            let password = try UsersCommand.readNewPassword()
            let (name, role, hash, actor) = (name, role, PasswordHashing().hash(password), GlobalOptions.actor(by))
            if let cluster = try ClusterAccess(configuration, application: "users add") {
                try await cluster.onPrimary(to: "add the user") { store in
                    try await UsersCommand.refusing {
                        try await store.addUser(name: name, role: role, passwordHash: hash, actor: actor)
                    }
                }
                print(TextTable.printable("user \(name) added to the cluster (\(cluster.url)) (\(role.rawValue))"))
                return
            }
            let database = try global.openDatabase(configuration)
            try await UsersCommand.refusing {
                try database.addUser(name: name, role: role, passwordHash: hash, actor: actor)
            }
            print(TextTable.printable("user \(name) added (\(role.rawValue))"))
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "password", abstract: "Set a user's password (a reset); their sessions end.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Login name.")
        var name: String

        @Option(help: "Who (default: the login name).")
        var by: String?

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            let (name, actor) = (name, GlobalOptions.actor(by))
            if let cluster = try ClusterAccess(configuration, application: "users password") {
                guard try await cluster.onPrimary(to: "find the user", { try await $0.user(named: name) }) != nil else {
                    throw CommandFailure(UserChangeError.noSuchUser(name).description)
                }
                let hash = PasswordHashing().hash(try UsersCommand.readNewPassword())
                try await cluster.onPrimary(to: "set the password") { store in
                    try await UsersCommand.refusing {
                        try await store.setPassword(name: name, passwordHash: hash, actor: actor)
                    }
                }
                print(TextTable.printable("password of \(name) set in the cluster; their sessions ended"))
                return
            }
            let database = try global.openStoreToRead(configuration)
            guard try database.user(named: name) != nil else {
                throw CommandFailure(UserChangeError.noSuchUser(name).description)
            }
            let password = try UsersCommand.readNewPassword()
            try database.setPassword(name: name, passwordHash: PasswordHashing().hash(password), actor: actor)
            print(TextTable.printable("password of \(name) set; their sessions ended"))
        }
    }

    struct Role: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a user's role.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Login name.")
        var name: String

        @Argument(help: "viewer, reviewer or admin.")
        var role: ConsoleRole

        @Option(help: "Who (default: the login name).")
        var by: String?

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            let (name, role, actor) = (name, role, GlobalOptions.actor(by))
            if let cluster = try ClusterAccess(configuration, application: "users role") {
                try await cluster.onPrimary(to: "change the role") { store in
                    try await UsersCommand.refusing { try await store.setRole(name: name, role: role, actor: actor) }
                }
                print(TextTable.printable("\(name) is now \(role.rawValue) in the cluster"))
                return
            }
            let database = try global.openStoreToRead(configuration)
            try await UsersCommand.refusing { try database.setRole(name: name, role: role, actor: actor) }
            print(TextTable.printable("\(name) is now \(role.rawValue)"))
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an API token for a user (for /api/v1, as Authorization: Bearer TOKEN).",
            discussion: """
                The token acts as the user, with their role, until it expires or their password is set again. It is \
                printed once; the store keeps only its SHA-256.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Login name.")
        var name: String

        @Option(help: "Days until it expires.")
        var days = 90

        func run() async throws {
            guard (1...3650).contains(days) else { throw ValidationError("--days: from 1 to 3650") }
            let configuration = try global.loadConfiguration().configuration
            let token = SessionToken.make()
            let (name, hash, csrf) = (name, SessionToken.storedHash(of: token), SessionToken.make())
            let now = Date()
            let expires = now.addingTimeInterval(Double(days) * 86_400)
            if let cluster = try ClusterAccess(configuration, application: "users token") {
                try await cluster.onPrimary(to: "make the token") { store in
                    guard try await store.user(named: name) != nil else {
                        throw CommandFailure(UserChangeError.noSuchUser(name).description)
                    }
                    try await store.startSession(
                        user: name, tokenHash: hash, csrfToken: csrf, expires: expires, now: now,
                        journaledAs: "token.created")
                }
                print(token)
                return
            }
            let database = try global.openStoreToRead(configuration)
            guard try database.user(named: name) != nil else {
                throw CommandFailure(UserChangeError.noSuchUser(name).description)
            }
            try database.startSession(
                user: name, tokenHash: hash, csrfToken: csrf, expires: expires, now: now, journaledAs: "token.created")
            print(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            let users =
                if let cluster = try ClusterAccess(configuration, application: "users list") {
                    try await cluster.onPrimary(to: "list the users") { try await $0.users() }
                } else {
                    try global.openStoreToRead(configuration).users()
                }
            if users.isEmpty {
                print("no users: add one with 'tollguard users add NAME --role admin'")
                return
            }
            for user in users {
                print(
                    TextTable.printable("\(user.name)\t\(user.role.rawValue)\tsince \(StoredTime.text(user.created))"))
            }
        }
    }
}

extension ConsoleRole: ExpressibleByArgument {}
