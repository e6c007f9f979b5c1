import Foundation
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

extension PostgresServerTests {
    /// `analyze --cluster`: the cluster's calls replayed as its analyzer consumed them, and the
    /// alerts found compared with the analyzer's.
    @Suite struct ClusterReplayCheckTests {
        typealias Site = ClusterAnalyzerTests.Site

        /// The live analysis of a simulated site's two days agrees with the replay; an alert the
        /// cluster lacks is missed, one it holds at a lower severity is under-rated.
        @Test func theReplayFindsWhatTheLiveAnalysisMissed() async throws {
            let site = try await ClusterAnalyzerTests.site()
            let name = try await TestPostgres.createDatabase()
            // The command on a node of the cluster: the site's configuration and store, and the cluster's url.
            let folder = try TemporaryDirectory("tollguard-replay-check")
            let config = try ClusterAnalyzerTests.nodeConfiguration(of: site, database: name, in: folder)
            try await TestPostgres.withStore(database: name) { store in
                let check = ClusterReplayCheck(store: store) { try site.outcome.analysisRun.makeEngine() }
                await #expect(throws: NothingAnalyzedYet.self) {
                    try await check.run(from: ClusterAnalyzerTests.beginning, to: ClusterAnalyzerTests.end)
                }
                try await ClusterAnalyzerTests.shipWhole(site, to: store)
                let analyzer = ClusterAnalyzerTests.analyzer(of: site, on: store)
                var session = try await analyzer.resume(try #require(try await analyzer.lease.acquire()))
                while try await analyzer.step(&session).more {}

                // The period: the site's second day, after the first as history.
                let zone = try #require(TimeZone(identifier: SimulatedSite.timeZoneIdentifier))
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = zone
                let days = Set(site.times.values.map { calendar.startOfDay(for: $0.start) }).sorted()
                let (from, to) = (days[1], try #require(calendar.date(byAdding: .day, value: 1, to: days[1])))
                let period = [
                    "--from", LocalTimeFormatter(timeZone: zone).minutes(from), "--to",
                    LocalTimeFormatter(timeZone: zone).minutes(to), "--config", config,
                ]
                // A node that counts days in another time zone than the analyzer is refused: its
                // replay would differ by that alone.
                let kiritimati = try #require(TimeZone(identifier: "Pacific/Kiritimati"))
                var elsewhere = check
                elsewhere.nodeTimeZone = kiritimati
                await #expect(throws: TimeZoneDiffers.self) { try await elsewhere.run(from: from, to: to) }
                var here = check
                here.nodeTimeZone = zone
                let agreed = try await here.run(from: from, to: to)
                let inPeriod = site.times.values.filter { $0.start >= from && $0.start < to }.count
                #expect(agreed.callsReplayed == inPeriod && agreed.callsWarmingUp > 0)
                #expect(
                    agreed.agrees,
                    "missed \(agreed.missed.map(\.rule)), under-rated \(agreed.underRated.map(\.replay.rule))")
                #expect(!agreed.found.isEmpty && agreed.matched == agreed.found.count)
                let agreeing = try await EdgeServeTests.tollguard(["analyze", "--cluster"] + period)
                #expect(agreeing.status == 0, "\(agreeing.stdout)\(agreeing.stderr)")
                #expect(
                    agreeing.stdout.contains(
                        "the replay found \(agreed.found.count) alerts: \(agreed.found.count) raised by the cluster's "
                            + "analyzer as severe or more, 0 missed, 0 at a lower severity"), "\(agreeing.stdout)")

                // The cluster loses one alert of the period, and holds another at info.
                let high = agreed.found.filter { $0.severity > .info }
                let lost = try #require(high.first)
                let lowered = try #require(high.first { $0.rule != lost.rule || $0.subject != lost.subject })
                for (draft, sql) in [
                    (lost, "DELETE FROM cluster_alerts"), (lowered, "UPDATE cluster_alerts SET severity_rank = 0"),
                ] {
                    var binds = PostgresBindings()
                    binds.append(draft.rule.rawValue)
                    binds.append(draft.subject.kind.rawValue)
                    binds.append(draft.subject.value)
                    binds.append(draft.windowKey)
                    try await store.client.query(
                        PostgresQuery(
                            unsafeSQL: sql + " WHERE rule = $1 AND subject_type = $2 AND subject = $3 "
                                + "AND window_key IS NOT DISTINCT FROM $4", binds: binds),
                        logger: TestPostgres.logger)
                }
                let checked = try await check.run(from: from, to: to)
                #expect(!checked.agrees)
                #expect(checked.missed.map(\.subject) == [lost.subject])
                #expect(checked.underRated.map(\.replay.subject) == [lowered.subject])
                #expect(checked.underRated.first?.cluster == .info)
                #expect(checked.matched == agreed.found.count - 2)
                let disagreeing = try await EdgeServeTests.tollguard(["analyze", "--cluster", "--json"] + period)
                #expect(disagreeing.status == 5, "\(disagreeing.stdout)\(disagreeing.stderr)")
                let answer = try JSONSerialization.jsonObject(with: Data(disagreeing.stdout.utf8)) as? [String: Any]
                let missed = answer?["missed"] as? [[String: Any]]
                let underRated = answer?["under_rated"] as? [[String: Any]]
                #expect(missed?.map { $0["subject"] as? String } == [lost.subject.value])
                #expect(underRated?.map { $0["cluster_severity"] as? String } == ["info"])
                #expect(answer?["agrees"] as? Bool == false)

                // A node configured in another time zone: `cluster status` says so, the check refuses.
                let status = try await EdgeServeTests.tollguard(["cluster", "status", "--config", config])
                #expect(status.stdout.contains("days counted in America/New_York, as on this node"), "\(status.stdout)")
                let otherZone = try folder.write(
                    "elsewhere.toml",
                    text: try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(
                        of: "timezone = \"America/New_York\"", with: "timezone = \"Pacific/Kiritimati\""))
                let warned = try await EdgeServeTests.tollguard(["cluster", "status", "--config", otherZone])
                #expect(
                    warned.stdout.contains(
                        "warning: the analyzer counts days in America/New_York, this node in Pacific/Kiritimati"),
                    "\(warned.stdout)")
                let refused = try await EdgeServeTests.tollguard(
                    ["analyze", "--cluster", "--from", "2026-01-01", "--config", otherZone])
                #expect(
                    refused.status != 0
                        && refused.stderr.contains(
                            "this node's [site] timezone is Pacific/Kiritimati, but the cluster's analyzer counts days "
                                + "in America/New_York"),
                    "\(refused.stderr)")
            }
            await TestPostgres.dropDatabase(name)
        }
    }
}
