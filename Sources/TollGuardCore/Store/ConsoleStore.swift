import Foundation

/// Everything the review console reads and changes: its people and their sessions, the review
/// queue, an alert's case file, triage, quotas, suspensions and the journal.
///
/// One box's console works on its SQLite store (through the action layer, so hooks hear of
/// people's changes); a node of a cluster's on the cluster's PostgreSQL store, so every node shows
/// the same alerts and one login works on each. What a node's own logs show (the SIP attackers)
/// stays the node's.
package protocol ConsoleStore: AlertChangeFeed {
    // MARK: People

    /// One user, when there is one of that name.
    func user(named name: String) async throws -> ConsoleUser?
    /// Every user, by name.
    func users() async throws -> [ConsoleUser]
    /// The user and form token of a session that has not ended; nil for any other token.
    func session(tokenHash: String, now: Date) async throws -> (user: ConsoleUser, csrfToken: String)?
    /// Records a login: its token's hash, its form token and when it ends (journaled).
    func startSession(user: String, tokenHash: String, csrfToken: String, expires: Date, now: Date) async throws
    /// Ends a session (logout, journaled).
    func endSession(tokenHash: String, now: Date) async throws
    /// Records that `user`'s queue showed every alert up to `newest`; returns the newest it had
    /// shown before (0 at the first visit).
    func markQueueSeen(user: String, upTo newest: Int64) async throws -> Int64
    /// Adds a line to the journal.
    func record(_ entry: JournalEntry) async throws
    /// The journal, newest first: of one subject, one actor or actions starting with a prefix, when given.
    func journal(subjectType: String?, subject: String?, actor: String?, actionPrefix: String?, limit: Int)
        async throws -> [JournalEntry]

    // MARK: The queue

    /// The alerts of `tab` that `filter` keeps, as `user` sees them at `now`, in queue order, with
    /// `limit` of them from `offset` in full (all when nil).
    func reviewQueue(
        _ tab: ReviewTab, filter: ReviewFilter, user: String, now: Date, analysis: AnalysisSettings,
        timeZone: TimeZone, offset: Int, limit: Int?
    ) async throws -> ReviewQueue
    /// The newest alert's id (0 when there is none).
    func newestAlertID() async throws -> Int64
    /// The rules that raised any alert, by name.
    func alertRules() async throws -> [String]

    // MARK: An alert's case file

    /// One alert with its evidence calls (oldest first), nil when there is none of that id.
    func alertWithCalls(id: Int64) async throws -> (alert: StoredAlert, calls: [AlertCall])?
    /// The log lines kept with an alert.
    func alertLogLines(id: Int64) async throws -> [EvidenceLogLine]
    /// The latest alerts about `subject`, newest first.
    func alerts(ofSubject subject: Subject, limit: Int) async throws -> [StoredAlert]
    /// The latest alerts about any of `subjects`, newest first.
    func alerts(ofSubjects subjects: [Subject], limit: Int) async throws -> [StoredAlert]
    /// Other alerts whose evidence called one of the number ranges of alert `alertID`'s, newest first.
    func rangeNeighbours(ofAlert alertID: Int64, limit: Int) async throws -> [RangeNeighbour]
    /// The source addresses of an alert's evidence calls, the most used first.
    func sourceAddresses(ofAlert alertID: Int64, limit: Int) async throws -> [String]
    /// The deliveries of the hook events about alert `id` (and its `subject`'s), oldest first.
    func deliveries(ofAlert id: Int64, subject: Subject) async throws -> [OutboxEntry]
    /// The deliveries of the hook events about suspension `id`, oldest first.
    func deliveries(ofSuspension id: Int64) async throws -> [OutboxEntry]
    /// Calls hung up, oldest first, of one account.
    func callKills(account: String) async throws -> [CallKill]

    // MARK: Money and quotas

    /// What `account` spent on each of `days` site-local days up to the day of `through`, oldest first.
    func dailySpend(account: String, days: Int, through: Date, timeZone: TimeZone) async throws -> [DaySpend]
    /// Spend per subject of calls that started in `[from, to)`, largest first.
    func spendByAccount(from: Date, to: Date, publicContexts: [String]) async throws -> [(
        subject: Subject, calls: Int, costMicros: Int64
    )]
    /// `account`'s standing daily quota as analysis applies it; nil without one.
    func standingQuota(of account: String, analysis: AnalysisSettings) async throws -> Int64?
    /// The quota table.
    func quotas() async throws -> [QuotaEntry]
    /// Every raise, by account and local day.
    func quotaRaises() async throws -> QuotaRaises
    /// The raises of local `day` (`YYYY-MM-DD`), by account.
    func quotaRaises(onDay day: String) async throws -> [String: QuotaRaise]
    /// Sets an account's standing quota (journaled).
    func setQuota(_ quota: QuotaEntry, reason: String?) async throws
    /// Raises an account's quota for one day (journaled).
    func raiseQuota(_ raise: QuotaRaise, analysis: AnalysisSettings) async throws

    // MARK: Suspensions and triage

    /// Every suspension, oldest first (lifted and report-only ones with `includeHistory`).
    func suspensions(includeHistory: Bool) async throws -> [Suspension]
    /// `account`'s suspension in force, if any.
    func activeSuspension(account: String) async throws -> Suspension?
    /// Suspends `account` by a person's hand; its hooks hear of it.
    func suspend(account: String, reason: String, until: Date?, actor: String) async throws -> SuspendOutcome
    /// Lifts `account`'s suspension; nil when it had none.
    func unsuspend(account: String, comment: String?, actor: String) async throws -> Suspension?
    /// Applies a person's `change` to the alerts `ids` (journaled; hooks hear of it).
    func changeAlerts(_ ids: [Int64], _ change: AlertChange, actor: String, comment: String?) async throws
        -> TriageResult
}
