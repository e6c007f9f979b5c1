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

    /// Whether an alert in `state`, worked by `assignee` and snoozed or not, is in the tab for
    /// `user` (the Swift form of ``condition(user:at:)``).
    package func holds(state: AlertState, assignee: String?, snoozed: Bool, user: String) -> Bool {
        guard states.contains(state) else { return false }
        switch self {
        case .closed: return true
        case .snoozed: return snoozed
        case .mine: return assignee == user && !snoozed
        case .open, .acknowledged: return !snoozed
        }
    }

    /// The SQL condition on `alerts` under which an alert is in the tab for `user` at `now`.
    func condition(user: String, at now: Date) -> (sql: String, arguments: StatementArguments) {
        let states = "state IN (" + states.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ") + ")"
        let holds = "(\(AlertSnooze.holdsSQL))"
        let time: StatementArguments = [StoredTime.text(now)]
        switch self {
        case .closed: return (states, [])
        case .snoozed: return ("\(states) AND \(holds)", time)
        case .mine: return ("\(states) AND assignee = ? AND NOT \(holds)", [user] + time)
        case .open, .acknowledged: return ("\(states) AND NOT \(holds)", time)
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

    /// Whether a subject's value passes (the rule and severity are kept in SQL).
    package func keepsSubject(_ value: String) -> Bool {
        guard let subject else { return true }
        return value.localizedCaseInsensitiveContains(subject)
    }
}

/// An alert in the review queue, with the money its account put at risk on the alert's day.
package struct ReviewQueueEntry: Sendable, Hashable {
    package var alert: StoredAlert
    /// What the alert's account spent on the (site-local) day of its last call; nil for a subject that is no account.
    package var daySpendMicros: Int64?
    /// The account's daily quota, when one is set.
    package var quotaMicros: Int64?

    package init(alert: StoredAlert, daySpendMicros: Int64?, quotaMicros: Int64?) {
        self.alert = alert
        self.daySpendMicros = daySpendMicros
        self.quotaMicros = quotaMicros
    }

    /// Spend against quota (1.0 = the quota reached); nil without both.
    package var quotaFraction: Double? { QueueRank.fraction(spent: daySpendMicros, quota: quotaMicros) }

    /// The money at risk: the day's spend, or the alert's own calls' cost when larger or the only figure.
    package var atRiskMicros: Int64 { max(daySpendMicros ?? 0, alert.costMicros) }
}

/// A review queue: how many alerts it holds, all their ids in queue order, and one page of them
/// in full.
package struct ReviewQueue: Sendable {
    /// Every alert of the queue, in queue order.
    package var ids: [Int64]
    /// The page asked for, from `offset`.
    package var entries: [ReviewQueueEntry]
    /// Where the page starts in `ids`.
    package var offset: Int

    package init(ids: [Int64], entries: [ReviewQueueEntry], offset: Int) {
        self.ids = ids
        self.entries = entries
        self.offset = offset
    }

    /// The queue of `paged`, its page in full from `alerts` (those of its ``QueuePage/pageIDs``).
    package init(_ paged: QueuePage, alerts: [StoredAlert]) {
        let byID = Dictionary(alerts.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.init(
            ids: paged.ordered.map(\.id),
            entries: paged.page.compactMap { rank in
                byID[rank.id].map {
                    ReviewQueueEntry(alert: $0, daySpendMicros: rank.daySpendMicros, quotaMicros: rank.quotaMicros)
                }
            },
            offset: paged.start)
    }

    /// How many alerts the queue holds.
    package var total: Int { ids.count }

    /// Alerts on one page of the console's queue: what a reviewer takes in at once, and what
    /// renders well inside the page's time (100 rows took ~30 ms to render, 2026-12-03).
    package static let pageSize = 50
}

/// A queue's alerts in queue order and the page of them asked for, before the page is read in full.
package struct QueuePage: Sendable {
    /// Every alert of the queue, in queue order.
    package var ordered: [QueueRank]
    /// Where the page starts.
    package var start: Int
    /// The page's alerts.
    package var page: ArraySlice<QueueRank>

    /// `ranks` in queue order, and `limit` of them from `offset` (all when nil).
    package init(ordering ranks: [QueueRank], offset: Int, limit: Int?) {
        ordered = QueueRank.ordered(ranks)
        start = min(max(offset, 0), ordered.count)
        page = ordered[start..<min(ordered.count, start + (limit ?? ordered.count))]
    }

    /// The ids of the page's alerts.
    package var pageIDs: [Int64] { page.map(\.id) }
}

/// Where an alert stands in the queue: past or nearest its quota first, then the most money at
/// risk, then severity, then the latest.
package struct QueueRank: Sendable {
    package var id: Int64
    var severity: Int
    package var subject: Subject
    package var lastSeen: Date
    var costMicros: Int64
    package var daySpendMicros: Int64?
    package var quotaMicros: Int64?

    package init(id: Int64, severity: Int, subject: Subject, lastSeen: Date, costMicros: Int64) {
        self.id = id
        self.severity = severity
        self.subject = subject
        self.lastSeen = lastSeen
        self.costMicros = costMicros
    }

    /// `ranks` in queue order.
    static func ordered(_ ranks: [QueueRank]) -> [QueueRank] {
        ranks.indices.map { ranks[$0].orderKey }.enumerated().sorted {
            OrderKey.precedes($0.element, $1.element)
        }.map { ranks[$0.offset] }
    }

    /// Spend against quota; nil without both.
    static func fraction(spent: Int64?, quota: Int64?) -> Double? {
        guard let spent, let quota, quota > 0 else { return nil }
        return Double(spent) / Double(quota)
    }

    /// What the order compares, in a plain value that sorts without reference counting.
    var orderKey: OrderKey {
        OrderKey(
            quotaFraction: Self.fraction(spent: daySpendMicros, quota: quotaMicros) ?? -1,
            atRiskMicros: max(daySpendMicros ?? 0, costMicros), severity: severity,
            lastSeen: lastSeen.timeIntervalSince1970, id: id)
    }

    struct OrderKey {
        var quotaFraction: Double
        var atRiskMicros: Int64
        var severity: Int
        var lastSeen: Double
        var id: Int64

        /// Whether `left` comes before `right`.
        static func precedes(_ left: OrderKey, _ right: OrderKey) -> Bool {
            if left.quotaFraction != right.quotaFraction { return left.quotaFraction > right.quotaFraction }
            if left.atRiskMicros != right.atRiskMicros { return left.atRiskMicros > right.atRiskMicros }
            if left.severity != right.severity { return left.severity > right.severity }
            if left.lastSeen != right.lastSeen { return left.lastSeen > right.lastSeen }
            return left.id > right.id
        }
    }
}

extension TollGuardDatabase {
    /// The alerts of `tab` that `filter` keeps, as `user` sees them at `now`, in queue order (see
    /// ``QueueRank/OrderKey/precedes(_:_:)``), with `limit` of them from `offset` in full (all when nil).
    ///
    /// An account's quota is the one analysis applies: that day's raise, else the quota table's,
    /// else `analysis`'s (per account, its groups, the default).
    /// The day is the site's (`timeZone`), as quotas count it.
    ///
    /// The order is taken from a narrow read of every alert of the tab and one query for the
    /// spend of all their account-days; only the page's alerts are read whole.
    package func reviewQueue(
        _ tab: ReviewTab, filter: ReviewFilter = ReviewFilter(), user: String = "", now: Date = Date(),
        analysis: AnalysisSettings = AnalysisSettings(), timeZone: TimeZone = .gmt, offset: Int = 0, limit: Int? = nil
    ) throws -> ReviewQueue {
        while try rollUpSpend() {}
        return try writer.read { db in
            var ranks = try Self.queueRanks(db, tab, filter: filter, user: user, now: now)
            try Self.addSpendAndQuotas(db, to: &ranks, analysis: analysis, timeZone: timeZone)
            let paged = QueuePage(ordering: ranks, offset: offset, limit: limit)
            return ReviewQueue(
                paged, alerts: try StoredAlert.filter(paged.pageIDs.contains(StoredAlert.Columns.id)).fetchAll(db))
        }
    }

    /// What the order needs of each alert of `tab` that `filter` keeps.
    private static func queueRanks(
        _ db: Database, _ tab: ReviewTab, filter: ReviewFilter, user: String, now: Date
    ) throws -> [QueueRank] {
        var (condition, arguments) = tab.condition(user: user, at: now)
        if let rule = filter.rule {
            condition += " AND rule = ?"
            arguments += [rule]
        }
        if let severity = filter.minimumSeverity {
            condition += " AND severity_rank >= ?"
            arguments += [severity.rawValue]
        }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT id, severity_rank, subject_type, subject, last_seen_utc, cost_micros FROM alerts
                WHERE \(condition)
                """, arguments: arguments)
        var ranks: [QueueRank] = []
        while let row = try rows.next() {
            let subject: String = row[3]
            guard filter.keepsSubject(subject) else { continue }
            // Read by position: this runs for every alert of the tab.
            let kindText: String = row[2], lastSeenText: String = row[4]
            guard let kind = Subject.Kind(rawValue: kindText) else {
                throw StoredRow(row, table: "alerts").error(
                    "subject_type", "\(kindText.debugDescription) is no subject type")
            }
            guard let lastSeen = StoredTime.date(lastSeenText) else {
                throw StoredRow(row, table: "alerts").error(
                    "last_seen_utc", "\(lastSeenText.debugDescription) is not a UTC time (YYYY-MM-DD HH:MM:SS)")
            }
            ranks.append(
                QueueRank(
                    id: row[0], severity: row[1], subject: Subject(kind, subject), lastSeen: lastSeen,
                    costMicros: row[5]))
        }
        return ranks
    }

    /// Each account alert's spend on the site day of its last call, and that day's quota.
    private static func addSpendAndQuotas(
        _ db: Database, to ranks: inout [QueueRank], analysis: AnalysisSettings, timeZone: TimeZone
    ) throws {
        var resolver = PolicyResolver(
            settings: analysis,
            quotas: Dictionary(
                try QuotaEntry.fetchAll(db).map { ($0.account, $0.dailyMicros) }, uniquingKeysWith: { $1 }),
            raises: try raises(db))
        var clock = LocalClock(timeZone: timeZone)
        var daySpans: [Int: SpendRollup.Span] = [:]
        var rangeIndex: [AccountDay: Int] = [:]
        var ranges: [SpendRollup.Range] = []
        var rangeOfRank: [Int?] = []
        for index in ranks.indices {
            let rank = ranks[index]
            guard rank.subject.kind == .account else {
                rangeOfRank.append(nil)
                continue
            }
            let day = clock.local(rank.lastSeen.timeIntervalSince1970).day
            let key = AccountDay(account: rank.subject.value, day: day)
            if let known = rangeIndex[key] {
                rangeOfRank.append(known)
            } else {
                let span =
                    daySpans[day]
                    ?? {
                        let bounds = LocalClock.day(containing: rank.lastSeen, in: timeZone)
                        return SpendRollup.Span(from: bounds.from, to: bounds.to)
                    }()
                daySpans[day] = span
                rangeIndex[key] = ranges.count
                rangeOfRank.append(ranges.count)
                ranges.append(SpendRollup.Range(account: key.account, span: span))
            }
            ranks[index].quotaMicros = resolver.policy(for: rank.subject).dailyQuotaMicros(onDay: day)
        }
        let spent = try SpendRollup.spends(db, in: ranges, mark: try SpendRollup.mark(db))
        for index in ranks.indices {
            if let range = rangeOfRank[index] { ranks[index].daySpendMicros = spent[range].micros }
        }
    }

    /// An account and a site day (days since 1970).
    private struct AccountDay: Hashable {
        var account: String
        var day: Int
    }

    /// How many alerts each tab holds for `user` at `now`.
    ///
    /// Asked on every console page, so it reads indexes only: the alerts by state, `user`'s, and
    /// the snoozed ones (few), which it takes out of their state's count.
    package func reviewCounts(user: String = "", now: Date = Date()) throws -> [ReviewTab: Int] {
        try writer.read { db in
            var counts: [ReviewTab: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) FROM alerts GROUP BY state") {
                switch AlertState(rawValue: row[0]) {
                case .open: counts[.open, default: 0] += row[1]
                case .acknowledged: counts[.acknowledged, default: 0] += row[1]
                case .resolved, .falsePositive: counts[.closed, default: 0] += row[1]
                case nil: continue
                }
            }
            counts[.mine] =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM alerts WHERE state IN ('open', 'acknowledged') AND assignee = ?",
                    arguments: [user]) ?? 0
            let snoozed = try Row.fetchAll(
                db,
                sql: """
                    SELECT state, assignee = ?, count(*) FROM alerts
                    WHERE state IN ('open', 'acknowledged') AND \(AlertSnooze.holdsSQL) GROUP BY 1, 2
                    """, arguments: [user, StoredTime.text(now)])
            for row in snoozed {
                let tab: ReviewTab = row[0] == AlertState.open.rawValue ? .open : .acknowledged
                let mine: Bool? = row[1], n: Int = row[2]
                counts[tab, default: 0] -= n
                counts[.snoozed, default: 0] += n
                if mine == true { counts[.mine, default: 0] -= n }
            }
            return counts
        }
    }
}
