import Foundation
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// `cluster.keep_days`: the cluster store drops whole days of calls past it, never a day the
    /// analysis still reaches back to.
    @Suite struct ClusterRetentionTests {
        /// Two calls on each of four days, shipped by one edge.
        static func shipFourDays(_ store: ClusterStore, from origin: Date) async throws -> [String] {
            var factory = CallFactory(origin: origin)
            let calls = (0..<4).flatMap { day in
                [3600.0, 7200].map { factory.call("1001", at: Double(day) * 86_400 + $0) }
            }
            let shipped = calls.enumerated().map { CallsUpTests.shipped($1, Int64($0 + 1)) }
            _ = try await store.ship(shipped, after: 0, source: "edge-1", switchName: "pbx1")
            return (0..<4).map { String(StoredTime.text(origin.addingTimeInterval(Double($0) * 86_400)).prefix(10)) }
        }

        static func partition(_ day: String) -> String { "calls_" + day.replacingOccurrences(of: "-", with: "") }

        @Test func theDaysBeforeTheCutoffAreDroppedWholeAndTheRestStay() async throws {
            try await TestPostgres.withStore { store in
                let origin = Date(timeIntervalSince1970: 1_762_992_000)  // 2025-11-13 00:00 UTC
                let days = try await Self.shipFourDays(store, from: origin)
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls", store) == 8)
                // The cutoff in the middle of the third day: the first two go, whole.
                let cutoff = origin.addingTimeInterval(2.5 * 86_400)
                #expect(try await store.dropCalls(before: cutoff) == Array(days.prefix(2)))
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls", store) == 4)
                #expect(try await TestPostgres.number("SELECT count(*) FROM call_keys", store) == 4)
                for (index, day) in days.enumerated() {
                    let exists = try await TestPostgres.number(
                        "SELECT count(*) FROM pg_class WHERE relname = \(Self.partition(day))", store)
                    #expect(exists == (index < 2 ? 0 : 1), "\(day)")
                }
                #expect(try await store.dropCalls(before: cutoff).isEmpty, "nothing more to drop")
                // A late record of a dropped day, shipped by a store that made its partition
                // before: the day is made again and the call stored, in one shipment.
                var factory = CallFactory(origin: origin)
                let late = CallsUpTests.shipped(factory.call("1002", at: 1800), 9)
                #expect(
                    try await store.ship([late], after: 8, source: "edge-1", switchName: "pbx1")
                        == ShipmentOutcome(inserted: 1))
                #expect(
                    try await TestPostgres.number(
                        "SELECT count(*) FROM pg_class WHERE relname = \(Self.partition(days[0]))", store) == 1)
            }
        }

        /// The leading analyzer drops the days past `keep_days`, and keeps those its engine's reach needs.
        @Test func theLeadingAnalyzerDropsTheDaysPastKeepDays() async throws {
            let name = try await TestPostgres.createDatabase()
            let old = Date(timeIntervalSince1970: 1_731_456_000)  // 2024-11-13, long past any reach
            let recent = Date().addingTimeInterval(-86_400)
            let (oldDays, recentDays) = try await TestPostgres.withStore(database: name) { store in
                let oldDays = try await Self.shipFourDays(store, from: old)
                var factory = CallFactory(origin: recent)
                var recentCall = factory.call("1001", at: 60)
                recentCall.key = "recent-1"  // the factory's keys start again at test-1
                let call = CallsUpTests.shipped(recentCall, 9)
                _ = try await store.ship([call], after: 8, source: "edge-1", switchName: "pbx1")
                return (oldDays, [call.startDay])
            }
            let settings = AnalysisSettings()
            let engine = AnalysisEngine.standard(settings: settings, timeZone: .named("UTC"))
            #expect(engine.reach < 300 * 86_400, "the old days lie past the engine's reach")
            var service = try TestPostgres.analyzerService(database: name, application: "retention-test") {
                .standard(settings: settings, timeZone: .named("UTC"))
            }
            service.keepDays = 1
            let running = Task { [service] in try await service.run() }
            defer { running.cancel() }
            let dropped = try await poll(upTo: 60, every: .milliseconds(200)) {
                try await TestPostgres.withStore(database: name) { store in
                    try await TestPostgres.number("SELECT count(*) FROM calls", store) == 1
                }
            }
            let left = try await TestPostgres.withStore(database: name) { store in
                try await TestPostgres.number("SELECT count(*) FROM calls", store)
            }
            #expect(dropped, "the old days' calls are dropped: \(left) calls left")
            try await TestPostgres.withStore(database: name) { store in
                for day in oldDays + recentDays {
                    let exists = try await TestPostgres.number(
                        "SELECT count(*) FROM pg_class WHERE relname = \(Self.partition(day))", store)
                    #expect(exists == (recentDays.contains(day) ? 1 : 0), "\(day)")
                }
            }
            running.cancel()
            _ = try? await running.value
            await TestPostgres.dropDatabase(name)
        }

        @Test func theCutoffNeverReachesIntoTheEnginesReach() {
            let now = Date(timeIntervalSince1970: 1_764_806_400)
            let week: TimeInterval = 7 * 86_400
            #expect(ClusterAnalyzerService.retentionCutoff(now: now, keepDays: 30, reach: week) == now - 30 * 86_400)
            #expect(ClusterAnalyzerService.retentionCutoff(now: now, keepDays: 2, reach: week) == now - 8 * 86_400)
        }
    }
}
