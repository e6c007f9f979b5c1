import Foundation
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// False positives, snoozes and assignment of the cluster's alerts, as the single box's triage.
    @Suite struct ClusterFalsePositiveTests {
        typealias Review = ClusterAlertReviewTests
        static let day: TimeInterval = 24 * 3600

        /// A finding of `rule` about account `account` at `time`.
        static func finding(_ rule: AnalysisRule, _ account: String, at time: Date) -> Finding {
            Finding(
                rule: rule, severity: .high, subject: Subject(.account, account), time: time, headline: "", calls: [])
        }

        /// A false positive closes the matching open alerts when asked and keeps its rule quiet
        /// for its subject from its first call until the quiet time after now; reopening one ends
        /// its own quiet time only.
        @Test func aFalsePositiveKeepsItsRuleQuietForItsSubjectUntilReopened() async throws {
            try await TestPostgres.withStore { store in
                for (rule, account, state, hoursAgo) in [
                    (AnalysisRule.velocity, "1001", "open", 2.0), (.velocity, "1001", "acknowledged", 1),
                    (.velocity, "1001", "resolved", 3), (.velocity, "1002", "open", 1),
                    (.dailyQuota, "1001", "open", 1),
                ] {
                    try await Self.insertAlert(store, rule: rule, account: account, state: state, hoursAgo: hoursAgo)
                }
                let ids = try await store.reviewedAlerts(AlertFilter(), summarizer: Review.summarizer).map(\.alert.id)
                    .sorted()
                let (first, matching, resolved, otherAccount, otherRule) = (ids[0], ids[1], ids[2], ids[3], ids[4])
                let change = { (ids: [Int64], change: AlertChange) in
                    try await store.changeAlerts(
                        ids, change, actor: "alice", comment: "their call centre", suppressFor: Self.day, hooks: [],
                        summarizer: Review.summarizer)
                }
                let state = { (id: Int64) in
                    try #require(try await store.reviewedAlert(id: id, summarizer: Review.summarizer)).alert
                }
                let quiet = { (finding: Finding) in try await store.quietTimes(for: [finding]).covers(finding) }
                let now = Date()
                #expect(try await quiet(Self.finding(.velocity, "1001", at: now)) == false)

                let closed = try await change([first], .falsePositive(.expectedTraffic, closingMatching: true))
                #expect(closed.refused.isEmpty)
                #expect(
                    closed.changed.map(\.after.id) == [first, matching], "open and acknowledged, same rule and subject")
                #expect(
                    closed.changed.map(\.entry.note) == [
                        "their call centre", "closed with alert \(first): their call centre",
                    ])
                for id in [first, matching] { #expect(try await state(id).state == .falsePositive) }
                for id in [resolved, otherAccount, otherRule] { #expect(try await state(id).state != .falsePositive) }
                // Quiet from the first alert's first call to a day from now; other rules and subjects not.
                #expect(try await quiet(Self.finding(.velocity, "1001", at: now)))
                #expect(try await quiet(Self.finding(.velocity, "1001", at: now.addingTimeInterval(-1.9 * 3600))))
                #expect(try await quiet(Self.finding(.velocity, "1001", at: now.addingTimeInterval(Self.day - 60))))
                #expect(
                    try await quiet(Self.finding(.velocity, "1001", at: now.addingTimeInterval(Self.day + 60))) == false
                )
                #expect(
                    try await quiet(Self.finding(.velocity, "1001", at: now.addingTimeInterval(-2.1 * 3600))) == false)
                #expect(try await quiet(Self.finding(.velocity, "1002", at: now)) == false)
                #expect(try await quiet(Self.finding(.dailyQuota, "1001", at: now)) == false)
                // Reopening the first ends its quiet time; the one closed with it keeps its own.
                #expect(try await change([first], .reopen).changed.first?.after.state == .open)
                #expect(try await quiet(Self.finding(.velocity, "1001", at: now)))
                #expect(
                    try await quiet(Self.finding(.velocity, "1001", at: now.addingTimeInterval(-1.9 * 3600))) == false)
                _ = try await change([matching], .reopen)
                #expect(try await quiet(Self.finding(.velocity, "1001", at: now)) == false)
            }
        }

        /// Snoozes and assignment, as on the single box: only an open or acknowledged alert
        /// snoozes, a person's decision ends the snooze, each change journaled.
        @Test func aClusterAlertSnoozesAndIsAssigned() async throws {
            try await TestPostgres.withStore { store in
                try await Self.insertAlert(store, rule: .velocity, account: "1001", state: "open", hoursAgo: 1)
                try await Self.insertAlert(store, rule: .velocity, account: "1002", state: "resolved", hoursAgo: 1)
                let ids = try await store.reviewedAlerts(AlertFilter(), summarizer: Review.summarizer).map(\.alert.id)
                    .sorted()
                let (open, resolved) = (ids[0], ids[1])
                let change = { (ids: [Int64], change: AlertChange) in
                    try await store.changeAlerts(
                        ids, change, actor: "alice", comment: nil, suppressFor: Self.day, hooks: [],
                        summarizer: Review.summarizer)
                }
                let alert = { (id: Int64) in
                    try #require(try await store.reviewedAlert(id: id, summarizer: Review.summarizer)).alert
                }
                let snoozed = try await change([open, resolved], .snooze(.untilWorse))
                #expect(snoozed.refused.map(\.error) == [.notSnoozable(id: resolved, state: .resolved)])
                let before = try await alert(open)
                #expect(
                    before.snooze == AlertSnooze(worseThanCostMicros: 5_000_000, worseAtCalls: 6, worseAtCountries: 1))
                #expect(before.isSnoozed(at: Date()))
                _ = try await change([open], .assign("bob"))
                #expect(try await alert(open).assignee == "bob")
                #expect(try await alert(open).snooze != nil, "assigning keeps the snooze")
                _ = try await change([open], .acknowledge)
                let acknowledged = try await alert(open)
                #expect(
                    acknowledged.snooze == nil && acknowledged.assignee == "bob" && acknowledged.state == .acknowledged)
                _ = try await change([open], .assign(nil))
                #expect(try await alert(open).assignee == nil)
                #expect(
                    try await store.journal(subjectType: "alert").map {
                        "\($0.action) \($0.before ?? "-")→\($0.after ?? "-")"
                    }
                        == [
                            "alert.snoozed -→until it costs more than 5.00 or reaches 6 calls or calls a new country",
                            "alert.assigned -→bob", "alert.acknowledged open→acknowledged", "alert.assigned bob→no one",
                        ])
            }
        }

        /// The analyzer writes nothing of a rule a false positive keeps quiet for a subject: the
        /// alert keeps its figures as its calls go on, another account's alert of the rule is
        /// written, and once the alert is reopened its rule speaks again.
        @Test func theAnalyzerKeepsQuietWhereAFalsePositiveSaysSo() async throws {
            var factory = CallFactory()
            let starts: [(String, Double)] = [
                ("1001", 0), ("1001", 60), ("1001", 120), ("1001", 130), ("1001", 140),
                ("1002", 150), ("1002", 155), ("1002", 160), ("1001", 300), ("1001", 310),
            ]
            let calls = starts.map { factory.call($0.0, to: .national(), at: $0.1, talk: 3600) }
            let origin = factory.origin
            let settings = try ConfigurationLoader.decode(
                """
                [analysis.account]
                concurrent_calls = 2
                """
            ).configuration.analysis
            try await TestPostgres.withStore { store in
                let (lease, analyzer) = CallsUpTests.analyzer(on: store, settings: settings)
                var session = try await analyzer.resume(try #require(try await lease.acquire()))
                func ship(_ range: Range<Int>, promising seconds: Double) async throws -> Int {
                    try await CallsUpTests.shipAndStep(
                        calls, range, promising: origin.addingTimeInterval(seconds), store: store, analyzer: analyzer,
                        session: &session
                    ).reduce(0) { $0 + $1.quieted }
                }
                let concurrency = { (account: String) in
                    try await store.alerts().filter {
                        $0.draft.rule == .concurrentCalls && $0.draft.subject.value == account
                    }
                }
                #expect(try await ship(0..<3, promising: 125) == 0)
                let raised = try #require(try await concurrency("1001").first)
                let id = try #require(raised.id)
                _ = try await store.changeAlerts(
                    [id], .falsePositive(.expectedTraffic, closingMatching: false), actor: "alice", comment: nil,
                    suppressFor: Self.day, hooks: [], summarizer: Review.summarizer)
                // Two more calls of 1001 at once, three of 1002: only 1002's alert is written.
                #expect(try await ship(3..<8, promising: 200) > 0)
                let kept = try await concurrency("1001")
                #expect(kept.map(\.id) == [id])
                #expect(kept.first?.draft.callCount == raised.draft.callCount, "\(kept)")
                #expect(kept.first?.draft.severity == raised.draft.severity)
                #expect(try await concurrency("1002").count == 1)
                // Reopened: 1001's next calls at once count again.
                _ = try await store.changeAlerts(
                    [id], .reopen, actor: "alice", comment: nil, suppressFor: Self.day, hooks: [],
                    summarizer: Review.summarizer)
                #expect(try await ship(8..<10, promising: 400) == 0)
                let spoken = try await concurrency("1001")
                #expect(spoken.count == 1 && (spoken.first?.draft.callCount ?? 0) > raised.draft.callCount, "\(spoken)")
            }
        }

        static func insertAlert(
            _ store: ClusterStore, rule: AnalysisRule, account: String, state: String, hoursAgo: Double
        ) async throws {
            try await Review.insert(
                store, rule: rule, account: account, severity: .high, state: state, hoursAgo: hoursAgo,
                switches: ["pbx1"])
        }
    }
}
