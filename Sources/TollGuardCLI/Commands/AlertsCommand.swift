import ArgumentParser
import Foundation
import Logging
import TollGuardCluster
import TollGuardCore
import TollGuardHooks

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Review fraud alerts: list, show, acknowledge, resolve, mark false positives, reopen.",
        discussion: """
            On a node of a cluster (database.url set), list and show read the cluster's alerts, those its \
            analyzer raised from every switch's calls, and ack, resolve, false-positive and reopen change them (a \
            false positive keeps the cluster's analyzer quiet for the alert's rule and subject); --local reads \
            and changes this node's own store instead.
            """,
        subcommands: [List.self, Show.self, Acknowledge.self, Resolve.self, FalsePositive.self, Reopen.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List alerts, most severe and most recent first.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "This node's own alerts, not its cluster's (with database.url set).")
        var local = false

        @Option(help: "The alerts in this state, or all (default: open and acknowledged).")
        var state: AlertStateChoice?

        @Option(help: "The alerts of this severity or higher.")
        var severity: Severity?

        @Option(help: "Only alerts seen since this site time (YYYY-MM-DD or \"YYYY-MM-DD HH:MM\").")
        var since: String?

        @Option(help: "At most this many alerts.")
        var limit: Int?

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            var filter = AlertFilter(limit: limit)
            filter.states = state?.states ?? [.open, .acknowledged]
            filter.minimumSeverity = severity
            if let since {
                filter.since = try global.localDate(since, option: "--since", zone: global.siteTimeZone(configuration))
            }
            if !local, let cluster = try ClusterAccess(configuration, application: "alerts list") {
                let (summarizer, filter) = (global.summarizer(configuration), filter)
                let reviewed = try await cluster.onPrimary(to: "list its alerts") { store in
                    try await store.reviewedAlerts(filter, summarizer: summarizer)
                }
                try show(reviewed.map(\.alert), calls: reviewed.map(\.evidence), configuration: configuration) {
                    "the cluster's alerts (\(cluster.url)); --local: this node's own"
                }
                return
            }
            let database = try global.openStoreToRead(configuration)
            let alerts = try database.alerts(filter)
            try show(alerts, calls: try alerts.map { try database.alertCalls(id: $0.id) }, configuration: configuration)
        }

        /// Prints `alerts` (JSON: each with its `calls`), after `heading` in text.
        private func show(
            _ alerts: [StoredAlert], calls: [[AlertCall]], configuration: TollGuardConfiguration,
            heading: () -> String? = { nil }
        ) throws {
            if output.json {
                try printJSON(zip(alerts, calls).map { AlertJSON($0, calls: $1) })
                return
            }
            if let heading = heading() { print(TextTable.printable(heading)) }
            if alerts.isEmpty {
                print("no alerts")
            } else {
                print(
                    TextTable.alerts(alerts, zone: global.siteTimeZone(configuration), width: TextTable.terminalWidth)
                        .render())
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one alert with its metrics, history and evidence calls.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Alert id.")
        var id: Int64

        @Flag(help: "This node's own alert of that id, not its cluster's (with database.url set).")
        var local = false

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            if !local, let cluster = try ClusterAccess(configuration, application: "alerts show") {
                try await showClusters(cluster, configuration: configuration)
                return
            }
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
            printHead(alert, configuration: configuration)
            if let assignee = alert.assignee { print(TextTable.printable("assigned:   \(assignee)")) }
            if alert.isSnoozed(at: Date()), let snooze = alert.snooze { print("snoozed:    \(snooze)") }
            if alert.subject.kind == .account {
                printSuspension(try database.activeSuspension(account: alert.subject.value), time: time)
            }
            printMetrics(alert)
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
            printEvidence(calls, of: alert, configuration: configuration)
        }

        /// The cluster's alert of this id: what its analyzer merged from every switch's calls.
        private func showClusters(_ cluster: ClusterAccess, configuration: TollGuardConfiguration) async throws {
            let (id, summarizer) = (self.id, global.summarizer(configuration))
            let (found, inForce) = try await cluster.onPrimary(to: "show its alert \(id)") { store in
                (try await store.reviewedAlert(id: id, summarizer: summarizer), try await store.suspensionsInForce())
            }
            guard let found else {
                throw CommandFailure(
                    "the cluster has no alert \(id) (\(cluster.url)); --local shows this node's own alert \(id)")
            }
            let alert = found.alert
            if output.json {
                try printJSON(AlertJSON(alert, calls: found.evidence))
                return
            }
            print(TextTable.printable("the cluster's alert (\(cluster.url)); --local: this node's own"))
            printHead(alert, configuration: configuration)
            if alert.subject.kind == .account {
                printSuspension(
                    inForce.first { $0.account == alert.subject.value },
                    time: LocalTimeFormatter(timeZone: global.siteTimeZone(configuration)))
            }
            printMetrics(alert)
            printEvidence(found.evidence, of: alert, configuration: configuration)
        }

        private func printHead(_ alert: StoredAlert, configuration: TollGuardConfiguration) {
            let zone = global.siteTimeZone(configuration)
            let time = LocalTimeFormatter(timeZone: zone)
            print("alert \(alert.id): \(alert.severity.name) \(alert.rule), \(alert.state.rawValue)")
            print(TextTable.printable(alert.summary))
            print("subject:    \(alert.subject.kind.rawValue) \(TextTable.printable(alert.subject.value))")
            print(
                "seen:       \(time.minutes(alert.firstSeen)) – \(time.minutes(alert.lastSeen)) (\(zone.identifier))"
            )
            print("calls:      \(alert.callCount), \(global.summarizer(configuration).money(alert.costMicros))")
        }

        private func printSuspension(_ suspension: Suspension?, time: LocalTimeFormatter) {
            guard let suspension else {
                print("suspended:  no")
                return
            }
            print(
                TextTable.printable(
                    "suspended:  yes, since \(time.minutes(suspension.since)) (suspension \(suspension.id), by "
                        + "\(suspension.actor))"
                        + (suspension.until.map { ", until \(time.minutes($0))" } ?? "")))
        }

        private func printMetrics(_ alert: StoredAlert) {
            for (name, value) in alert.metrics.sorted(by: { $0.key < $1.key }) {
                print(
                    "\(name + ":")\(String(repeating: " ", count: max(1, 12 - name.count)))\(TextTable.printable(value.description))"
                )
            }
        }

        /// The evidence calls, with a switch column and totals by switch where named switches carried them.
        private func printEvidence(_ calls: [AlertCall], of alert: StoredAlert, configuration: TollGuardConfiguration) {
            let time = LocalTimeFormatter(timeZone: global.siteTimeZone(configuration))
            let summarizer = global.summarizer(configuration)
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

    @Flag(help: "This node's own alert of that id, not its cluster's (with database.url set).")
    var local = false

    /// Applies `change` through the action layer (journaled; hooks taking `alert_changed` hear of it).
    ///
    /// On a node of a cluster, `alerts list` shows the cluster's alerts, so an id is the
    /// cluster's alert of that id unless `--local` says this node's own.
    func apply(_ change: AlertChange) async throws {
        let configuration = try global.loadConfiguration().configuration
        if !local, let cluster = try ClusterAccess(configuration, application: "alerts") {
            try await apply(change, toTheAlertOf: cluster, configuration: configuration)
            return
        }
        let database = try global.openStoreToRead(configuration)
        let actions = ActionLayer(
            database: database, configuration: configuration, logger: Logger(label: "tollguard.alerts"))
        let result = try await actions.changeAlerts([id], change, actor: GlobalOptions.actor(by), comment: comment)
        if let refused = result.refused.first { throw CommandFailure(refused.error.description) }
        for outcome in result.changed {
            print(TextTable.printable(Self.changed(outcome, configuration: configuration)))
        }
        let pass = try await actions.deliverDue(startingWithin: ActionLayer.commandDeliveryWait)
        if let line = Output.deliveries(pass) { print(line) }
    }

    /// `alert 12 is now false_positive (test calls); …`: what a change made of an alert.
    private static func changed(_ outcome: AlertChangeOutcome, configuration: TollGuardConfiguration) -> String {
        let alert = outcome.after
        var line = "alert \(alert.id) is now \(outcome.entry.after ?? alert.state.rawValue)"
        if alert.state == .falsePositive {
            line +=
                "; \(alert.rule) stays quiet for \(alert.subject.kind.rawValue) \(alert.subject.value) "
                + "for \(Int(configuration.analysis.falsePositiveSuppressHours)) h"
        }
        return line
    }

    /// Applies `change` to the cluster's alert `id` (journaled in the cluster; its
    /// `alert_changed` event delivered by the leading analyzer).
    private func apply(
        _ change: AlertChange, toTheAlertOf cluster: ClusterAccess, configuration: TollGuardConfiguration
    ) async throws {
        let (summarizer, hooks, actor, id, comment) = (
            global.summarizer(configuration), configuration.hooks, GlobalOptions.actor(by), id, comment
        )
        let quiet = configuration.analysis.falsePositiveSuppressHours * 3600
        let result = try await cluster.onPrimary(to: "change its alert \(id)") { store in
            try await store.changeAlerts(
                [id], change, actor: actor, comment: comment, suppressFor: quiet, hooks: hooks, summarizer: summarizer)
        }
        if let refused = result.refused.first {
            throw CommandFailure(
                "\(refused.error) in the cluster (\(cluster.url)); --local changes this node's own alert")
        }
        for outcome in result.changed {
            print(TextTable.printable("the cluster's " + Self.changed(outcome, configuration: configuration)))
        }
    }
}
