import ArgumentParser
import Foundation
import TollGuardCore
import TollGuardHooks

struct HooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "The hook outbox: what is waiting, what failed; deliver and retry.",
        discussion: """
            Every event for a hook is stored in the outbox before it is delivered. A delivery that fails is \
            retried with exponential backoff by the next `analyze`, `hooks deliver` (the tollguard-hooks timer \
            runs it every minute) or `serve`; after hook_delivery.max_attempts it is marked failed.
            """,
        subcommands: [Status.self, Deliver.self, Retry.self],
        defaultSubcommand: Status.self)

    /// Delivers what is due and says what happened (one line; nothing when there was nothing to do).
    @discardableResult
    static func deliver(database: TollGuardDatabase, configuration: TollGuardConfiguration, quiet: Bool = false)
        async throws -> DeliveryPass
    {
        let pass = try await HookDispatcher(database: database, configuration: configuration).deliverDue()
        if !quiet, let line = summary(pass) { print(line) }
        return pass
    }

    /// `hooks: 3 delivered, 1 to retry (tollguard hooks status)`; `nil` when nothing was attempted.
    static func summary(_ pass: DeliveryPass) -> String? {
        guard !pass.attempts.isEmpty else { return nil }
        var parts = ["\(pass.delivered) delivered"]
        if pass.retrying > 0 { parts.append("\(pass.retrying) to retry") }
        if pass.failed > 0 { parts.append("\(pass.failed) failed") }
        return "hooks: " + parts.joined(separator: ", ")
            + (pass.delivered == pass.attempts.count ? "" : " (tollguard hooks status)")
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List pending and failed deliveries (--all: delivered ones too).")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Delivered ones too.")
        var all = false

        @Option(help: "At most this many, oldest first.")
        var limit = 200

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            guard let database = try global.openExistingDatabase(configuration) else {
                throw ValidationError("no database at \(global.databasePath(configuration))")
            }
            let entries = try database.outbox(statuses: all ? [] : [.pending, .failed], limit: limit)
            if json {
                try printJSON(entries)
                return
            }
            let counts = try database.outboxCounts()
            print(
                "outbox: " + DeliveryStatus.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
                    + "; hooks configured: "
                    + (configuration.hooks.isEmpty ? "none" : configuration.hooks.map(\.name).joined(separator: ", ")))
            guard !entries.isEmpty else { return }
            let time = LocalTimeFormatter(timeZone: global.siteTimeZone(configuration))
            var table = TextTable("ID", "HOOK", "EVENT", "SUBJECT", "STATUS", "TRIES", "NEXT", "LAST ERROR")
            for entry in entries {
                table.append([
                    String(entry.id), entry.hook, entry.eventType, "\(entry.subjectType) \(entry.subject)",
                    entry.status.rawValue, String(entry.attempts), entry.nextAttempt.map(time.seconds) ?? "-",
                    entry.lastError ?? "",
                ])
            }
            print(table.render())
        }
    }

    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver the due deliveries and lift expired suspensions (for a timer).")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            let database = try global.openDatabase(configuration)
            let expired = try database.liftExpiredSuspensions(ActionSettings(configuration))
            for suspension in expired {
                print(TextTable.printable("suspension \(suspension.id) of \(suspension.account) expired; lifted"))
            }
            let pass = try await HooksCommand.deliver(database: database, configuration: configuration)
            if pass.attempts.isEmpty { print("hooks: nothing due") }
            if pass.failed > 0 { throw ExitCode(1) }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retry failed (and waiting) deliveries now: all, or the ids given.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Delivery ids (default: every pending and failed one).")
        var ids: [Int64] = []

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            let database = try global.openDatabase(configuration)
            let count = try database.requeueDeliveries(ids: ids.isEmpty ? nil : ids, now: Date())
            print("retrying \(count) deliveries")
            let pass = try await HooksCommand.deliver(database: database, configuration: configuration)
            if pass.delivered < pass.attempts.count { throw ExitCode(1) }
        }
    }
}
