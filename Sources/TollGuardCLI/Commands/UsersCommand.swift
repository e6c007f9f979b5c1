import ArgumentParser
import Foundation
import TollGuardCore
import TollGuardHTTP

struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage who may log in to the review console.",
        discussion: """
            Roles: viewer (reads every page), reviewer (also works alerts: acknowledge, resolve, false positive, \
            reopen, assign, snooze; suspends accounts), admin (also quotas and users). Passwords are read from \
            standard input (the first line) or, when it is a terminal, asked for without echo; the store keeps only \
            a bcrypt hash. Every change is journaled.
            """,
        subcommands: [Add.self, Password.self, Role.self, List.self, Token.self]
    )

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

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Login name (letters, digits, '.', '_', '-', '@').")
        var name: String

        @Option(help: "viewer, reviewer or admin.")
        var role: ConsoleRole

        @Option(help: "Who (default: the login name).")
        var by: String?

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            guard ConsoleUser.isValidName(name) else {
                throw ValidationError(UserChangeError.invalidName(name).description)
            }
            let password = try UsersCommand.readNewPassword()
            let database = try global.openDatabase(configuration)
            do {
                try database.addUser(
                    name: name, role: role, passwordHash: PasswordHashing().hash(password),
                    actor: GlobalOptions.actor(by))
            } catch let error as UserChangeError {
                throw CommandFailure(error.description)
            }
            print(TextTable.printable("user \(name) added (\(role.rawValue))"))
        }
    }

    struct Password: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "password", abstract: "Set a user's password (a reset); their sessions end.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Login name.")
        var name: String

        @Option(help: "Who (default: the login name).")
        var by: String?

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            let database = try global.openStoreToRead(configuration)
            guard try database.user(named: name) != nil else {
                throw CommandFailure(UserChangeError.noSuchUser(name).description)
            }
            let password = try UsersCommand.readNewPassword()
            try database.setPassword(
                name: name, passwordHash: PasswordHashing().hash(password), actor: GlobalOptions.actor(by))
            print(TextTable.printable("password of \(name) set; their sessions ended"))
        }
    }

    struct Role: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a user's role.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Login name.")
        var name: String

        @Argument(help: "viewer, reviewer or admin.")
        var role: ConsoleRole

        @Option(help: "Who (default: the login name).")
        var by: String?

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            let database = try global.openStoreToRead(configuration)
            do {
                try database.setRole(name: name, role: role, actor: GlobalOptions.actor(by))
            } catch let error as UserChangeError {
                throw CommandFailure(error.description)
            }
            print(TextTable.printable("\(name) is now \(role.rawValue)"))
        }
    }

    struct Token: ParsableCommand {
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

        func run() throws {
            guard (1...3650).contains(days) else { throw ValidationError("--days: from 1 to 3650") }
            let configuration = try global.loadConfiguration().configuration
            let database = try global.openStoreToRead(configuration)
            guard try database.user(named: name) != nil else {
                throw CommandFailure(UserChangeError.noSuchUser(name).description)
            }
            let token = SessionToken.make()
            let now = Date()
            try database.startSession(
                user: name, tokenHash: SessionToken.storedHash(of: token), csrfToken: SessionToken.make(),
                expires: now.addingTimeInterval(Double(days) * 86_400), now: now, journaledAs: "token.created")
            print(token)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users.")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            let users = try global.openStoreToRead(configuration).users()
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
