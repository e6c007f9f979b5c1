import Foundation
import ServiceLifecycleTestKit
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// A standby's first rebuild (at a carrier's rate, hours of calls replayed) does not hold
    /// `serve` up when it stops.
    @Suite struct StandbyRebuildTests {
        /// The replay of the store's calls stops soon after its task is cancelled, with
        /// `CancellationError`, instead of reading every call to the end.
        @Test func aReplayOfTheStoresCallsStopsWhenItsTaskIsCancelled() async throws {
            let total = 3_000
            let (replayed, failure) = try await TestPostgres.withStore { store in
                try await store.migrate()
                var factory = CallFactory(origin: Date().addingTimeInterval(-7_200))
                let shipped = (0..<total).map {
                    CallsUpTests.shipped(factory.call("1001", to: .national(), at: Double($0), talk: 1), Int64($0 + 1))
                }
                _ = try await store.ship(shipped, after: 0, source: "edge-1", switchName: "pbx1")
                let replay = Task { () -> (Int, (any Error)?) in
                    var replayed = 0
                    do {
                        try await store.forEachConsumedCall(from: nil, to: nil, offsets: ["edge-1": Int64(total)]) {
                            _ in
                            replayed += 1
                            // `serve` stops while the first call is replayed.
                            if replayed == 1 { withUnsafeCurrentTask { $0?.cancel() } }
                        }
                    } catch {
                        return (replayed, error)
                    }
                    return (replayed, nil)
                }
                return await replay.value
            }
            #expect(failure is CancellationError, "\(String(describing: failure))")
            #expect(replayed > 0 && replayed < total / 2, "replayed \(replayed) of \(total) calls after the cancel")
        }

        /// A node that starts standing by while another leads rebuilds the leader's engine from
        /// its reach (no snapshot here); `serve` stopping meanwhile ends the rebuild at once
        /// instead of after it.
        @Test func aStandbyRebuildingTheEngineStopsWhenServeStops() async throws {
            let name = try await TestPostgres.createDatabase()
            var factory = CallFactory(origin: try await TestPostgres.originPromised(database: name))
            let calls = (0..<10_000).map { factory.call("1\($0 % 40)", at: Double($0) * 0.02, talk: 1) }
            let origin = factory.origin
            try await TestPostgres.withStore(database: name) { store async throws -> Void in
                let shipped = calls.enumerated().map { CallsUpTests.shipped($1, Int64($0 + 1)) }
                _ = try await store.ship(shipped, after: 0, source: "edge-1", switchName: "pbx1")
                try await store.mark(source: "edge-1", switchName: "pbx1", watermark: origin.addingTimeInterval(500))
            }
            let settings = CallsUpTests.settings
            let engine: @Sendable () throws -> AnalysisEngine = {
                .standard(settings: settings, timeZone: .named("UTC"))
            }
            var leader = try TestPostgres.analyzerService(
                database: name, application: "standby-rebuild", makeEngine: engine)
            leader.snapshotInterval = nil
            let leaderStatus = leader.status
            let leading = Task { [leader] in try await leader.run() }
            defer { leading.cancel() }
            let analyzed = try await poll(upTo: 120) {
                (leaderStatus.snapshot.released ?? .distantPast) > origin.addingTimeInterval(250)
            }
            try #require(analyzed, "the leader analyzes the calls: \(leaderStatus.snapshot)")

            let standby = ClusterAnalyzerService(
                connector: ClusterConnector(
                    url: try TestPostgres.url(database: name), password: nil, applicationName: "standby-rebuild",
                    logger: TestPostgres.logger),
                node: "analyzer-b", timeZone: .named("UTC"), logger: TestPostgres.logger, makeEngine: engine)
            let status = standby.status
            let clock = ContinuousClock()
            var stopping = clock.now
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await standby.run() }
                    // Standing by: its first rebuild, ten thousand calls, has begun.
                    let standingBy = try await poll(upTo: 30, every: .milliseconds(2)) {
                        status.snapshot.leader != nil
                    }
                    #expect(standingBy, "\(status.snapshot)")
                    stopping = clock.now
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            let stopped = clock.now - stopping
            #expect(status.snapshot.standbyReleased == nil, "the rebuild ran to its end after serve stopped")
            #expect(!status.snapshot.leading)
            #expect(stopped < .seconds(5), "stopped after \(stopped)")
            leading.cancel()
            _ = try? await leading.value
            await TestPostgres.dropDatabase(name)
        }
    }
}
