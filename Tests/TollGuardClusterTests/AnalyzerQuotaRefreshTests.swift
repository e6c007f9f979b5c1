import Foundation
import Synchronization
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// The leading analyzer takes the quotas in force again while it leads.
    @Suite struct AnalyzerQuotaRefreshTests {
        /// A quota lowered while the analyzer leads counts from its next look: the account's next
        /// call breaches it, without a takeover.
        @Test func aQuotaSetWhileTheAnalyzerLeadsCountsAtOnce() async throws {
            var factory = CallFactory()
            let calls = [0.0, 900, 1800].map {
                factory.call("1001", to: .international(rate: 1.0), at: $0, talk: 600)  // $10 each
            }
            let origin = factory.origin
            let quotas = Mutex<[String: Int64]>(["1001": Money.micros(1000)])
            try await TestPostgres.withStore { store in
                var lease = AnalyzerLease(store: store, node: "analyzer-a")
                lease.duration = .seconds(600)
                var analyzer = ClusterAnalyzer(
                    store: store, lease: lease, timeZone: .named("UTC"), logger: TestPostgres.logger,
                    makeEngine: {
                        .standard(settings: AnalysisSettings(), timeZone: .named("UTC"), quotas: quotas.withLock { $0 })
                    })
                analyzer.quotas = { (quotas.withLock { $0 }, [:]) }
                analyzer.quotaRefresh = .zero
                var session = try await analyzer.resume(try #require(try await lease.acquire()))
                func ship(_ range: Range<Int>, promising seconds: Double) async throws {
                    try await CallsUpTests.shipAndStep(
                        calls, range, promising: origin.addingTimeInterval(seconds), store: store, analyzer: analyzer,
                        session: &session)
                }
                let quotaAlerts = { try await store.alerts().filter { $0.draft.rule == .dailyQuota } }
                try await ship(0..<2, promising: 1000)
                #expect(try await quotaAlerts().isEmpty, "$20 of $1,000")
                quotas.withLock { $0["1001"] = Money.micros(25) }
                try await ship(2..<3, promising: 2500)
                let breached = try await quotaAlerts()
                #expect(breached.count == 1 && breached.first?.draft.subject.value == "1001", "\(breached)")
                #expect(breached.first?.draft.costMicros == Money.micros(30), "\(breached)")
            }
        }
    }
}
