import ArgumentParser
import Foundation
import Logging
import TollGuardCore
import TollGuardHooks

struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Replay stored calls through the analyzers and raise alerts.",
        discussion: """
            Analyzes the calls that started in [--from, --to), by default the previous day in the site's time zone. \
            Calls before --from are replayed first (up to history_days) so windows, quotas and histories are whole. \
            Re-running over the same or an overlapping period updates the alerts it continues and opens none twice. \
            New and escalated alerts then go through the suspension policy and to the hooks ([suspension], \
            [[hooks]]); the outbox is delivered before the command ends.

            On a node of a cluster (database.url set) it analyzes the node's own store, the calls of the \
            switches the node watches, and says so: the cluster's calls are analyzed as they arrive by its \
            leading analyzer (tollguard cluster status, tollguard alerts, tollguard report). With --cluster it \
            checks that analysis instead: the cluster's calls of the period, as its analyzer took them, are \
            replayed through a new engine (the configuration's analyzers, the node's copy of the cluster's \
            lists, the cluster's quotas) and each alert found is looked for among the cluster's: same rule, \
            subject and window, seen over an overlapping time, as severe or more. Nothing is written.

            Exit status: 0 on success, 1 on an error, 4 when the period held no call while the store holds \
            earlier ones (the period's CDRs did not arrive: watch for it in the nightly job), 5 (--cluster) \
            when the replay found an alert the cluster lacks or holds at a lower severity.
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var period: PeriodOptions

    @OptionGroup var output: OutputOptions

    @Flag(help: "Write no report (default: one per analyzed day, see reports.enabled).")
    var noReport = false

    @Option(help: "Folder for the reports (default: reports.directory).")
    var reports: String?

    @Flag(
        help: "On a node of a cluster: check the cluster's live analysis against a replay of its calls; write nothing.")
    var cluster = false

    func run() async throws {
        let configuration = try global.loadConfiguration().configuration
        let zone = global.siteTimeZone(configuration)
        let period = try self.period.period(in: zone, global: global)
        if cluster {
            try await checkCluster(configuration, zone: zone, from: period.from, to: period.to)
            return
        }
        let database = try global.openDatabase(configuration)
        let countryNames = try global.numberingPlan().countryNames
        let run = AnalysisRun(
            database: database, configuration: configuration, timeZone: zone, countryNames: countryNames)
        let report = try run.run(from: period.from, to: period.to)
        if configuration.database.postgresURL != nil {
            FileHandle.standardError.write(
                Data(
                    ("note: this node's own store was analyzed (the calls of the switches it watches); the "
                        + "cluster's calls are analyzed as they arrive by its leading analyzer: see tollguard cluster "
                        + "status, tollguard alerts and tollguard report; tollguard analyze --cluster checks that "
                        + "analysis\n").utf8))
        }
        let round = try await ActionLayer(
            database: database, configuration: configuration, logger: Logger(label: "tollguard.analyze")
        ).act()
        let newAlerts = try report.changes.newIDs.compactMap { try database.alert(id: $0) }
        var reportPaths: [String] = []
        if configuration.reports.enabled && !noReport {
            let builder = ReportBuilder(
                database: database, configuration: configuration, timeZone: zone, countryNames: countryNames)
            reportPaths = try builder.writeDailyReports(
                from: period.from, to: period.to,
                with: ReportWriter(folder: URL(fileURLWithPath: reports ?? configuration.reports.directory)))
        }
        let pass = round.delivery
        if output.json {
            var answer = AnalysisAnswer(report, newAlerts: newAlerts)
            answer.reports = reportPaths
            answer.suspended = round.actions.suspended
            answer.wouldSuspend = round.actions.wouldSuspend
            answer.hooks = .init(delivered: pass.delivered, retrying: pass.retrying, failed: pass.failed)
            answer.dialPlanWarning = report.dialPlanWarning(configuration.dialplan.site)
            answer.blindPeriodWarning = report.blindPeriod?.warning(in: zone)
            try printJSON(answer)
            try exitIfBlind(report, zone: zone)
            return
        }
        let time = LocalTimeFormatter(timeZone: zone)
        let summarizer = global.summarizer(configuration)
        print(
            "analyzed \(Plural.of(report.callsAnalyzed, "call")) from \(time.minutes(period.from)) to "
                + "\(time.minutes(period.to)) (\(zone.identifier)), after \(Plural.of(report.callsWarmingUp, "earlier call")) "
                + "of history, in "
                + "\(report.elapsed.secondsText) s (replay \(report.replayTime.secondsText) s, alerts \(report.storeTime.secondsText) s)"
        )
        if report.callsAnalyzed == 0,
            let hint = try EmptyPeriodHint.message(database: database, zone: zone, verb: "analyze")
        {
            print(hint)
        }
        print(
            "alerts: \(report.changes.newCount) new\(Output.bySeverity(report.changes.new)), "
                + "\(report.changes.updatedCount) updated\(Output.bySeverity(report.changes.updated)), "
                + "\(report.changes.unchanged) unchanged, \(report.changes.suppressed) suppressed (false positives)")
        if let warning = report.dialPlanWarning(configuration.dialplan.site) { print("warning: \(warning)") }
        if !report.topAccounts.isEmpty {
            print("\ntop accounts by spend:")
            var table = TextTable("ACCOUNT", "CALLS", "SPEND")
            for spender in report.topAccounts {
                table.append([
                    spender.subject.spenderLabel, String(spender.calls), summarizer.money(spender.costMicros),
                ])
            }
            print(table.render())
        }
        if !newAlerts.isEmpty {
            print("\nnew alerts:")
            print(TextTable.alerts(newAlerts).render())
        }
        Output.printActions(round, zone: zone)
        if !reportPaths.isEmpty {
            print("\nreports (with .json and -alerts.csv beside each):")
            for path in reportPaths { print("  \(path)") }
        }
        try exitIfBlind(report, zone: zone)
    }

    /// Exit status 4, with the warning on standard error, when the period went unanalysed.
    private func exitIfBlind(_ report: AnalysisReport, zone: TimeZone) throws {
        guard let blind = report.blindPeriod else { return }
        FileHandle.standardError.write(Data("tollguard analyze: warning: \(blind.warning(in: zone))\n".utf8))
        throw ExitCode(4)
    }
}

/// `analyze --json`.
struct AnalysisAnswer: Encodable {
    var from: String
    var to: String
    var callsAnalyzed: Int
    var callsHistory: Int
    var findings: Int
    var newAlerts: [String: Int]
    var updatedAlerts: [String: Int]
    var unchangedAlerts: Int
    var suppressed: Int
    var alerts: [AlertJSON]
    var topAccounts: [AccountSpend]
    var elapsedSeconds: Double
    var reports: [String] = []
    var suspended: [Suspension] = []
    var wouldSuspend: [Suspension] = []
    var hooks = Hooks(delivered: 0, retrying: 0, failed: 0)
    /// Set when the period held no call while the store holds earlier ones (exit status 4).
    var blindPeriodWarning: String?
    /// Set when many answered calls went to numbers the dial plan reads as invalid.
    var dialPlanWarning: String?

    struct Hooks: Encodable {
        var delivered: Int
        var retrying: Int
        var failed: Int
    }

    struct AccountSpend: Encodable {
        var account: String
        var subjectType: Subject.Kind
        var calls: Int
        var spend: MetricValue

        enum CodingKeys: String, CodingKey {
            case account, calls, spend
            case subjectType = "subject_type"
        }
    }

    init(_ report: AnalysisReport, newAlerts: [StoredAlert]) {
        from = CivilTime.utcText(report.from) + "Z"
        to = CivilTime.utcText(report.to) + "Z"
        callsAnalyzed = report.callsAnalyzed
        callsHistory = report.callsWarmingUp
        findings = report.findings
        self.newAlerts = Dictionary(uniqueKeysWithValues: report.changes.new.map { ($0.key.name, $0.value) })
        updatedAlerts = Dictionary(uniqueKeysWithValues: report.changes.updated.map { ($0.key.name, $0.value) })
        unchangedAlerts = report.changes.unchanged
        suppressed = report.changes.suppressed
        alerts = newAlerts.map { AlertJSON($0, calls: nil) }
        topAccounts = report.topAccounts.map {
            AccountSpend(
                account: $0.subject.value, subjectType: $0.subject.kind, calls: $0.calls, spend: .money($0.costMicros))
        }
        elapsedSeconds = report.elapsed.seconds
    }

    enum CodingKeys: String, CodingKey {
        case from, to, findings, suppressed, alerts, reports, suspended, hooks
        case wouldSuspend = "would_suspend"
        case callsAnalyzed = "calls_analyzed"
        case callsHistory = "calls_history"
        case newAlerts = "new_alerts"
        case updatedAlerts = "updated_alerts"
        case unchangedAlerts = "unchanged_alerts"
        case topAccounts = "top_accounts"
        case elapsedSeconds = "elapsed_seconds"
        case dialPlanWarning = "dial_plan_warning"
        case blindPeriodWarning = "blind_period_warning"
    }
}
