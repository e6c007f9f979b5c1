import Foundation
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// The leading analyzer looks as soon as an edge has shipped and promised, not at its next interval.
    @Suite struct AnalyzerDoorbellTests {
        /// With two minutes between its looks, the alert an edge's promise releases is written
        /// within seconds: the promise rang the analyzer's doorbell.
        @Test func anEdgesPromiseWakesTheLeadingAnalyzer() async throws {
            let name = try await TestPostgres.createDatabase()
            // Calls of the last minutes, under an edge's promise from before them: the analysis
            // waits for the edge's next promise.
            var factory = CallFactory(origin: try await TestPostgres.originPromised(database: name))
            let calls = [0.0, 10, 20].map { factory.call("1001", to: .national(), at: $0, talk: 3600) }
            let origin = factory.origin
            let (status, running) = try await sleepingLeader(database: name)
            defer { running.cancel() }
            let written = try await TestPostgres.withStore(database: name) { store in
                let shipped = calls.enumerated().map { CallsUpTests.shipped($1, Int64($0 + 1)) }
                _ = try await store.ship(shipped, after: 0, source: "edge-1", switchName: "pbx1")
                try await store.mark(source: "edge-1", switchName: "pbx1", watermark: origin.addingTimeInterval(30))
                return try await poll(upTo: 30, every: .milliseconds(50)) {
                    try await store.alerts().contains { $0.draft.rule == .concurrentCalls }
                }
            }
            #expect(written, "the concurrency alert is written before the analyzer's interval: \(status.snapshot)")
            #expect(status.snapshot.late == 0, "played in order, under the promise: \(status.snapshot)")
            // Each step's time is counted, as `/metrics` shows it.
            let stepped = status.snapshot
            #expect(stepped.stepSeconds > 0 && stepped.stepSeconds < Double(stepped.steps) * 10, "\(stepped)")
            running.cancel()
            _ = try? await running.value
            await TestPostgres.dropDatabase(name)
        }

        /// Of two edges, the one whose promise is past the other's does not wake the analyzer
        /// (its promise alone releases nothing); the one that holds the analysis back does.
        @Test func onlyTheEdgeThatHoldsTheAnalysisBackWakesIt() async throws {
            let name = try await TestPostgres.createDatabase()
            var factory = CallFactory(origin: try await TestPostgres.originPromised(database: name))
            let calls = [0.0, 10, 20].map { factory.call("1001", to: .national(), at: $0, talk: 3600) }
            let origin = factory.origin
            // edge-1 (the calls' edge) promised the origin; edge-2 is a minute ahead of it.
            try await TestPostgres.withStore(database: name) { store async throws -> Void in
                try await store.mark(source: "edge-2", switchName: "pbx2", watermark: origin.addingTimeInterval(60))
            }
            let (status, running) = try await sleepingLeader(database: name)
            defer { running.cancel() }
            let before = status.snapshot.steps
            try await TestPostgres.withStore(database: name) { store in
                // The edge ahead promises more: nothing moves, and the analyzer sleeps on (its
                // next look two minutes away; a ring would have woken it within milliseconds).
                try await store.mark(source: "edge-2", switchName: "pbx2", watermark: origin.addingTimeInterval(90))
                let woke = try await poll(upTo: 2, every: .milliseconds(20)) { status.snapshot.steps > before }
                #expect(!woke, "a promise past the others' woke the analyzer: \(status.snapshot)")
                // The edge that holds it back ships and promises: it wakes it, and the alert is written.
                let shipped = calls.enumerated().map { CallsUpTests.shipped($1, Int64($0 + 1)) }
                _ = try await store.ship(shipped, after: 0, source: "edge-1", switchName: "pbx1")
                try await store.mark(source: "edge-1", switchName: "pbx1", watermark: origin.addingTimeInterval(30))
                let written = try await poll(upTo: 30, every: .milliseconds(50)) {
                    try await store.alerts().contains { $0.draft.rule == .concurrentCalls }
                }
                #expect(written, "the promise that held the analysis back woke it: \(status.snapshot)")
            }
            running.cancel()
            _ = try? await running.value
            await TestPostgres.dropDatabase(name)
        }

        /// An analyzer service on `database` that looks every two minutes (one call at a time
        /// allowed), once it leads and has stepped once: its next look is two minutes away unless
        /// a promise rings it.
        private func sleepingLeader(database: String) async throws -> (AnalyzerStatus, Task<Void, any Error>) {
            let settings = CallsUpTests.settings
            var service = try TestPostgres.analyzerService(database: database, application: "doorbell-test") {
                .standard(settings: settings, timeZone: .named("UTC"))
            }
            service.interval = .seconds(120)
            let status = service.status
            let running = Task { [service] in try await service.run() }
            let leading = try await poll(upTo: 30, every: .milliseconds(20)) {
                status.snapshot.leading && status.snapshot.steps >= 1
            }
            #expect(leading, "\(status.snapshot)")
            return (status, running)
        }
    }
}
