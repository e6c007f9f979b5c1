import Foundation
import PostgresNIO
import Synchronization
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// An edge takes a suspension made or lifted in the cluster as soon as it is committed, not at
    /// its next look: the change rings it.
    @Suite struct SuspensionDoorbellTests {
        @Test func aSuspensionMadeOrLiftedInTheClusterRingsTheEdges() async throws {
            let name = try await TestPostgres.createDatabase()
            let folder = try TemporaryDirectory("tollguard-suspension-doorbell")
            let local = try TollGuardDatabase.open(path: folder.path("edge.sqlite"))
            var mirror = ClusterSuspensionMirror(
                connector: ClusterConnector(
                    url: try TestPostgres.url(database: name), password: nil, applicationName: "suspension-doorbell",
                    logger: TestPostgres.logger),
                local: local, logger: TestPostgres.logger)
            mirror.interval = .seconds(600)  // only a ring can bring a change within the test
            let changes = Atomic<Int>(0)
            mirror.changed = { changes.add(1, ordering: .relaxed) }
            let running = Task { [mirror] in try await mirror.run() }
            defer { running.cancel() }
            let summarizer = AlertSummarizer(timeZone: .gmt, currency: "USD", countryNames: [:])

            try await TestPostgres.withStore(database: name) { store in
                // The mirror has looked once and listens: its connection's last statement is the LISTEN.
                let listening = try await poll(upTo: 30, every: .milliseconds(50)) {
                    try await TestPostgres.number(
                        """
                        SELECT count(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND query LIKE 'LISTEN%tollguard_suspensions%'
                        """, store) == 1
                }
                #expect(listening)
                let made = try await store.suspend(
                    account: "1001", reason: "fraud desk", until: nil, by: "noc", hooks: [], summarizer: summarizer)
                guard case .suspended = made else {
                    Issue.record("not suspended: \(made)")
                    return
                }
                let copied = try await poll(upTo: 20, every: .milliseconds(20)) {
                    try await local.suspendedAccounts() == ["1001"] && changes.load(ordering: .relaxed) == 1
                }
                #expect(copied, "copied at the ring, and the live pipeline told")
                let lifted = try await store.liftSuspension(
                    account: "1001", by: "noc", comment: "customer called", hooks: [], summarizer: summarizer)
                #expect(lifted != nil)
                let liftedHere = try await poll(upTo: 20, every: .milliseconds(20)) {
                    try await local.suspendedAccounts().isEmpty && changes.load(ordering: .relaxed) == 2
                }
                #expect(liftedHere, "lifted at the ring, and the live pipeline told")
            }
            running.cancel()
            _ = try? await running.value
            await TestPostgres.dropDatabase(name)
        }
    }
}
