import ArgumentParser
import Foundation
import TollGuardCore
import TollGuardHooks

struct SuspendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend",
        abstract: "Suspend an account and run the suspend hooks.",
        discussion: """
            The account's open alerts are attached as the evidence. Suspending an account that is already \
            suspended changes nothing and runs no hook again.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The account (extension or accountcode).")
    var account: String

    @Option(help: "Why (sent to the hooks).")
    var reason: String

    @Option(help: "Lift it by itself: a site-time \"YYYY-MM-DD HH:MM\" or a duration like 30m, 12h, 2d.")
    var until: String?

    @Option(help: "Who (default: the login name).")
    var by: String?

    func run() async throws {
        let configuration = try global.loadConfiguration().configuration
        let zone = global.siteTimeZone(configuration)
        let now = Date()
        let end = try until.map { try Self.parseUntil($0, now: now, zone: zone, global: global) }
        if let end, end <= now { throw ValidationError("--until \(until ?? ""): that is not in the future") }
        let database = try global.openDatabase(configuration)
        let outcome = try database.suspend(
            account: account, reason: reason, until: end, actor: GlobalOptions.actor(by),
            settings: ActionSettings(configuration), now: now)
        let time = LocalTimeFormatter(timeZone: zone)
        switch outcome {
        case .suspended(let suspension):
            print(
                TextTable.printable(
                    "suspended \(suspension.account) (suspension \(suspension.id))"
                        + (suspension.until.map { " until \(time.minutes($0))" } ?? "")
                        + (suspension.alertIDs.isEmpty ? "" : "; alerts \(Self.ids(suspension.alertIDs))")))
        case .alreadySuspended(let suspension):
            print(
                TextTable.printable(
                    "\(suspension.account) is already suspended since \(time.minutes(suspension.since)) "
                        + "(suspension \(suspension.id), by \(suspension.actor)); nothing changed, no hook runs"))
        }
        try await HooksCommand.deliver(database: database, configuration: configuration)
    }

    /// `2026-11-21 18:00` (site time), `2026-11-22`, or `90m`, `12h`, `2d` from now.
    static func parseUntil(_ text: String, now: Date, zone: TimeZone, global: GlobalOptions) throws -> Date {
        let units: [Character: Double] = ["m": 60, "h": 3600, "d": 86400]
        if let unit = text.last, let seconds = units[unit], let count = Double(text.dropLast()), count > 0 {
            return now.addingTimeInterval(count * seconds)
        }
        return try global.localDate(text, option: "--until", zone: zone)
    }

    static func ids(_ ids: [Int64]) -> String {
        let shown = ids.prefix(8).map(String.init).joined(separator: ", ")
        return ids.count > 8 ? shown + " (+\(ids.count - 8) more)" : shown
    }
}

struct UnsuspendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unsuspend", abstract: "Lift an account's suspension and run the unsuspend hooks.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The account.")
    var account: String

    @Option(help: "Why (kept in the history, sent to the hooks).")
    var comment: String?

    @Option(help: "Who (default: the login name).")
    var by: String?

    func run() async throws {
        let configuration = try global.loadConfiguration().configuration
        let database = try global.openDatabase(configuration)
        guard
            let lifted = try database.unsuspend(
                account: account, comment: comment, actor: GlobalOptions.actor(by),
                settings: ActionSettings(configuration))
        else {
            throw ValidationError(TextTable.printable("\(account) is not suspended"))
        }
        print(TextTable.printable("lifted the suspension of \(lifted.account) (suspension \(lifted.id))"))
        try await HooksCommand.deliver(database: database, configuration: configuration)
    }
}

struct SuspensionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspensions",
        abstract: "List the suspended accounts (--all: the history, report-only decisions included).",
        discussion: "Suspensions whose --until has passed are lifted first, running the unsuspend hooks.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Every suspension: lifted, expired and report-only ones too.")
    var all = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let configuration = try global.loadConfiguration().configuration
        let database = try global.openDatabase(configuration)
        let expired = try database.liftExpiredSuspensions(ActionSettings(configuration))
        if !expired.isEmpty {
            try await HooksCommand.deliver(database: database, configuration: configuration, quiet: json)
        }
        let suspensions = try database.suspensions(includeHistory: all)
        if json {
            try printJSON(suspensions)
            return
        }
        guard !suspensions.isEmpty else {
            print(all ? "no suspensions yet" : "no account is suspended")
            return
        }
        print(Self.table(suspensions, zone: global.siteTimeZone(configuration)).render())
    }

    static func table(_ suspensions: [Suspension], zone: TimeZone) -> TextTable {
        let time = LocalTimeFormatter(timeZone: zone)
        var table = TextTable("ID", "ACCOUNT", "STATE", "SINCE", "UNTIL", "BY", "ALERTS", "REASON")
        for suspension in suspensions {
            var state = suspension.state
            if let lifted = suspension.liftedAt { state += " \(time.minutes(lifted)) by \(suspension.liftedBy ?? "?")" }
            table.append([
                String(suspension.id), suspension.account, state, time.minutes(suspension.since),
                suspension.until.map(time.minutes) ?? "-", suspension.actor,
                SuspendCommand.ids(suspension.alertIDs), suspension.reason,
            ])
        }
        return table
    }
}
