import ArgumentParser
import Foundation
import Logging
import TollGuardCore
import TollGuardHooks

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Review fraud alerts: list, show, acknowledge, resolve, mark false positives, reopen.",
        subcommands: [List.self, Show.self, Acknowledge.self, Resolve.self, FalsePositive.self, Reopen.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List alerts, most severe and most recent first.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "The alerts in this state, or all (default: open and acknowledged).")
        var state: AlertStateChoice?

        @Option(help: "The alerts of this severity or higher.")
        var severity: Severity?

        @Option(help: "Only alerts seen since this site time (YYYY-MM-DD or \"YYYY-MM-DD HH:MM\").")
        var since: String?

        @Option(help: "At most this many alerts.")
        var limit: Int?

        @OptionGroup var output: OutputOptions

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            var filter = AlertFilter(limit: limit)
            filter.states = state?.states ?? [.open, .acknowledged]
            filter.minimumSeverity = severity
            if let since {
                filter.since = try global.localDate(since, option: "--since", zone: global.siteTimeZone(configuration))
            }
            let database = try global.openStoreToRead(configuration)
            let alerts = try database.alerts(filter)
            if output.json {
                try printJSON(try alerts.map { AlertJSON($0, calls: try database.alertCalls(id: $0.id)) })
            } else if alerts.isEmpty {
                print("no alerts")
            } else {
                print(
                    TextTable.alerts(alerts, zone: global.siteTimeZone(configuration), width: TextTable.terminalWidth)
                        .render())
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one alert with its metrics, history and evidence calls.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Alert id.")
        var id: Int64

        @OptionGroup var output: OutputOptions

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            let database = try global.openStoreToRead(configuration)
            guard let alert = try database.alert(id: id) else {
                throw CommandFailure("no alert \(id)")
            }
            let calls = try database.alertCalls(id: id)
            let lines = try database.alertLogLines(id: id)
            if output.json {
                try printJSON(AlertJSON(alert, calls: calls, logLines: lines))
                return
            }
            let zone = global.siteTimeZone(configuration)
            let time = LocalTimeFormatter(timeZone: zone)
            let summarizer = AlertSummarizer(timeZone: zone, currency: configuration.rating.currency, countryNames: [:])
            print("alert \(alert.id): \(alert.severity.name) \(alert.rule), \(alert.state.rawValue)")
            print(TextTable.printable(alert.summary))
            print("subject:    \(alert.subject.kind.rawValue) \(TextTable.printable(alert.subject.value))")
            print(
                "seen:       \(time.minutes(alert.firstSeen)) – \(time.minutes(alert.lastSeen)) (\(zone.identifier))"
            )
            print("calls:      \(alert.callCount), \(summarizer.money(alert.costMicros))")
            if let assignee = alert.assignee { print(TextTable.printable("assigned:   \(assignee)")) }
            if alert.isSnoozed(at: Date()), let snooze = alert.snooze { print("snoozed:    \(snooze)") }
            if alert.subject.kind == .account {
                if let suspension = try database.activeSuspension(account: alert.subject.value) {
                    print(
                        TextTable.printable(
                            "suspended:  yes, since \(time.minutes(suspension.since)) (suspension \(suspension.id), by "
                                + "\(suspension.actor))"
                                + (suspension.until.map { ", until \(time.minutes($0))" } ?? "")))
                } else {
                    print("suspended:  no")
                }
            }
            for (name, value) in alert.metrics.sorted(by: { $0.key < $1.key }) {
                print(
                    "\(name + ":")\(String(repeating: " ", count: max(1, 12 - name.count)))\(TextTable.printable(value.description))"
                )
            }
            print("\nhistory:")
            for change in try database.alertHistory(id: id) {
                print(
                    "  \(time.minutes(change.at))  \(change.state.rawValue) by \(TextTable.printable(change.actor))"
                        + (change.comment.map { ": " + TextTable.printable($0) } ?? ""))
            }
            // The console's triage beyond states: snoozes and assignments, from the journal.
            let triage = try database.journal(subjectType: "alert", subject: String(id)).reversed()
                .filter { ["alert.snoozed", "alert.unsnoozed", "alert.assigned"].contains($0.action) }
            for entry in triage {
                let what = entry.action.dropFirst("alert.".count)
                print(
                    TextTable.printable(
                        "  \(time.minutes(entry.at))  \(what) by \(entry.actor)"
                            + ((entry.after ?? entry.before).map { ": " + $0 } ?? "")
                            + (entry.note.map { " (\($0))" } ?? "")))
            }
            if !lines.isEmpty {
                print("\nevidence log lines (\(lines.count)):")
                for line in lines {
                    print(TextTable.printable("  \(line.file):\(line.line): \(line.text)"))
                }
                return
            }
            print("\nevidence calls (\(calls.count) stored of \(alert.callCount)):")
            // The switch column only where calls came from named live switches.
            let switches = calls.contains { $0.switchName != nil }
            var table = TextTable(
                ["TIME", "ACCOUNT", "DIALED", "NUMBER", "REGION", "CLASS", "TYPE", "RISK", "BILLSEC", "COST"]
                    + (switches ? ["SWITCH"] : []))
            for call in calls {
                table.append(
                    [
                        time.minutes(call.time), call.account ?? "", call.dialed ?? "", call.number,
                        call.region ?? "", call.destinationClass ?? "", call.numberType ?? "", call.risk ?? "",
                        call.billsec.map(String.init) ?? "", summarizer.money(call.costMicros),
                    ] + (switches ? [call.switchName ?? ""] : []))
            }
            print(table.render())
            let bySwitch = calls.totalsBySwitch
            if !bySwitch.isEmpty {
                let parts = bySwitch.map {
                    "\($0.switchName) \(Plural.of($0.calls, "call")), \(summarizer.money($0.costMicros))"
                }
                print(TextTable.printable("by switch (of the stored evidence): " + parts.joined(separator: "; ")))
            }
        }
    }

    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack", abstract: "Acknowledge an alert: someone is on it.")
        @OptionGroup var change: StateChangeOptions
        func run() async throws { try await change.apply(.acknowledge) }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resolve an alert.")
        @OptionGroup var change: StateChangeOptions
        @Option(help: "How it ended: \(AlertDisposition.allCases.map(\.rawValue).joined(separator: ", ")).")
        var disposition: AlertDisposition = .other
        func run() async throws { try await change.apply(.resolve(disposition)) }
    }

    struct FalsePositive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "false-positive",
            abstract: "Mark an alert a false positive; its rule stays quiet for its subject for a while.",
            discussion: "The quiet time is analysis.false_positive_suppress_hours (default 168 hours).")
        @OptionGroup var change: StateChangeOptions
        @Option(help: "Why: \(FalsePositiveReason.allCases.map(\.rawValue).joined(separator: ", ")).")
        var reason: FalsePositiveReason = .other
        @Flag(help: "Also close the other open alerts of the same rule and subject.")
        var closeMatching = false
        func run() async throws { try await change.apply(.falsePositive(reason, closingMatching: closeMatching)) }
    }

    struct Reopen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Open an acknowledged, resolved or false-positive alert again (a false positive's quiet time ends).")
        @OptionGroup var change: StateChangeOptions
        func run() async throws { try await change.apply(.reopen) }
    }
}

extension AlertDisposition: ExpressibleByArgument {}
extension FalsePositiveReason: ExpressibleByArgument {}

/// The arguments of `alerts ack|resolve|false-positive`.
struct StateChangeOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    @Argument(help: "Alert id.")
    var id: Int64

    @Option(help: "Why.")
    var comment: String?

    @Option(help: "Who (default: the login name).")
    var by: String?

    /// Applies `change` through the action layer (journaled; hooks taking `alert_changed` hear of it).
    func apply(_ change: AlertChange) async throws {
        let configuration = try global.loadConfiguration().configuration
        let database = try global.openStoreToRead(configuration)
        let actions = ActionLayer(
            database: database, configuration: configuration, logger: Logger(label: "tollguard.alerts"))
        let result = try await actions.changeAlerts([id], change, actor: GlobalOptions.actor(by), comment: comment)
        if let refused = result.refused.first { throw CommandFailure(refused.error.description) }
        for outcome in result.changed {
            let alert = outcome.after
            var line = "alert \(alert.id) is now \(outcome.entry.after ?? alert.state.rawValue)"
            if alert.state == .falsePositive {
                line +=
                    "; \(alert.rule) stays quiet for \(alert.subject.kind.rawValue) \(alert.subject.value) "
                    + "for \(Int(configuration.analysis.falsePositiveSuppressHours)) h"
            }
            print(TextTable.printable(line))
        }
        let pass = try await actions.deliverDue(startingWithin: ActionLayer.commandDeliveryWait)
        if let line = Output.deliveries(pass) { print(line) }
    }
}
