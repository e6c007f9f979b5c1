import Foundation
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore

extension PostgresServerTests {
    /// The cluster's alerts as `tollguard alerts` lists them: the single box's filters and order.
    @Suite struct ClusterAlertReviewTests {
        /// Writes an alert row as the analyzer would, `hoursAgo` last seen.
        static func insert(
            _ store: ClusterStore, rule: AnalysisRule, account: String, severity: Severity, state: String,
            hoursAgo: Double, switches: [String] = []
        ) async throws {
            let last = Date().addingTimeInterval(-hoursAgo * 3600)
            let evidence = switches.enumerated().map { index, name in
                """
                {"key":"\(account)-\(index)","time":\(last.timeIntervalSinceReferenceDate),"number":"252612345678",\
                "region":"Somalia","cost":5000000,"switchName":"\(name)"}
                """
            }
            let query: PostgresQuery = """
                INSERT INTO cluster_alerts (rule, subject_type, subject, severity, severity_rank, first_seen_utc,
                    last_seen_utc, headline, metrics, evidence, call_count, cost_micros, call_keys, state, epoch)
                VALUES (\(rule.rawValue), 'account', \(account), \(severity.name), \(severity.rawValue),
                    (\(last)::timestamptz AT TIME ZONE 'UTC'), (\(last)::timestamptz AT TIME ZONE 'UTC'),
                    \("\(account) called Somalia"), '{}'::jsonb, \("[" + evidence.joined(separator: ",") + "]")::jsonb,
                    \(Int64(switches.count)), \(Int64(switches.count) * 5_000_000), '[]'::jsonb, \(state), 1)
                """
            try await store.client.query(query, logger: TestPostgres.logger)
        }

        static let summarizer = AlertSummarizer(timeZone: .gmt, currency: "USD", countryNames: [:])

        @Test func theFiltersAndTheOrderAreTheSingleBoxes() async throws {
            try await TestPostgres.withStore { store in
                try await Self.insert(
                    store, rule: .dailyQuota, account: "1001", severity: .high, state: "open", hoursAgo: 1,
                    switches: ["fs-west", "ast-east"])
                try await Self.insert(
                    store, rule: .velocity, account: "1002", severity: .critical, state: "acknowledged", hoursAgo: 30)
                try await Self.insert(
                    store, rule: .velocity, account: "1003", severity: .warning, state: "open", hoursAgo: 2)
                try await Self.insert(
                    store, rule: .velocity, account: "1004", severity: .critical, state: "resolved", hoursAgo: 3)
                let subjects = { (filter: AlertFilter) in
                    try await store.reviewedAlerts(filter, summarizer: Self.summarizer).map(\.alert.subject.value)
                }
                // Open and acknowledged, most severe first, then the most recent.
                #expect(try await subjects(AlertFilter(states: [.open, .acknowledged])) == ["1002", "1001", "1003"])
                #expect(try await subjects(AlertFilter()) == ["1004", "1002", "1001", "1003"])
                #expect(try await subjects(AlertFilter(states: [.resolved])) == ["1004"])
                #expect(try await subjects(AlertFilter(minimumSeverity: .high)) == ["1004", "1002", "1001"])
                #expect(
                    try await subjects(AlertFilter(since: Date().addingTimeInterval(-2.5 * 3600))) == ["1001", "1003"])
                #expect(
                    try await subjects(AlertFilter(before: Date().addingTimeInterval(-2.5 * 3600))) == ["1004", "1002"])
                #expect(try await subjects(AlertFilter(states: [.open], limit: 1)) == ["1001"])
                // One alert: its evidence with the switch of each call, its summary as the box writes it.
                let listed = try await store.reviewedAlerts(AlertFilter(states: [.open]), summarizer: Self.summarizer)
                let quota = try #require(listed.first { $0.alert.rule == "daily_quota" })
                #expect(quota.alert.state == .open && quota.alert.costMicros == 10_000_000)
                #expect(quota.evidence.compactMap(\.switchName) == ["fs-west", "ast-east"])
                #expect(quota.alert.summary.contains("Somalia"), "\(quota.alert.summary)")
                let shown = try await store.reviewedAlert(id: quota.alert.id, summarizer: Self.summarizer)
                #expect(shown?.alert == quota.alert)
                #expect(try await store.reviewedAlert(id: 9_999, summarizer: Self.summarizer) == nil)
            }
        }
    }
}
