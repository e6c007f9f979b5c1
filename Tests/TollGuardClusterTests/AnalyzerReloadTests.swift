import Foundation
import Synchronization
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// A configuration reloaded (SIGHUP) reaches the leading analyzer's engine.
    @Suite struct AnalyzerReloadTests {
        static func settings(concurrentCalls: Int) throws -> AnalysisSettings {
            try ConfigurationLoader.decode(
                """
                [analysis.account]
                concurrent_calls = \(concurrentCalls)
                """
            ).configuration.analysis
        }

        /// The leader makes its engine anew when told the configuration changed: an account's
        /// fourth call at once is over the new limit of two (not the old five); its earlier calls
        /// are replayed into the new engine without raising what they would under it.
        @Test func aReloadedConfigurationReachesTheLeadingAnalyzer() async throws {
            let name = try await TestPostgres.createDatabase()
            // Calls of the last minutes, under an edge's promise from before them: the analysis
            // waits for it, and a new engine's replay reaches them.
            var factory = CallFactory(origin: try await TestPostgres.originPromised(database: name))
            let calls = [0.0, 10, 20, 30].map { factory.call("1001", to: .national(), at: $0, talk: 3600) }
            let origin = factory.origin
            let settings = Mutex(try Self.settings(concurrentCalls: 5))
            var service = try TestPostgres.analyzerService(database: name, application: "reload-test") {
                .standard(settings: settings.withLock { $0 }, timeZone: .named("UTC"))
            }
            service.interval = .milliseconds(20)
            let (status, engineChanges) = (service.status, service.engineChanges)
            let running = Task { [service] in try await service.run() }
            defer { running.cancel() }
            let (quiet, raised) = try await TestPostgres.withStore(database: name) { store in
                func ship(_ range: Range<Int>, promising seconds: Double) async throws -> Bool {
                    let batch = range.map { CallsUpTests.shipped(calls[$0], Int64($0 + 1)) }
                    _ = try await store.ship(
                        batch, after: Int64(range.lowerBound), source: "edge-1", switchName: "pbx1")
                    let promise = origin.addingTimeInterval(seconds)
                    try await store.mark(source: "edge-1", switchName: "pbx1", watermark: promise)
                    return try await poll(upTo: 30, every: .milliseconds(20)) {
                        (status.snapshot.released ?? .distantPast) >= promise.addingTimeInterval(-0.001)
                    }
                }
                let concurrency = { try await store.alerts().filter { $0.draft.rule == .concurrentCalls } }
                #expect(try await ship(0..<3, promising: 25), "\(status.snapshot)")
                let quiet = try await concurrency()
                let lower = try Self.settings(concurrentCalls: 2)
                settings.withLock { $0 = lower }
                engineChanges.note()
                // Remade before the next calls come (a step under way when told finishes first).
                #expect(try await poll(upTo: 30, every: .milliseconds(10)) { status.snapshot.enginesRemade == 1 })
                #expect(try await ship(3..<4, promising: 35), "\(status.snapshot)")
                return (quiet, try await concurrency())
            }
            #expect(quiet.isEmpty, "three calls at once under a limit of five")
            #expect(raised.count == 1, "\(raised) \(status.snapshot)")
            #expect(status.snapshot.late == 0, "\(status.snapshot)")
            // The crossing of the new limit was replayed: the alert carries the call after it.
            #expect(raised.first?.draft.headline == "had 4 calls at once (limit 2)", "\(raised)")
            #expect(raised.first?.draft.severity == .high, "\(raised)")
            running.cancel()
            _ = try? await running.value
            await TestPostgres.dropDatabase(name)
        }
    }
}
