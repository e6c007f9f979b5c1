import Foundation

/// The SIP attack watcher: security-log entries in, alerts about addresses (in the common
/// store, acted on like every alert — hooks get `alert` events with `TOLLGUARD_IP`) and ban-log
/// lines out.
///
/// `logs scan` feeds it whole files, `logs follow` what the files grow by; both
/// ``commit(now:)`` what they fed.
package struct SIPWatch {
    /// What one commit stored and wrote.
    package struct Commit: Sendable {
        package var changes = AlertChanges()
        /// Bans written to the ban log (one per address per commit).
        package var bans: [SIPAttackDetector.Ban] = []

        package init() {}
    }

    package let settings: SIPWatchSettings
    private let database: TollGuardDatabase
    private let summarizer: AlertSummarizer
    private let banLog: BanLog?
    private var detector: SIPAttackDetector
    private var aggregator: AlertAggregator
    private var bans: [SIPAttackDetector.Ban] = []
    private var lastTime: Date?
    /// The process named in new alerts' history.
    private let raisedBy: String

    /// A watch storing into `database`.
    ///
    /// `banLog` overrides `sip_watch.ban_log`; an empty path writes no ban log. `raisedBy` names
    /// the process in new alerts' history.
    package init(
        database: TollGuardDatabase, configuration: TollGuardConfiguration, timeZone: TimeZone, banLog: String? = nil,
        raisedBy: String = "logs scan"
    ) throws {
        self.database = database
        self.raisedBy = raisedBy
        settings = configuration.sipWatch
        summarizer = AlertSummarizer(timeZone: timeZone, currency: configuration.rating.currency, countryNames: [:])
        let path = banLog ?? settings.banLog
        self.banLog = path.isEmpty ? nil : BanLog(path: path)
        detector = SIPAttackDetector(settings: settings, badIPs: FraudLists(try database.fraudLists()))
        aggregator = AlertAggregator(evidenceLimit: settings.maxEvidenceLines)
    }

    /// Whether `address` is on `sip_watch.ignore`.
    package func isIgnored(_ address: String) -> Bool { detector.isIgnored(address) }

    /// Judges one entry of `file`.
    ///
    /// A line without a time takes the last time seen (or now).
    package mutating func consume(_ entry: SecurityLogEntry, file: String) -> SIPAttackDetector.Outcome {
        guard case .event(let event) = entry.reading else { return SIPAttackDetector.Outcome() }
        let time = event.time ?? lastTime ?? Date()
        lastTime = time
        let evidence = EvidenceLogLine(file: file, line: entry.line, time: time, text: entry.text)
        let outcome = detector.observe(event, evidence: evidence)
        for finding in outcome.findings { aggregator.add(finding) }
        bans += outcome.bans
        return outcome
    }

    /// Appends the bans to the ban log and stores the alerts of what was consumed since the last
    /// commit; acting on the alerts is the action layer's next step.
    package mutating func commit(now: Date = Date()) throws -> Commit {
        var commit = Commit()
        commit.bans = try writeBans(now: now)
        commit.changes = try storeAlerts(now: now)
        return commit
    }

    /// ``commit(now:)`` without holding a thread of the cooperative pool while the store is busy.
    package mutating func commit(now: Date = Date()) async throws -> Commit {
        var commit = Commit()
        commit.bans = try writeBans(now: now)
        commit.changes = try await storeAlerts(now: now)
        return commit
    }

    /// Appends the bans found since the last call to the ban log: a file, not the store, so bans
    /// go out while the store refuses writes.
    ///
    /// Bans the log refused are kept for the next call.
    package mutating func writeBans(now: Date = Date()) throws -> [SIPAttackDetector.Ban] {
        defer { if banLog == nil { bans = [] } }
        guard let banLog, !bans.isEmpty else { return [] }
        let written = try banLog.append(bans, at: now)
        bans = []
        return written
    }

    /// Stores the alerts of what was consumed since the last call; a refused write keeps them
    /// for the next call.
    package mutating func storeAlerts(now: Date = Date()) throws -> AlertChanges {
        let drafts = aggregator.drafts
        guard !drafts.isEmpty else { return AlertChanges() }
        let changes = try database.apply(
            drafts, summarizer: summarizer, evidenceLimit: settings.maxEvidenceLines, raisedBy: raisedBy,
            now: now)
        aggregator = AlertAggregator(evidenceLimit: settings.maxEvidenceLines)
        return changes
    }

    /// ``storeAlerts(now:)`` without holding a thread of the cooperative pool while the store is busy.
    package mutating func storeAlerts(now: Date = Date()) async throws -> AlertChanges {
        let drafts = aggregator.drafts
        guard !drafts.isEmpty else { return AlertChanges() }
        let changes = try await database.apply(
            drafts, summarizer: summarizer, evidenceLimit: settings.maxEvidenceLines, raisedBy: raisedBy,
            now: now)
        aggregator = AlertAggregator(evidenceLimit: settings.maxEvidenceLines)
        return changes
    }
}
