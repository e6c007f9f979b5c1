import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The console's review queue over the cluster's alerts, in the single box's tabs and order
/// (``QueueRank``): past or nearest its quota first, then money at risk, severity, the latest.
extension ClusterStore {
    /// What the tabs and the order need of an alert, read without its evidence and call keys.
    struct QueueRow {
        var rank: QueueRank
        var rule: String
        var severity: Severity
        var state: AlertState
        var assignee: String?
        var costMicros: Int64
        var callCount: Int
        var countryCount: Int
        var snooze: AlertSnooze?

        func isSnoozed(at now: Date) -> Bool {
            snooze?.holds(costMicros: costMicros, callCount: callCount, countryCount: countryCount, at: now) ?? false
        }
    }

    /// The alerts of `tab` that `filter` keeps, as `user` sees them at `now`, in queue order, with
    /// `limit` of them from `offset` in full (all when nil).
    ///
    /// An account's spend is the cluster's over every switch on the site day (`timeZone`) of the
    /// alert's last call; its quota the one the analyzer applies: that day's raise, else the
    /// cluster's quota table, else `analysis`'s.
    package func reviewQueue(
        _ tab: ReviewTab, filter: ReviewFilter, user: String, now: Date, analysis: AnalysisSettings,
        timeZone: TimeZone, offset: Int, limit: Int?, summarizer: AlertSummarizer
    ) async throws -> ReviewQueue {
        var ranks = try await queueRows(states: tab.states).filter { row in
            tab.holds(state: row.state, assignee: row.assignee, snoozed: row.isSnoozed(at: now), user: user)
                && (filter.rule.map { $0 == row.rule } ?? true)
                && (filter.minimumSeverity.map { row.severity >= $0 } ?? true)
                && filter.keepsSubject(row.rank.subject.value)
        }.map(\.rank)
        try await addSpendAndQuotas(to: &ranks, analysis: analysis, timeZone: timeZone)
        let paged = QueuePage(ordering: ranks, offset: offset, limit: limit)
        return ReviewQueue(
            paged, alerts: try await reviewedAlerts(ids: paged.pageIDs, summarizer: summarizer).map(\.alert))
    }

    /// How many of the cluster's alerts each tab holds for `user` at `now`.
    ///
    /// Asked on every console page, so counted by the server: the snooze's condition is
    /// ``AlertSnooze/holds(costMicros:callCount:countryCount:at:)`` in SQL (reading every open
    /// alert to count them took most of a page's 150 ms, 12,000 alerts, 2026-12-05).
    package func reviewCounts(user: String, now: Date) async throws -> [ReviewTab: Int] {
        let rows = try await client.query(
            """
            SELECT state, coalesce(assignee = \(user), false),
                (snoozed_until_utc IS NOT NULL OR snooze_cost_micros IS NOT NULL OR snooze_calls IS NOT NULL
                    OR snooze_countries IS NOT NULL)
                AND (snoozed_until_utc IS NULL OR snoozed_until_utc > \(now))
                AND (snooze_cost_micros IS NULL OR cost_micros <= snooze_cost_micros)
                AND (snooze_calls IS NULL OR call_count < snooze_calls)
                AND (snooze_countries IS NULL OR \(unescaped: Self.evidenceCountries) <= snooze_countries),
                count(*)
            FROM cluster_alerts GROUP BY 1, 2, 3
            """, logger: logger)
        var counts: [ReviewTab: Int] = [:]
        for try await (stateText, mine, snoozed, count) in rows.decode((String, Bool, Bool, Int).self) {
            guard let state = AlertState(rawValue: stateText) else { continue }
            for tab in ReviewTab.allCases
            where tab.holds(state: state, assignee: mine ? user : nil, snoozed: snoozed, user: user) {
                counts[tab, default: 0] += count
            }
        }
        return counts
    }

    /// The newest alert's id (0 when there is none).
    package func newestAlertID() async throws -> Int64 {
        let rows = try await client.query("SELECT coalesce(max(id), 0) FROM cluster_alerts", logger: logger)
        for try await id in rows.decode(Int64.self) { return id }
        return 0
    }

    /// The rules that raised any of the cluster's alerts, by name.
    package func alertRules() async throws -> [String] {
        var rules: [String] = []
        let rows = try await client.query("SELECT DISTINCT rule FROM cluster_alerts ORDER BY rule", logger: logger)
        for try await rule in rows.decode(String.self) { rules.append(rule) }
        return rules
    }

    /// The cluster's alerts of `ids`, with their triage (any order; unknown ids left out).
    package func reviewedAlerts(ids: [Int64], summarizer: AlertSummarizer) async throws -> [ReviewedClusterAlert] {
        guard !ids.isEmpty else { return [] }
        let query: PostgresQuery = """
            SELECT \(unescaped: Self.shownAlertColumns), \(unescaped: Self.stateColumns) FROM cluster_alerts
            WHERE id = ANY(\(ids)::bigint[])
            """
        return try await reviewed(query, summarizer: summarizer)
    }

    /// The countries an alert's evidence called (the single box's `country_count`).
    private static let evidenceCountries =
        "(SELECT count(DISTINCT e->>'region') FROM jsonb_array_elements(evidence) e)"

    /// The queue's figures of every alert in one of `states`.
    ///
    /// An alert's countries are counted only where a snooze waits for a new one: counting them in
    /// every alert's evidence took 100 ms of 9,000 alerts' 107 (20 calls each; 2026-12-05).
    private func queueRows(states: Set<AlertState>) async throws -> [QueueRow] {
        let rows = try await client.query(
            """
            SELECT id, rule, severity_rank, subject_type, subject, last_seen_utc, cost_micros, call_count,
                CASE WHEN snooze_countries IS NULL THEN 0 ELSE \(unescaped: Self.evidenceCountries) END,
                state, assignee, snoozed_until_utc, snooze_cost_micros, snooze_calls, snooze_countries
            FROM cluster_alerts WHERE state = ANY(\(states.map(\.rawValue).sorted())::text[])
            """, logger: logger)
        var found: [QueueRow] = []
        for try await row in rows {
            let (id, rule, rank, kindText, subject, lastSeen, cost, calls, countries, stateText) = try row.decode(
                (Int64, String, Int, String, String, Date, Int64, Int64, Int, String).self)
            let columns = row.makeRandomAccess()
            guard let kind = Subject.Kind(rawValue: kindText), let state = AlertState(rawValue: stateText) else {
                throw ClusterCallError(
                    column: "cluster_alerts.subject_type", reason: "alert \(id): \(kindText) in state \(stateText)")
            }
            let snooze = AlertSnooze(
                until: try columns[11].decode(Date?.self), worseThanCostMicros: try columns[12].decode(Int64?.self),
                worseAtCalls: try columns[13].decode(Int?.self), worseAtCountries: try columns[14].decode(Int?.self))
            found.append(
                QueueRow(
                    rank: QueueRank(
                        id: id, severity: rank, subject: Subject(kind, subject), lastSeen: lastSeen, costMicros: cost),
                    rule: rule, severity: Severity(rawValue: rank) ?? .info, state: state,
                    assignee: try columns[10].decode(String?.self), costMicros: cost, callCount: Int(calls),
                    countryCount: countries, snooze: snooze.isEmpty ? nil : snooze))
        }
        return found
    }

    /// Each account alert's spend over every switch on the site day of its last call, and that day's quota.
    private func addSpendAndQuotas(to ranks: inout [QueueRank], analysis: AnalysisSettings, timeZone: TimeZone)
        async throws
    {
        var resolver = PolicyResolver(
            settings: analysis, quotas: try await quotaTable(), raises: try await quotaRaises())
        var clock = LocalClock(timeZone: timeZone)
        var accountDays: [AccountDay?] = []
        for index in ranks.indices {
            guard ranks[index].subject.kind == .account else {
                accountDays.append(nil)
                continue
            }
            let day = clock.local(ranks[index].lastSeen.timeIntervalSince1970).day
            accountDays.append(AccountDay(account: ranks[index].subject.value, day: LocalClock.dayText(day)))
            ranks[index].quotaMicros = resolver.policy(for: ranks[index].subject).dailyQuotaMicros(onDay: day)
        }
        let spent = try await spend(of: Array(Set(accountDays.compactMap { $0 })))
        for index in ranks.indices {
            guard let accountDay = accountDays[index] else { continue }
            ranks[index].daySpendMicros = spent[accountDay] ?? 0
        }
    }

    /// An account and a site day (`YYYY-MM-DD`).
    struct AccountDay: Hashable {
        var account: String
        var day: String
    }

    /// The spend of each of `accountDays` the cluster counted (those without none).
    private func spend(of accountDays: [AccountDay]) async throws -> [AccountDay: Int64] {
        guard !accountDays.isEmpty else { return [:] }
        let rows = try await client.query(
            """
            SELECT s.account, s.day::text, s.cost_micros FROM cluster_spend s
            JOIN unnest(\(accountDays.map(\.account))::text[], \(accountDays.map(\.day))::date[]) AS w (account, day)
                ON s.account = w.account AND s.day = w.day
            """, logger: logger)
        var spent: [AccountDay: Int64] = [:]
        for try await (account, day, cost) in rows.decode((String, String, Int64).self) {
            spent[AccountDay(account: account, day: day)] = cost
        }
        return spent
    }
}
