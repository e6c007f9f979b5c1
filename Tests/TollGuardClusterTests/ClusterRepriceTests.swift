import Foundation
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

extension PostgresServerTests {
    /// `rates reprice` on a node of a cluster: the cluster's calls priced again with its deck, and
    /// each day's spend counted again as the analyzer counted it.
    @Suite struct ClusterRepriceTests {
        /// The spend of each account and day, as `cluster_spend` holds it.
        static func spend(_ store: ClusterStore) async throws -> [String] {
            var rows: [String] = []
            for try await (account, day, calls, cost) in try await store.client.query(
                "SELECT account, day::text, calls, cost_micros FROM cluster_spend ORDER BY account, day",
                logger: TestPostgres.logger
            ).decode((String, String, Int64, Int64).self) {
                rows.append("\(account) \(day) \(calls) \(cost)")
            }
            return rows
        }

        @Test func aNewDeckPricesTheClustersCallsAndTheirSpendAgain() async throws {
            let site = try await ClusterAnalyzerTests.site()
            let name = try await TestPostgres.createDatabase()
            let folder = try TemporaryDirectory("tollguard-reprice")
            let config = try ClusterAnalyzerTests.nodeConfiguration(of: site, database: name, in: folder)
            try await TestPostgres.withStore(database: name) { store in
                // Every call shipped, the edge's promise in the middle of the site's days: the
                // analyzer has taken them all and played those before it.
                let journal = try await ClusterAnalyzerTests.journal(of: site)
                _ = try await store.ship(journal, after: 0, source: "edge-1", switchName: "pbx1")
                let starts = site.times.values.map(\.start).sorted()
                try await store.mark(source: "edge-1", switchName: "pbx1", watermark: starts[starts.count / 2])
                let analyzer = ClusterAnalyzerTests.analyzer(of: site, on: store)
                var session = try await analyzer.resume(try #require(try await analyzer.lease.acquire()))
                while try await analyzer.step(&session).more {}
                let counted = try await Self.spend(store)
                let countedCalls = counted.compactMap { Int($0.split(separator: " ")[2]) }.reduce(0, +)
                #expect(counted.count > 20, "\(counted.count) accounts and days")
                #expect(countedCalls < site.times.count - 1_000, "calls taken and not played yet")

                // The site's own deck: every price as it was, and each day's spend as the analyzer
                // counted it (the calls it has played).
                let configuration = site.outcome.configuration
                let plan = try NumberingPlan.builtIn.get()
                let same = try configuration.destinationRater(plan: plan, deck: try site.outcome.database.rateDeck())
                let unchanged = try await store.reprice(with: same, from: nil, timeZone: Simulation.timeZone)
                #expect(unchanged.calls == site.times.count && unchanged.days.count >= 2)
                #expect(try await Self.spend(store) == counted)
                // A node whose [site] timezone is another counts the days again as the analyzer
                // counts them, in the analyzer's time zone.
                let kiritimati = try #require(TimeZone(identifier: "Pacific/Kiritimati"))
                let elsewhere = try await store.reprice(with: same, from: nil, timeZone: kiritimati)
                #expect(elsewhere.timeZone.identifier == Simulation.timeZone.identifier)
                #expect(elsewhere.days == unchanged.days)
                #expect(try await Self.spend(store) == counted)
                // The leader plays the rest and adds only them.
                try await store.mark(
                    source: "edge-1", switchName: "pbx1", watermark: Date(timeIntervalSince1970: 3_999_999_999))
                while try await analyzer.step(&session).more {}
                _ = try await analyzer.step(&session)
                let played = try await Self.spend(store)

                // A deck that prices Cuba at 10.00 a minute (the fallback elsewhere), from the site's second day.
                let cuba = RateDeck(entries: [
                    RateDeck.Entry(prefix: "53", destination: "Cuba", ratePerMinuteMicros: 10_000_000)
                ])
                let second = try #require(unchanged.days.dropFirst().first)
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = Simulation.timeZone
                let parts = second.split(separator: "-").compactMap { Int($0) }
                let from = try #require(
                    calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])))
                let repriced = try await store.reprice(
                    with: try configuration.destinationRater(plan: plan, deck: cuba), from: from,
                    timeZone: Simulation.timeZone)
                let later = site.times.values.filter { $0.start >= from }.count
                #expect(repriced.calls == later && !repriced.days.contains(unchanged.days[0]))
                #expect(
                    try await TestPostgres.number(
                        """
                        SELECT count(*) FROM calls WHERE dest_e164 LIKE '+53%' AND rate_per_min_micros = 10000000
                        AND start_utc >= (\(from)::timestamptz AT TIME ZONE 'UTC')
                        """, store) > 0)
                #expect(
                    try await TestPostgres.number(
                        """
                        SELECT count(*) FROM calls WHERE dest_e164 LIKE '+53%' AND rate_per_min_micros = 10000000
                        AND start_utc < (\(from)::timestamptz AT TIME ZONE 'UTC')
                        """, store) == 0, "calls before --from keep their price")
                // Each day's spend is the sum of its calls' new costs; the first day's is as it was.
                let recounted = try await Self.spend(store)
                #expect(recounted != played)
                #expect(
                    recounted.filter { $0.contains(" \(unchanged.days[0]) ") }
                        == played.filter { $0.contains(" \(unchanged.days[0]) ") })
                let sums = try await TestPostgres.number(
                    "SELECT coalesce(sum(cost_micros), 0)::bigint FROM cluster_spend", store)
                let costs = try await TestPostgres.number(
                    "SELECT coalesce(sum(cost_micros), 0)::bigint FROM calls", store)
                #expect(sums == costs, "every call was played: the spend is the calls' cost")

                // Through the command on a node: the cluster's deck, the example (the site's own),
                // prices every call as it was, and each day's spend is as the analyzer counted it.
                let imported = try await EdgeServeTests.tollguard(["rates", "import", "--example", "--config", config])
                #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
                let command = try await EdgeServeTests.tollguard(["rates", "reprice", "--config", config])
                #expect(command.status == 0, "\(command.stdout)\(command.stderr)")
                #expect(
                    command.stdout.contains("repriced \(site.times.count) calls of the cluster")
                        && command.stdout.contains("the spend of \(unchanged.days.count) days counted again"),
                    "\(command.stdout)")
                #expect(try await Self.spend(store) == played)
            }
            await TestPostgres.dropDatabase(name)
        }
    }
}
