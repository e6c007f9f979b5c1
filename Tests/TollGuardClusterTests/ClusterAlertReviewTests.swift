import Foundation
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// The cluster's alerts as `tollguard alerts` lists them: the single box's filters and order.
    @Suite struct ClusterAlertReviewTests {
        /// Writes an alert row as the analyzer would, `hoursAgo` last seen.
        static func insert(
            _ store: ClusterStore, rule: AnalysisRule, account: String, severity: Severity, state: String,
            hoursAgo: Double, switches: [String] = [], number: String = "252612345678"
        ) async throws {
            let last = Date().addingTimeInterval(-hoursAgo * 3600)
            let evidence = switches.enumerated().map { index, name in
                """
                {"key":"\(account)-\(index)","time":\(last.timeIntervalSinceReferenceDate),"number":"\(number)",\
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

        /// A person acknowledges, resolves and reopens the cluster's alerts as the single box's:
        /// only where the state allows, each change journaled and told once to the hooks that
        /// take `alert_changed`.
        @Test func aPersonsDecisionOnAClusterAlertIsJournaledAndToldOnce() async throws {
            try await TestPostgres.withStore { store in
                try await Self.insert(
                    store, rule: .dailyQuota, account: "1001", severity: .high, state: "open", hoursAgo: 1,
                    switches: ["fs-west", "ast-east"])
                try await Self.insert(
                    store, rule: .velocity, account: "1002", severity: .critical, state: "resolved", hoursAgo: 2)
                let ids = try await store.reviewedAlerts(AlertFilter(), summarizer: Self.summarizer).map(\.alert.id)
                    .sorted()
                let (quota, velocity) = (ids[0], ids[1])
                let noc = AlertSeeds.programHook("noc", events: [.alertChanged])
                let change = { (ids: [Int64], change: AlertChange, comment: String?) in
                    try await store.changeAlerts(
                        ids, change, actor: "alice", comment: comment, suppressFor: 3600, hooks: [noc],
                        summarizer: Self.summarizer)
                }
                let state = { (id: Int64) in
                    try #require(try await store.reviewedAlert(id: id, summarizer: Self.summarizer)).alert
                }

                let acknowledged = try await change([quota], .acknowledge, "on it")
                #expect(acknowledged.refused.isEmpty && acknowledged.changed.count == 1)
                let shown = try await state(quota)
                #expect(shown.state == .acknowledged && shown.stateBy == "alice" && shown.stateComment == "on it")
                #expect(shown.costMicros == 10_000_000, "the figures stay the analyzer's")
                // Refused where the state does not allow it; an unknown id; the rest of the batch changes.
                let mixed = try await change([velocity, 9_999, quota], .acknowledge, nil)
                #expect(mixed.changed.isEmpty)
                #expect(
                    mixed.refused.map(\.error) == [
                        .notAllowed(id: velocity, from: .resolved, to: .acknowledged), .noSuchAlert(9_999),
                        .notAllowed(id: quota, from: .acknowledged, to: .acknowledged),
                    ])
                let resolved = try await change([quota], .resolve(.fraudStopped), "blocked the range")
                #expect(resolved.changed.first?.entry.after == "resolved (fraud, stopped)")
                #expect(try await state(quota).state == .resolved)
                #expect(try await change([velocity], .reopen, "  ").changed.first?.after.state == .open)

                let journal = try await store.journal(subjectType: "alert")
                #expect(
                    journal.map { "\($0.subject ?? "") \($0.action) \($0.before ?? "-")→\($0.after ?? "-")" } == [
                        "\(quota) alert.acknowledged open→acknowledged",
                        "\(quota) alert.resolved acknowledged→resolved (fraud, stopped)",
                        "\(velocity) alert.open resolved→open",
                    ])
                #expect(journal.allSatisfy { $0.actor == "alice" })
                #expect(journal.map(\.note) == ["on it", "blocked the range", nil], "a blank comment is none")
                let events = try await ClusterOutbox(store: store).events()
                #expect(events.map(\.type) == Array(repeating: .alertChanged, count: 3))
                #expect(events.compactMap(\.change?.action) == journal.map(\.action))
                #expect(events.first?.alerts.first?.id == quota && events.first?.actor == "alice")
                #expect(try await ClusterOutbox(store: store).counts() == [.pending: 3])
            }
        }

        /// An alert a person resolved keeps its state as the analyzer escalates it, and — as the
        /// single box's action layer — its escalation tells no hook and suspends no one.
        @Test func anAlertAPersonClosedTellsNoOneWhenItEscalates() async throws {
            var factory = CallFactory()
            let calls = [0.0, 60, 120, 130, 140].map { factory.call("1001", to: .national(), at: $0, talk: 3600) }
            let origin = factory.origin
            // Three calls at once a warning, four (twice the limit) high.
            let settings = try ConfigurationLoader.decode(
                """
                [analysis.account]
                concurrent_calls = 2
                """
            ).configuration.analysis
            var noc = AlertSeeds.programHook("noc", events: [.alert, .suspend])
            noc.minSeverity = .info
            var actions = ActionSettings(hooks: [noc])
            actions.policy.rules = [AnalysisRule.concurrentCalls.rawValue: .high]
            let policy = actions
            try await TestPostgres.withStore { store in
                var (lease, analyzer) = CallsUpTests.analyzer(on: store, settings: settings)
                analyzer.actions = { policy }
                var session = try await analyzer.resume(try #require(try await lease.acquire()))
                func ship(_ range: Range<Int>, promising seconds: Double) async throws {
                    try await CallsUpTests.shipAndStep(
                        calls, range, promising: origin.addingTimeInterval(seconds), store: store, analyzer: analyzer,
                        session: &session)
                }
                // Three calls at once: the account's concurrency alert, told.
                try await ship(0..<3, promising: 125)
                let raised = try #require(try await store.alerts().first { $0.draft.rule == .concurrentCalls })
                let id = try #require(raised.id)
                #expect(raised.draft.severity == .warning)
                #expect(try await ClusterOutbox(store: store).events().map(\.type) == [.alert])
                _ = try await store.changeAlerts(
                    [id], .resolve(.customerConfirmed), actor: "alice", comment: nil, suppressFor: 0, hooks: [],
                    summarizer: Self.summarizer)
                // Five at once: the same alert, high now, still resolved; nobody told, nobody suspended.
                try await ship(3..<5, promising: 200)
                let escalated = try #require(try await store.reviewedAlert(id: id, summarizer: Self.summarizer))
                #expect(escalated.alert.severity == .high && escalated.alert.callCount == 5, "\(escalated.alert)")
                #expect(escalated.alert.state == .resolved && escalated.alert.stateBy == "alice")
                #expect(try await store.alerts().filter { $0.draft.rule == .concurrentCalls }.count == 1)
                #expect(try await ClusterOutbox(store: store).events().map(\.type) == [.alert])
                #expect(try await store.suspensions().isEmpty)
            }
        }
    }
}
