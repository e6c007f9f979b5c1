import Foundation
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardDemo

extension PostgresServerTests {
    /// `tollguard report` on a node of a cluster: the report of every switch's calls and the
    /// analyzer's alerts and actions, with the figures one box's report gives of the same calls.
    @Suite struct ClusterReportTests {
        /// An alert as a report shows it, apart from what each store numbers or words its own way.
        struct ReportedAlert: Equatable, Comparable {
            var rule: String
            var severity: String
            var subject: String
            var firstSeen: String
            var lastSeen: String
            var calls: Int
            var spend: Int64
            var evidence: [PeriodReport.EvidenceRow]

            init(_ alert: PeriodReport.Alert) {
                rule = alert.rule
                severity = alert.severity
                subject = "\(alert.subjectType):\(alert.subject)"
                firstSeen = alert.firstSeen
                lastSeen = alert.lastSeen
                calls = alert.calls
                spend = alert.spendMicros
                evidence = alert.evidence.sorted {
                    ($0.time, $0.number, $0.billsec, $0.costMicros) < ($1.time, $1.number, $1.billsec, $1.costMicros)
                }
            }

            static func < (a: Self, b: Self) -> Bool {
                (a.rule, a.subject, a.firstSeen, a.lastSeen) < (b.rule, b.subject, b.firstSeen, b.lastSeen)
            }
        }

        @Test func theClustersReportOfTwoSwitchesHasOneBoxsFigures() async throws {
            let site = try await ClusterAnalyzerTests.site()
            let outcome = site.outcome
            let zone = Simulation.timeZone
            let plan = try NumberingPlan.builtIn.get()
            let now = Date()
            let quotas = try await outcome.database.quotaTable()
            let box = try await ReportBuilder(
                database: outcome.database, configuration: outcome.configuration, timeZone: zone,
                countryNames: plan.countryNames
            ).build(from: outcome.from, to: outcome.to, now: now)
            #expect(box.totals.calls > 1_000 && !box.alerts.isEmpty, "the simulated site has traffic and fraud")
            try await TestPostgres.withStore { store in
                // The site's calls, alternately through two switches, each shipped by its edge.
                var halves: [[ShippedCall]] = []
                for switchName in ["pbx1", "pbx2"] {
                    let all = try await outcome.database.calls(after: 0, limit: 1_000_000, switchName: switchName)
                    let half = all.enumerated().filter { $0.offset % 2 == halves.count }.map(\.element)
                    halves.append(
                        ClusterAnalyzerTests.numbered(half, inOrderOf: { site.times[$0.shippedKey]?.start }))
                }
                for (index, calls) in halves.enumerated() {
                    let switchName = "pbx\(index + 1)"
                    _ = try await store.ship(calls, after: 0, source: "edge-\(index + 1)", switchName: switchName)
                    try await store.mark(
                        source: "edge-\(index + 1)", switchName: switchName,
                        watermark: Date(timeIntervalSince1970: 3_999_999_999))
                }
                let analyzer = ClusterAnalyzerTests.analyzer(of: site, on: store)
                let held = try #require(try await analyzer.lease.acquire())
                var session = try await analyzer.resume(held)
                while try await analyzer.step(&session).more {}
                // A call hung up by the analyzer's command, carried out by pbx2's edge.
                let killed = try #require(halves[1].first?.shippedKey)
                try await analyzer.lease.issue(
                    KillCommand(switchName: "pbx2", callUUID: killed, account: "1001", reason: "test: quota"),
                    under: session.held)
                _ = try await store.carryOutKillCommands(for: ["pbx2"], by: "edge-2") { _ in "+OK" }

                let summarizer = AlertSummarizer(
                    timeZone: zone, currency: outcome.configuration.rating.currency, countryNames: plan.countryNames)
                func report(from: Date, to: Date) async throws -> PeriodReport {
                    try await store.report(
                        ReportTally(
                            from: from, to: to, timeZone: zone, countryNames: plan.countryNames,
                            publicContexts: outcome.configuration.analysis.publicContexts),
                        site: "", configuration: outcome.configuration, quotas: quotas, summarizer: summarizer,
                        now: now)
                }
                let cluster = try await report(from: outcome.from, to: outcome.to)
                #expect(cluster.name == box.name && cluster.from == box.from && cluster.to == box.to)
                #expect(cluster.totals == box.totals)
                #expect(cluster.hours == box.hours)
                #expect(cluster.accounts == box.accounts)
                #expect(cluster.countries == box.countries)
                // Each switch's share, the two adding up to the site's.
                let switches = try #require(cluster.switches)
                #expect(switches.map(\.name).sorted() == ["pbx1", "pbx2"])
                #expect(switches.map(\.calls).reduce(0, +) == box.totals.calls)
                #expect(switches.map(\.spendMicros).reduce(0, +) == box.totals.spendMicros)
                #expect(switches.map(\.answered).reduce(0, +) == box.totals.answered)
                #expect(switches.allSatisfy { $0.calls > 0 })
                // The alerts, with their evidence calls' details from the calls table.
                #expect(cluster.alerts.map(ReportedAlert.init).sorted() == box.alerts.map(ReportedAlert.init).sorted())
                #expect(
                    cluster.alerts.flatMap(\.evidence).allSatisfy { !$0.account.isEmpty && !$0.disposition.isEmpty })

                // What was done: the analyzer's suspensions and the call its command hung up.
                let actions = try await report(from: now.addingTimeInterval(-3600), to: Date().addingTimeInterval(3600))
                let suspended = try await store.suspensions().filter(\.enforced).map(\.account).sorted()
                #expect(!suspended.isEmpty, "the simulated fraud breaks a quota")
                #expect(actions.actions.filter { $0.kind == "suspended" }.map(\.account).sorted() == suspended)
                let kills = actions.actions.filter { $0.kind == "call killed" }
                #expect(kills.map(\.detail) == ["\(killed) on pbx2: test: quota → +OK"])
                #expect(actions.totals.calls == 0, "no simulated call started in the last hour")
            }
        }
    }
}
