import Foundation
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// The leading analyzer takes the cluster's quotas when it starts leading and again while it leads.
    @Suite struct AnalyzerQuotaRefreshTests {
        /// A quota lowered while the analyzer leads counts from its next look: the account's next
        /// call breaches it, without a takeover.
        @Test func aQuotaSetWhileTheAnalyzerLeadsCountsAtOnce() async throws {
            let (afterTwo, afterThree) = try await Self.threeCalls(quota: 1000, thenQuota: 25, refresh: .zero)
            #expect(afterTwo.isEmpty, "$20 of $1,000")
            #expect(afterThree.count == 1 && afterThree.first?.draft.subject.value == "1001", "\(afterThree)")
            #expect(afterThree.first?.draft.costMicros == Money.micros(30), "\(afterThree)")
        }

        /// The analyzer starts leading with the cluster's quotas, not those its engine was made
        /// with (the node's own store's): a takeover keeps what people set on any node.
        @Test func theAnalyzerStartsWithTheClustersQuotas() async throws {
            let (_, afterThree) = try await Self.threeCalls(
                quota: 25, thenQuota: nil, refresh: .seconds(3600), nodesOwn: 1000)
            #expect(afterThree.count == 1 && afterThree.first?.draft.severity == .high, "\(afterThree)")
            #expect(afterThree.first?.draft.costMicros == Money.micros(30), "\(afterThree)")
        }

        /// Three $10 calls of account 1001, 15 minutes apart, analyzed as they arrive.
        ///
        /// Returns the quota alerts after the first two and after the third. The cluster's quota is `quota`, then
        /// `thenQuota` before the third; the engine is made with `nodesOwn` (a node's own store's).
        static func threeCalls(quota: Double, thenQuota: Double?, refresh: Duration, nodesOwn: Double? = nil)
            async throws -> (afterTwo: [ClusterAlert], afterThree: [ClusterAlert])
        {
            var factory = CallFactory()
            let calls = [0.0, 900, 1800].map {
                factory.call("1001", to: .international(rate: 1.0), at: $0, talk: 600)  // $10 each
            }
            let origin = factory.origin
            return try await TestPostgres.withStore { store in
                func setQuota(_ dollars: Double) async throws {
                    try await store.setQuota(
                        QuotaEntry(
                            account: "1001", dailyMicros: Money.micros(dollars), currency: "USD", setBy: "noc",
                            setAt: Date()),
                        reason: nil)
                }
                try await setQuota(quota)
                var lease = AnalyzerLease(store: store, node: "analyzer-a")
                lease.duration = .seconds(600)
                let own = nodesOwn.map { ["1001": Money.micros($0)] } ?? [:]
                var analyzer = ClusterAnalyzer(
                    store: store, lease: lease, timeZone: .named("UTC"), logger: TestPostgres.logger,
                    makeEngine: { .standard(settings: AnalysisSettings(), timeZone: .named("UTC"), quotas: own) })
                analyzer.quotaRefresh = refresh
                var session = try await analyzer.resume(try #require(try await lease.acquire()))
                func ship(_ range: Range<Int>, promising seconds: Double) async throws {
                    try await CallsUpTests.shipAndStep(
                        calls, range, promising: origin.addingTimeInterval(seconds), store: store, analyzer: analyzer,
                        session: &session)
                }
                let quotaAlerts = { try await store.alerts().filter { $0.draft.rule == .dailyQuota } }
                try await ship(0..<2, promising: 1000)
                let afterTwo = try await quotaAlerts()
                if let thenQuota { try await setQuota(thenQuota) }
                try await ship(2..<3, promising: 2500)
                return (afterTwo, try await quotaAlerts())
            }
        }
    }
}
