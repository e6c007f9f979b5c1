import Foundation
import TollGuardCore

/// The console's records in the cluster store, the same on every node.
///
/// The cluster's alerts, quotas, suspensions and spend over every switch, and its people: one
/// login works on each node. People's changes queue their hook events in the cluster's outbox;
/// the leading analyzer delivers them.
package struct ClusterConsoleStore: ConsoleStore {
    let primary: ClusterPrimary
    let summarizer: AlertSummarizer
    /// The site's time zone: the days spend counts.
    let timeZone: TimeZone
    /// The hooks and the false positives' quiet time in force (a reload shows at once).
    let actions: @Sendable () -> ActionSettings

    package init(
        primary: ClusterPrimary, summarizer: AlertSummarizer, timeZone: TimeZone,
        actions: @escaping @Sendable () -> ActionSettings
    ) {
        self.primary = primary
        self.summarizer = summarizer
        self.timeZone = timeZone
        self.actions = actions
    }

    private func store() async throws -> ClusterStore { try await primary.store() }

    package func user(named name: String) async throws -> ConsoleUser? { try await store().user(named: name) }

    package func users() async throws -> [ConsoleUser] { try await store().users() }

    package func session(tokenHash: String, now: Date) async throws -> (user: ConsoleUser, csrfToken: String)? {
        try await store().session(tokenHash: tokenHash, now: now)
    }

    package func startSession(user: String, tokenHash: String, csrfToken: String, expires: Date, now: Date)
        async throws
    {
        try await store().startSession(
            user: user, tokenHash: tokenHash, csrfToken: csrfToken, expires: expires, now: now)
    }

    package func endSession(tokenHash: String, now: Date) async throws {
        try await store().endSession(tokenHash: tokenHash, now: now)
    }

    package func markQueueSeen(user: String, upTo newest: Int64) async throws -> Int64 {
        try await store().markQueueSeen(user: user, upTo: newest)
    }

    package func record(_ entry: JournalEntry) async throws { try await store().record(entry) }

    package func journal(subjectType: String?, subject: String?, actor: String?, actionPrefix: String?, limit: Int)
        async throws -> [JournalEntry]
    {
        try await store().latestJournal(
            subjectType: subjectType, subject: subject, actor: actor, actionPrefix: actionPrefix, limit: limit)
    }

    package func reviewQueue(
        _ tab: ReviewTab, filter: ReviewFilter, user: String, now: Date, analysis: AnalysisSettings,
        timeZone: TimeZone, offset: Int, limit: Int?
    ) async throws -> ReviewQueue {
        try await store().reviewQueue(
            tab, filter: filter, user: user, now: now, analysis: analysis, timeZone: timeZone, offset: offset,
            limit: limit, summarizer: summarizer)
    }

    package func reviewCounts(user: String, now: Date) async throws -> [ReviewTab: Int] {
        try await store().reviewCounts(user: user, now: now)
    }

    package func newestAlertID() async throws -> Int64 { try await store().newestAlertID() }

    package func alertChangeMark() async throws -> AlertChangeMark { try await store().alertChangeMark() }

    package func alertsChanged(since mark: AlertChangeMark?, limit: Int) async throws -> (
        [AlertChangeSinceMark], AlertChangeMark
    ) {
        try await store().alertsChanged(since: mark, limit: limit, summarizer: summarizer)
    }

    package func alerts(raisedAfter id: Int64, limit: Int) async throws -> [StoredAlert] {
        try await store().alerts(raisedAfter: id, limit: limit, summarizer: summarizer)
    }

    package func alertRules() async throws -> [String] { try await store().alertRules() }

    package func alertWithCalls(id: Int64) async throws -> (alert: StoredAlert, calls: [AlertCall])? {
        try await store().reviewedAlert(id: id, summarizer: summarizer).map { ($0.alert, $0.evidence) }
    }

    /// None: the cluster keeps an alert's calls, not the log lines a node's security log showed.
    package func alertLogLines(id: Int64) async throws -> [EvidenceLogLine] { [] }

    package func alerts(ofSubject subject: Subject, limit: Int) async throws -> [StoredAlert] {
        try await store().alerts(ofSubjects: [subject], limit: limit, summarizer: summarizer)
    }

    package func alerts(ofSubjects subjects: [Subject], limit: Int) async throws -> [StoredAlert] {
        try await store().alerts(ofSubjects: subjects, limit: limit, summarizer: summarizer)
    }

    package func rangeNeighbours(ofAlert alertID: Int64, limit: Int) async throws -> [RangeNeighbour] {
        try await store().rangeNeighbours(ofAlert: alertID, limit: limit, summarizer: summarizer)
    }

    package func sourceAddresses(ofAlert alertID: Int64, limit: Int) async throws -> [String] {
        try await store().sourceAddresses(ofAlert: alertID, limit: limit)
    }

    package func deliveries(ofAlert id: Int64, subject: Subject) async throws -> [OutboxEntry] {
        try await store().deliveries(ofAlert: id, subject: subject)
    }

    package func deliveries(ofSuspension id: Int64) async throws -> [OutboxEntry] {
        try await store().deliveries(ofSuspension: id)
    }

    package func callKills(account: String) async throws -> [CallKill] { try await store().callKills(account: account) }

    package func dailySpend(account: String, days: Int, through: Date, timeZone: TimeZone) async throws
        -> [DaySpend]
    {
        try await store().dailySpend(account: account, days: days, through: through, timeZone: timeZone)
    }

    /// By account only: the cluster counts spend by account, not by caller of a public context.
    package func spendByAccount(from: Date, to: Date, publicContexts: [String]) async throws -> [(
        subject: Subject, calls: Int, costMicros: Int64
    )] {
        try await store().spendByAccount(from: from, to: to, timeZone: timeZone)
    }

    package func standingQuota(of account: String, analysis: AnalysisSettings) async throws -> Int64? {
        PolicyResolver.standingQuota(of: account, analysis: analysis, quotas: try await store().quotaTable())
    }

    package func quotas() async throws -> [QuotaEntry] { try await store().quotas() }

    package func quotaRaises() async throws -> QuotaRaises { try await store().quotaRaises() }

    package func quotaRaises(onDay day: String) async throws -> [String: QuotaRaise] {
        try await store().quotaRaises(onDay: day)
    }

    package func setQuota(_ quota: QuotaEntry, reason: String?) async throws {
        try await store().setQuota(quota, reason: reason)
    }

    package func raiseQuota(_ raise: QuotaRaise, analysis: AnalysisSettings) async throws {
        try await store().raiseQuota(raise, analysis: analysis)
    }

    package func suspensions(includeHistory: Bool) async throws -> [Suspension] {
        includeHistory ? try await store().suspensions() : try await store().suspensionsInForce()
    }

    package func activeSuspension(account: String) async throws -> Suspension? {
        try await store().suspensionsInForce().first { $0.account == account }
    }

    package func suspend(account: String, reason: String, until: Date?, actor: String) async throws
        -> SuspendOutcome
    {
        try await store().suspend(
            account: account, reason: reason, until: until, by: actor, hooks: actions().hooks, summarizer: summarizer)
    }

    package func unsuspend(account: String, comment: String?, actor: String) async throws -> Suspension? {
        try await store().liftSuspension(
            account: account, by: actor, comment: comment, hooks: actions().hooks, summarizer: summarizer)
    }

    package func changeAlerts(_ ids: [Int64], _ change: AlertChange, actor: String, comment: String?) async throws
        -> TriageResult
    {
        let settings = actions()
        return try await store().changeAlerts(
            ids, change, actor: actor, comment: comment, suppressFor: settings.falsePositiveQuiet,
            hooks: settings.hooks, summarizer: summarizer)
    }
}
