import Foundation

/// What one `analyze` run did.
package struct AnalysisReport: Sendable {
    package var from: Date
    package var to: Date
    /// Calls that started in the period.
    package var callsAnalyzed = 0
    /// Calls replayed before the period so windows and histories were complete.
    package var callsWarmingUp = 0
    /// Of `callsAnalyzed`: the answered ones, and those of them whose number the dial plan reads as invalid.
    package var callsAnswered = 0
    package var answeredToInvalidNumbers = 0
    package var findings = 0
    package var changes = AlertChanges()
    /// The largest spenders: accounts, and callers of a public context (`Subject.Kind.caller`).
    package var topAccounts: [(subject: Subject, calls: Int, costMicros: Int64)] = []
    package var elapsed: Duration = .zero
    /// Of `elapsed`: replaying calls through the engine (reading them included), and storing alerts.
    package var replayTime: Duration = .zero
    package var storeTime: Duration = .zero
    /// Set when the period held no call while the store holds earlier ones.
    package var blindPeriod: BlindPeriod?

    /// Whether the dial plan seems not to be the site's: an answered call reached a real number,
    /// so many answered calls to "invalid" numbers mean the digits are read with the wrong home
    /// region or outside-line prefix — and such calls go unpriced, past the destination-class,
    /// premium, hotspot and quota checks. (A route scan's probes are invalid too, but they fail.)
    package var dialPlanLooksWrong: Bool {
        answeredToInvalidNumbers >= 3 && answeredToInvalidNumbers * 10 >= callsAnswered
    }

    /// What to tell the admin when the dial plan seems not to be the site's (`dialPlanLooksWrong`).
    package func dialPlanWarning(_ plan: DialPlan) -> String? {
        guard dialPlanLooksWrong else { return nil }
        let prefixes = plan.outsideLinePrefixes.isEmpty ? "none" : plan.outsideLinePrefixes.joined(separator: ", ")
        return "\(answeredToInvalidNumbers) of \(callsAnswered) answered calls went to numbers the dial "
            + "plan reads as invalid (home_region \(plan.homeRegion), outside-line prefixes: \(prefixes)). An answered "
            + "call reached a real number: check [dialplan] home_region and outside_line_prefixes (tollguard classify "
            + "NUMBER shows how a number is read). Until then these calls are unpriced and escape the destination-class, "
            + "premium, hotspot and quota checks."
    }
}

/// The nightly analysis: replays the stored calls of a period through the analyzer engine —
/// starting early by the engine's reach so every window is whole — and stores the alerts.
///
/// Incremental and idempotent: a second run over the same or an overlapping period updates
/// the alerts it continues and opens none twice.
package struct AnalysisRun: Sendable {
    package let database: TollGuardDatabase
    package let configuration: TollGuardConfiguration
    package let timeZone: TimeZone
    package let countryNames: [String: String]

    package init(
        database: TollGuardDatabase, configuration: TollGuardConfiguration, timeZone: TimeZone,
        countryNames: [String: String]
    ) {
        self.database = database
        self.configuration = configuration
        self.timeZone = timeZone
        self.countryNames = countryNames
    }

    /// The engine with the configured settings, the stored fraud lists and quotas.
    package func makeEngine() throws -> AnalysisEngine {
        AnalysisEngine.standard(
            settings: configuration.analysis, timeZone: timeZone, fraudLists: FraudLists(try database.fraudLists()),
            quotas: try database.quotaTable(), raises: try database.quotaRaises(),
            strongHotspots: try NumberingPlan.builtIn.get().hotspots.prefixes(
                namedByAtLeast: configuration.analysis.hotspotMinSources))
    }

    /// Analyzes calls that started in `[from, to)` and stores the alerts.
    ///
    /// Acting on them (the suspension policy, hook events, their delivery) is the action layer's
    /// step after this one: it takes every alert new or more severe since it last acted.
    package func run(from: Date, to: Date, now: Date = Date()) throws -> AnalysisReport {
        let clock = ContinuousClock()
        let started = clock.now
        var engine = try makeEngine()
        var aggregator = AlertAggregator(evidenceLimit: configuration.analysis.maxEvidenceCalls)
        var report = AnalysisReport(from: from, to: to)
        func collect(_ findings: [Finding]) {
            for finding in findings where finding.time >= from && finding.time < to {
                report.findings += 1
                aggregator.add(finding)
            }
        }
        try database.forEachObservedCall(from: from.addingTimeInterval(-engine.reach), to: to) { call in
            if call.startedAt >= from {
                report.callsAnalyzed += 1
                if call.isAnswered {
                    report.callsAnswered += 1
                    if call.destinationClass == .invalid { report.answeredToInvalidNumbers += 1 }
                }
            } else {
                report.callsWarmingUp += 1
            }
            collect(engine.replay(call))
        }
        collect(engine.finish())
        report.replayTime = clock.now - started
        let summarizer = AlertSummarizer(
            timeZone: timeZone, currency: configuration.rating.currency, countryNames: countryNames)
        report.changes = try database.apply(
            aggregator.drafts, summarizer: summarizer, evidenceLimit: configuration.analysis.maxEvidenceCalls,
            raisedBy: "analyze", now: now)
        report.storeTime = clock.now - started - report.replayTime
        report.topAccounts = try database.spendByAccount(
            from: from, to: to, publicContexts: configuration.analysis.publicContexts, limit: 5)
        if report.callsAnalyzed == 0 { report.blindPeriod = try database.blindPeriod(from: from, to: to) }
        report.elapsed = clock.now - started
        try database.recordAnalysisRun(
            from: from, to: to, started: now, finished: Date(), calls: report.callsAnalyzed, findings: report.findings,
            changes: report.changes)
        return report
    }

    /// The local day before the one `now` falls in, as `[start, end)`.
    package static func previousDay(before now: Date, in timeZone: TimeZone) -> (from: Date, to: Date) {
        let today = LocalClock.day(containing: now, in: timeZone).from
        return (LocalClock.adding(days: -1, to: today, in: timeZone), today)
    }
}
