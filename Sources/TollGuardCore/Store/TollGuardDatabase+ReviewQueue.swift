import Foundation
import GRDB

/// Which alerts a console tab lists.
package enum ReviewTab: String, Sendable, CaseIterable {
    /// Open, not snoozed.
    case open
    /// Open or acknowledged, assigned to the person looking, not snoozed.
    case mine
    /// Acknowledged, not snoozed.
    case acknowledged
    /// Open or acknowledged, waiting for a time or for getting worse.
    case snoozed
    /// Resolved or false positive.
    case closed

    /// The alert states the tab shows.
    package var states: Set<AlertState> {
        switch self {
        case .open: [.open]
        case .mine, .snoozed: [.open, .acknowledged]
        case .acknowledged: [.acknowledged]
        case .closed: [.resolved, .falsePositive]
        }
    }

    /// Whether `alert` belongs in this tab for `user` at `now`.
    package func shows(_ alert: StoredAlert, user: String, at now: Date) -> Bool {
        guard states.contains(alert.state) else { return false }
        switch self {
        case .closed: return true
        case .snoozed: return alert.isSnoozed(at: now)
        case .mine: return alert.assignee == user && !alert.isSnoozed(at: now)
        case .open, .acknowledged: return !alert.isSnoozed(at: now)
        }
    }
}

/// What a queue's filter keeps, beyond its tab: a rule, a lowest severity, a subject (part of it).
package struct ReviewFilter: Sendable, Hashable {
    package var rule: String?
    package var minimumSeverity: Severity?
    /// Kept when the subject's value contains it (case-insensitive).
    package var subject: String?

    package init(rule: String? = nil, minimumSeverity: Severity? = nil, subject: String? = nil) {
        self.rule = rule
        self.minimumSeverity = minimumSeverity
        self.subject = subject
    }

    /// Whether it keeps everything.
    package var isEmpty: Bool { rule == nil && minimumSeverity == nil && subject == nil }

    /// Whether `alert` passes.
    package func keeps(_ alert: StoredAlert) -> Bool {
        if let rule, alert.rule != rule { return false }
        if let minimumSeverity, alert.severity < minimumSeverity { return false }
        if let subject, !alert.subject.value.localizedCaseInsensitiveContains(subject) { return false }
        return true
    }
}

/// An alert in the review queue, with the money its account put at risk on the alert's day.
package struct ReviewQueueEntry: Sendable, Hashable {
    package var alert: StoredAlert
    /// What the alert's account spent on the (site-local) day of its last call; nil for a subject that is no account.
    package var daySpendMicros: Int64?
    /// The account's daily quota, when one is set.
    package var quotaMicros: Int64?

    /// Spend against quota (1.0 = the quota reached); nil without both.
    package var quotaFraction: Double? {
        guard let daySpendMicros, let quotaMicros, quotaMicros > 0 else { return nil }
        return Double(daySpendMicros) / Double(quotaMicros)
    }

    /// The money at risk: the day's spend, or the alert's own calls' cost when larger or the only figure.
    package var atRiskMicros: Int64 { max(daySpendMicros ?? 0, alert.costMicros) }

    /// Queue order: past or nearest its quota first, then the most money at risk, then severity, then the latest.
    package static func queueOrder(_ left: ReviewQueueEntry, _ right: ReviewQueueEntry) -> Bool {
        let leftFraction = left.quotaFraction ?? -1, rightFraction = right.quotaFraction ?? -1
        if leftFraction != rightFraction { return leftFraction > rightFraction }
        if left.atRiskMicros != right.atRiskMicros { return left.atRiskMicros > right.atRiskMicros }
        if left.alert.severity != right.alert.severity { return left.alert.severity > right.alert.severity }
        if left.alert.lastSeen != right.alert.lastSeen { return left.alert.lastSeen > right.alert.lastSeen }
        return left.alert.id > right.alert.id
    }
}

extension TollGuardDatabase {
    /// The alerts of `tab` that `filter` keeps, as `user` sees them at `now`, in queue order (see
    /// ``ReviewQueueEntry/queueOrder(_:_:)``), at most `limit`.
    ///
    /// An account's quota is the one analysis applies: that day's raise, else the quota table's,
    /// else `analysis`'s (per account, its groups, the default).
    /// The day is the site's (`timeZone`), as quotas count it.
    package func reviewQueue(
        _ tab: ReviewTab, filter: ReviewFilter = ReviewFilter(), user: String = "", now: Date = Date(),
        analysis: AnalysisSettings = AnalysisSettings(), timeZone: TimeZone = .gmt, limit: Int = 500
    ) throws -> [ReviewQueueEntry] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        while try rollUpSpend() {}
        return try writer.read { db in
            let mark = try SpendRollup.mark(db)
            let alerts = try StoredAlert.all().matching(AlertFilter(states: tab.states)).mostSevereFirst()
                .fetchAll(db).filter { tab.shows($0, user: user, at: now) && filter.keeps($0) }
            var resolver = PolicyResolver(
                settings: analysis,
                quotas: Dictionary(
                    try QuotaEntry.fetchAll(db).map { ($0.account, $0.dailyMicros) }, uniquingKeysWith: { $1 }),
                raises: try Self.raises(db))
            var clock = LocalClock(timeZone: timeZone)
            var spendByAccountDay: [String: Int64] = [:]
            let entries = try alerts.map { alert -> ReviewQueueEntry in
                guard alert.subject.kind == .account else { return ReviewQueueEntry(alert: alert) }
                let dayStart = calendar.startOfDay(for: alert.lastSeen)
                let dayEnd =
                    calendar.date(byAdding: .day, value: 1, to: dayStart) ?? dayStart.addingTimeInterval(86_400)
                let key = alert.subject.value + "\u{0}" + StoredTime.text(dayStart)
                let spend: Int64
                if let known = spendByAccountDay[key] {
                    spend = known
                } else {
                    spend =
                        try SpendRollup.spend(db, account: alert.subject.value, from: dayStart, to: dayEnd, mark: mark)
                        .micros
                    spendByAccountDay[key] = spend
                }
                let quota = resolver.policy(for: alert.subject)
                    .dailyQuotaMicros(onDay: clock.local(dayStart.timeIntervalSince1970).day)
                return ReviewQueueEntry(alert: alert, daySpendMicros: spend, quotaMicros: quota)
            }
            return Array(entries.sorted(by: ReviewQueueEntry.queueOrder).prefix(limit))
        }
    }

    /// How many alerts each tab holds for `user` at `now`.
    package func reviewCounts(user: String = "", now: Date = Date()) throws -> [ReviewTab: Int] {
        try writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT state, (\(AlertSnooze.holdsSQL)) AS snoozed, assignee = ? AS mine, count(*) AS n
                    FROM alerts GROUP BY 1, 2, 3
                    """, arguments: [StoredTime.text(now), user])
            var counts: [ReviewTab: Int] = [:]
            for row in rows {
                guard let state = AlertState(rawValue: row["state"] as String) else { continue }
                let snoozed = (row["snoozed"] as Bool?) ?? false
                let mine = (row["mine"] as Bool?) ?? false
                let n: Int = row["n"]
                switch state {
                case .resolved, .falsePositive: counts[.closed, default: 0] += n
                case .open, .acknowledged:
                    if snoozed {
                        counts[.snoozed, default: 0] += n
                        continue
                    }
                    counts[state == .open ? .open : .acknowledged, default: 0] += n
                    if mine { counts[.mine, default: 0] += n }
                }
            }
            return counts
        }
    }
}

extension ReviewQueueEntry {
    init(alert: StoredAlert) {
        self.init(alert: alert, daySpendMicros: nil, quotaMicros: nil)
    }
}
