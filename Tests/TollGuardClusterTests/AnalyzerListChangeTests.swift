import Foundation
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// A fraud list imported into the cluster reaches the leading analyzer's engine.
    @Suite struct AnalyzerListChangeTests {
        /// A list imported while the analyzer leads: the node's copy takes it, the engine is made
        /// anew from the copy, and the account's next call to a listed prefix raises
        /// `fraud_list_destination` — without a SIGHUP or a takeover.
        @Test func aListImportedIntoTheClusterReachesTheLeadingAnalyzer() async throws {
            let name = try await TestPostgres.createDatabase()
            var factory = CallFactory(origin: try await TestPostgres.originPromised(database: name))
            let somalia = TestDestination.international("+252612345678", region: "SO")
            let calls = [
                factory.call("1001", to: somalia, at: 0, talk: 60),
                factory.call("1001", to: somalia, at: 120, talk: 60),
            ]
            let origin = factory.origin
            let local = try TollGuardDatabase.inMemory()
            var service = try TestPostgres.analyzerService(database: name, application: "list-test") {
                .standard(
                    settings: AnalysisSettings(), timeZone: .named("UTC"),
                    fraudLists: FraudLists(try local.fraudLists()))
            }
            service.interval = .milliseconds(20)
            let (status, engineChanges) = (service.status, service.engineChanges)
            var node = ClusterQuotaAndListMirror(
                connector: ClusterConnector(
                    url: try TestPostgres.url(database: name), password: nil, applicationName: "list-test mirror",
                    logger: TestPostgres.logger),
                local: local, node: "analyzer-a", logger: TestPostgres.logger)
            node.listsOrRatesChanged = { engineChanges.note() }
            let mirror = node
            let running = Task { [service] in try await service.run() }
            defer { running.cancel() }
            let (before, after) = try await TestPostgres.withStore(database: name) { store in
                func ship(_ index: Int, promising seconds: Double) async throws -> Bool {
                    _ = try await store.ship(
                        [CallsUpTests.shipped(calls[index], Int64(index + 1))], after: Int64(index), source: "edge-1",
                        switchName: "pbx1")
                    let promise = origin.addingTimeInterval(seconds)
                    try await store.mark(source: "edge-1", switchName: "pbx1", watermark: promise)
                    return try await poll(upTo: 30, every: .milliseconds(20)) {
                        (status.snapshot.released ?? .distantPast) >= promise.addingTimeInterval(-0.001)
                    }
                }
                let listed = { try await store.alerts().filter { $0.draft.rule == .fraudListDestination } }
                #expect(try await ship(0, promising: 100), "\(status.snapshot)")
                let before = try await listed()
                try await store.saveFraudList(
                    FraudList(name: "irsf-somalia", numbers: ["25261"]), sourcePath: "irsf-somalia.txt")
                try await mirror.mirrorOnce(store)
                #expect(try await poll(upTo: 30, every: .milliseconds(10)) { status.snapshot.enginesRemade == 1 })
                #expect(try await ship(1, promising: 300), "\(status.snapshot)")
                return (before, try await listed())
            }
            #expect(before.isEmpty, "no list yet")
            #expect(after.count == 1 && after.first?.draft.subject.value == "1001", "\(after)")
            #expect(after.first?.draft.headline.contains("irsf-somalia") == true, "\(after)")
            running.cancel()
            _ = try? await running.value
            await TestPostgres.dropDatabase(name)
        }
    }
}
