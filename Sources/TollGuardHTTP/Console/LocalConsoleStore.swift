import Foundation
import TollGuardCore
import TollGuardHooks

/// The console's records in one box's SQLite store; people's changes go through the action layer,
/// which delivers their hook events at once.
package struct LocalConsoleStore: ConsoleStore {
    let actions: ActionLayer
    private var database: TollGuardDatabase { actions.database }

    package init(actions: ActionLayer) { self.actions = actions }

    package func user(named name: String) async throws -> ConsoleUser? {
        try await database.inThreadPool { try $0.user(named: name) }
    }

    package func users() async throws -> [ConsoleUser] { try await database.inThreadPool { try $0.users() } }

    package func session(tokenHash: String, now: Date) async throws -> (user: ConsoleUser, csrfToken: String)? {
        try await database.inThreadPool { try $0.session(tokenHash: tokenHash, now: now) }
    }

    package func startSession(user: String, tokenHash: String, csrfToken: String, expires: Date, now: Date)
        async throws
    {
        try await database.inThreadPool {
            try $0.startSession(user: user, tokenHash: tokenHash, csrfToken: csrfToken, expires: expires, now: now)
        }
    }

    package func endSession(tokenHash: String, now: Date) async throws {
        try await database.inThreadPool { try $0.endSession(tokenHash: tokenHash, now: now) }
    }

    package func markQueueSeen(user: String, upTo newest: Int64) async throws -> Int64 {
        try await database.inThreadPool { try $0.markQueueSeen(user: user, upTo: newest) }
    }

    package func record(_ entry: JournalEntry) async throws {
        try await database.inThreadPool { try $0.record(entry) }
    }

    package func journal(subjectType: String?, subject: String?, actor: String?, actionPrefix: String?, limit: Int)
        async throws -> [JournalEntry]
    {
        try await database.inThreadPool {
            try $0.journal(
                subjectType: subjectType, subject: subject, actor: actor, actionPrefix: actionPrefix, limit: limit)
        }
    }

    package func reviewQueue(
        _ tab: ReviewTab, filter: ReviewFilter, user: String, now: Date, analysis: AnalysisSettings,
        timeZone: TimeZone, offset: Int, limit: Int?
    ) async throws -> ReviewQueue {
        try await database.inThreadPool {
            try $0.reviewQueue(
                tab, filter: filter, user: user, now: now, analysis: analysis, timeZone: timeZone, offset: offset,
                limit: limit)
        }
    }

    package func reviewCounts(user: String, now: Date) async throws -> [ReviewTab: Int] {
        try await database.inThreadPool { try $0.reviewCounts(user: user, now: now) }
    }

    package func alertChangeMark() async throws -> AlertChangeMark {
        try await LocalAlertFeed(database: database).alertChangeMark()
    }

    package func alertsChanged(since mark: AlertChangeMark?, limit: Int) async throws -> (
        [AlertChangeSinceMark], AlertChangeMark
    ) {
        try await LocalAlertFeed(database: database).alertsChanged(since: mark, limit: limit)
    }

    package func alerts(raisedAfter id: Int64, limit: Int) async throws -> [StoredAlert] {
        try await LocalAlertFeed(database: database).alerts(raisedAfter: id, limit: limit)
    }

    package func newestAlertID() async throws -> Int64 { try await database.inThreadPool { try $0.newestAlertID() } }

    package func alertRules() async throws -> [String] { try await database.inThreadPool { try $0.alertRules() } }

    package func alertWithCalls(id: Int64) async throws -> (alert: StoredAlert, calls: [AlertCall])? {
        try await database.inThreadPool { database in
            try database.alert(id: id).map { ($0, try database.alertCalls(id: id)) }
        }
    }

    package func alertLogLines(id: Int64) async throws -> [EvidenceLogLine] {
        try await database.inThreadPool { try $0.alertLogLines(id: id) }
    }

    package func alerts(ofSubject subject: Subject, limit: Int) async throws -> [StoredAlert] {
        try await database.inThreadPool { try $0.alerts(ofSubject: subject, limit: limit) }
    }

    package func alerts(ofSubjects subjects: [Subject], limit: Int) async throws -> [StoredAlert] {
        try await database.inThreadPool { try $0.alerts(ofSubjects: subjects, limit: limit) }
    }

    package func rangeNeighbours(ofAlert alertID: Int64, limit: Int) async throws -> [RangeNeighbour] {
        try await database.inThreadPool { try $0.rangeNeighbours(ofAlert: alertID, limit: limit) }
    }

    package func sourceAddresses(ofAlert alertID: Int64, limit: Int) async throws -> [String] {
        try await database.inThreadPool { try $0.sourceAddresses(ofAlert: alertID, limit: limit) }
    }

    package func deliveries(ofAlert id: Int64, subject: Subject) async throws -> [OutboxEntry] {
        try await database.inThreadPool { try $0.deliveries(ofAlert: id, subject: subject) }
    }

    package func deliveries(ofSuspension id: Int64) async throws -> [OutboxEntry] {
        try await database.inThreadPool { try $0.deliveries(ofSuspension: id) }
    }

    package func callKills(account: String) async throws -> [CallKill] {
        try await database.inThreadPool { try $0.callKills(account: account) }
    }

    package func dailySpend(account: String, days: Int, through: Date, timeZone: TimeZone) async throws
        -> [DaySpend]
    {
        try await database.inThreadPool {
            try $0.dailySpend(account: account, days: days, through: through, timeZone: timeZone)
        }
    }

    package func spendByAccount(from: Date, to: Date, publicContexts: [String]) async throws -> [(
        subject: Subject, calls: Int, costMicros: Int64
    )] {
        try await database.inThreadPool { try $0.spendByAccount(from: from, to: to, publicContexts: publicContexts) }
    }

    package func standingQuota(of account: String, analysis: AnalysisSettings) async throws -> Int64? {
        try await database.inThreadPool { try $0.standingQuota(of: account, analysis: analysis) }
    }

    package func quotas() async throws -> [QuotaEntry] { try await database.inThreadPool { try $0.quotas() } }

    package func quotaRaises() async throws -> QuotaRaises { try await database.quotaRaises() }

    package func quotaRaises(onDay day: String) async throws -> [String: QuotaRaise] {
        try await database.inThreadPool { try $0.quotaRaises(onDay: day) }
    }

    package func setQuota(_ quota: QuotaEntry, reason: String?) async throws {
        try await database.inThreadPool {
            try $0.setQuota(
                account: quota.account, dailyMicros: quota.dailyMicros, currency: quota.currency,
                setBy: quota.setBy, reason: reason, now: quota.setAt)
        }
    }

    package func raiseQuota(_ raise: QuotaRaise, analysis: AnalysisSettings) async throws {
        try await database.inThreadPool { try $0.raiseQuota(raise, analysis: analysis) }
    }

    package func suspensions(includeHistory: Bool) async throws -> [Suspension] {
        try await database.inThreadPool { try $0.suspensions(includeHistory: includeHistory) }
    }

    package func activeSuspension(account: String) async throws -> Suspension? {
        try await database.inThreadPool { try $0.activeSuspension(account: account) }
    }

    package func suspend(account: String, reason: String, until: Date?, actor: String) async throws
        -> SuspendOutcome
    {
        try await actions.suspend(account: account, reason: reason, until: until, actor: actor).outcome
    }

    package func unsuspend(account: String, comment: String?, actor: String) async throws -> Suspension? {
        try await actions.unsuspend(account: account, comment: comment, actor: actor).lifted
    }

    package func changeAlerts(_ ids: [Int64], _ change: AlertChange, actor: String, comment: String?) async throws
        -> TriageResult
    {
        try await actions.changeAlerts(ids, change, actor: actor, comment: comment)
    }
}

/// The alerts' changes in one box's SQLite store.
package struct LocalAlertFeed: AlertChangeFeed {
    let database: TollGuardDatabase

    package init(database: TollGuardDatabase) { self.database = database }

    package func alertChangeMark() async throws -> AlertChangeMark {
        try await database.inThreadPool { try $0.alertChangeMark() }
    }

    package func alertsChanged(since mark: AlertChangeMark?, limit: Int) async throws -> (
        [AlertChangeSinceMark], AlertChangeMark
    ) {
        try await database.inThreadPool { try $0.alertsChanged(since: mark, limit: limit) }
    }

    package func alerts(raisedAfter id: Int64, limit: Int) async throws -> [StoredAlert] {
        try await database.inThreadPool { try $0.alerts(raisedAfter: id, limit: limit) }
    }

    package func reviewCounts(user: String, now: Date) async throws -> [ReviewTab: Int] {
        try await database.inThreadPool { try $0.reviewCounts(user: user, now: now) }
    }
}
