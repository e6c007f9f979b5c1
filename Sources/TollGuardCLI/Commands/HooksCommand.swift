import ArgumentParser
import Foundation
import Logging
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

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List pending and failed deliveries (--all: delivered ones too).")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Delivered ones too.")
        var all = false

        @Option(help: "At most this many, oldest first.")
        var limit = 200

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            let database = try global.openStoreToRead(configuration)
            let entries = try database.outbox(statuses: all ? [] : [.pending, .failed], limit: limit)
            if output.json {
                try printJSON(entries)
                return
            }
            let counts = try await database.outboxCounts()
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
            let database = try global.openStoreToRead(configuration)
            let actions = ActionLayer(
                database: database, configuration: configuration, logger: Logger(label: "tollguard.hooks"))
            Output.printExpired(try actions.liftExpiredSuspensions())
            let pass = try await actions.deliverDue()
            if let line = Output.deliveries(pass) { print(line) } else { print("hooks: nothing due") }
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
            let database = try global.openStoreToRead(configuration)
            let count = try database.requeueDeliveries(ids: ids.isEmpty ? nil : ids, now: Date())
            print("retrying \(Plural.of(count, "delivery"))")
            let pass = try await ActionLayer(
                database: database, configuration: configuration, logger: Logger(label: "tollguard.hooks")
            ).deliverDue()
            if let line = Output.deliveries(pass) { print(line) }
            if pass.delivered < pass.attempts.count { throw ExitCode(1) }
        }
    }
}
