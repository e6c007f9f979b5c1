import ArgumentParser
import Foundation
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
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Start (site time): YYYY-MM-DD or \"YYYY-MM-DD HH:MM\". Default: yesterday 00:00.")
    var from: String?

    @Option(help: "End, exclusive (site time). Default: the day after --from, or today 00:00.")
    var to: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "Write no report (default: one per analyzed day, see reports.enabled).")
    var noReport = false

    @Option(help: "Folder for the reports (default: reports.directory).")
    var reports: String?

    func run() async throws {
        let configuration = try global.loadConfiguration().configuration
        let zone = global.siteTimeZone(configuration)
        var period = AnalysisRun.previousDay(before: Date(), in: zone)
        if let from {
            period.from = try global.localDate(from, option: "--from", zone: zone)
            period.to = LocalClock.adding(days: 1, to: period.from, in: zone)
        }
        if let to { period.to = try global.localDate(to, option: "--to", zone: zone) }
        guard period.from < period.to else { throw ValidationError("--from must be before --to") }
        let database = try global.openDatabase(configuration)
        let run = AnalysisRun(
            database: database, configuration: configuration, timeZone: zone,
            countryNames: try global.numberingPlan().countryNames)
        let report = try run.run(from: period.from, to: period.to)
        let newAlerts = try report.changes.newIDs.compactMap { try database.alert(id: $0) }
        var reportPaths: [String] = []
        if configuration.reports.enabled && !noReport {
            // One report per local day analyzed that has calls (the last 31 of them at most); an
            // empty period still gets its last day's report, saying so.
            let calls = try database.callStartRange(from: period.from, to: period.to)
            let lastDay = calls.map { LocalClock.day(containing: $0.last, in: zone).from } ?? period.to
            let end = min(period.to, calls == nil ? period.to : LocalClock.adding(days: 1, to: lastDay, in: zone))
            var day = max(
                period.from, calls.map { LocalClock.day(containing: $0.first, in: zone).from } ?? period.from,
                LocalClock.adding(days: -31, to: end, in: zone))
            if calls == nil { day = max(period.from, LocalClock.adding(days: -1, to: end, in: zone)) }
            let countryNames = try global.numberingPlan().countryNames
            while day < end {
                let next = min(LocalClock.adding(days: 1, to: day, in: zone), end)
                reportPaths += try ReportCommand.write(
                    database: database, configuration: configuration, zone: zone, from: day, to: next,
                    folder: reports ?? configuration.reports.directory, countryNames: countryNames
                ).prefix(1)
                day = next
            }
        }
        let pass = try await HooksCommand.deliver(database: database, configuration: configuration, quiet: true)
        if json {
            var answer = AnalysisAnswer(report, newAlerts: newAlerts)
            answer.reports = reportPaths
            answer.suspended = report.actions.suspended
            answer.wouldSuspend = report.actions.wouldSuspend
            answer.hooks = .init(delivered: pass.delivered, retrying: pass.retrying, failed: pass.failed)
            answer.dialPlanWarning = Self.dialPlanWarning(report, configuration.dialplan.site)
            try printJSON(answer)
            return
        }
        let time = LocalTimeFormatter(timeZone: zone)
        let summarizer = AlertSummarizer(timeZone: zone, currency: configuration.rating.currency, countryNames: [:])
        print(
            "analyzed \(report.callsAnalyzed) calls from \(time.minutes(period.from)) to \(time.minutes(period.to)) "
                + "(\(zone.identifier)), after \(report.callsWarmingUp) earlier calls of history, in "
                + "\(report.elapsed.secondsText) s (replay \(report.replayTime.secondsText) s, alerts \(report.storeTime.secondsText) s)"
        )
        if report.callsAnalyzed == 0,
            let hint = try EmptyPeriodHint.message(database: database, zone: zone, verb: "analyze")
        {
            print(hint)
        }
        print(
            "alerts: \(report.changes.newCount) new\(Self.bySeverity(report.changes.new)), "
                + "\(report.changes.updatedCount) updated\(Self.bySeverity(report.changes.updated)), "
                + "\(report.changes.unchanged) unchanged, \(report.changes.suppressed) suppressed (false positives)")
        if let warning = Self.dialPlanWarning(report, configuration.dialplan.site) { print("warning: \(warning)") }
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
            print(AlertsCommand.table(newAlerts).render())
        }
        Self.printActions(report, pass: pass, zone: zone)
        if !reportPaths.isEmpty {
            print("\nreports (with .json and -alerts.csv beside each):")
            for path in reportPaths { print("  \(path)") }
        }
    }

    /// What to tell the admin when the dial plan seems not to be the site's (`dialPlanLooksWrong`).
    static func dialPlanWarning(_ report: AnalysisReport, _ plan: DialPlan) -> String? {
        guard report.dialPlanLooksWrong else { return nil }
        let prefixes = plan.outsideLinePrefixes.isEmpty ? "none" : plan.outsideLinePrefixes.joined(separator: ", ")
        return "\(report.answeredToInvalidNumbers) of \(report.callsAnswered) answered calls went to numbers the dial "
            + "plan reads as invalid (home_region \(plan.homeRegion), outside-line prefixes: \(prefixes)). An answered "
            + "call reached a real number: check [dialplan] home_region and outside_line_prefixes (tollguard classify "
            + "NUMBER shows how a number is read). Until then these calls are unpriced and escape the destination-class, "
            + "premium, hotspot and quota checks."
    }

    /// Suspensions made, would-be suspensions (report-only), expiries and the hook deliveries.
    static func printActions(_ report: AnalysisReport, pass: DeliveryPass, zone: TimeZone) {
        let actions = report.actions
        if !actions.suspended.isEmpty {
            print("\nsuspended by the policy:")
            print(SuspensionsCommand.table(actions.suspended, zone: zone).render())
        }
        if !actions.wouldSuspend.isEmpty {
            print("\nwould suspend (suspension.mode = report-only; nothing suspended):")
            print(SuspensionsCommand.table(actions.wouldSuspend, zone: zone).render())
        }
        for suspension in report.expired {
            print(TextTable.printable("suspension \(suspension.id) of \(suspension.account) expired; lifted"))
        }
        if actions.joinedExisting > 0 {
            print("\(actions.joinedExisting) alerts added to suspensions already in force (no hook runs twice)")
        }
        if let line = HooksCommand.summary(pass) { print(line) }
    }

    static func bySeverity(_ counts: [Severity: Int]) -> String {
        let parts = Severity.allCases.reversed().compactMap { severity in
            counts[severity].map { "\($0) \(severity.name)" }
        }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
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
    var alerts: [AlertAnswer]
    var topAccounts: [AccountSpend]
    var elapsedSeconds: Double
    var reports: [String] = []
    var suspended: [Suspension] = []
    var wouldSuspend: [Suspension] = []
    var hooks = Hooks(delivered: 0, retrying: 0, failed: 0)
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
        alerts = newAlerts.map { AlertAnswer($0, calls: nil) }
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
    }
}
