import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycleTestKit
import Synchronization
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardHTTP
import TollGuardServer
import TollGuardTestSupport

/// An edge (`database.url` set) whose cluster store cannot be reached keeps every call and says
/// so — on `/healthz` once the grace has passed, on `/metrics` at once — with no server needed.
@Suite struct EdgeHealthTests {
    @Test func anEdgeThatCannotReachTheClusterStoreSaysSoAndKeepsItsCalls() async throws {
        let folder = try TemporaryDirectory()
        let database = try TollGuardDatabase.open(path: folder.path("edge.sqlite"))
        var configuration = TollGuardConfiguration()
        configuration.site.timezone = "UTC"
        configuration.cdrPost.enabled = false
        // A socket folder that does not exist: every connection is refused at once.
        configuration.database.url = "postgres://tollguard@/tollguard?host=\(folder.path("no-server"))"
        configuration.cluster.node = "edge-a"
        let tailed = try folder.write("Master.csv", text: "")
        configuration.cdrTail.files = [tailed]
        configuration.cdrTail.format = .fsExample
        configuration.cdrTail.pollSeconds = 0.2
        let configured = configuration
        var settings = ServeSettings(reloadConfiguration: { configured })
        settings.http.port = 0
        settings.gracefulShutdownSignals = []
        settings.shippingGrace = .seconds(1)
        let port = PortCell()
        settings.onHTTPRunning = { bound in port.value.withLock { $0 = bound } }
        let serve = try buildServeServices(
            configuration: configuration, database: database, timeZone: .gmt, settings: settings,
            logger: StoreOutageTests.logger)
        let rows = try StoreOutageTests.tailRows(20, folder: folder)

        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await serve.run() }
                #expect(try await poll(upTo: 120) { port.value.withLock { $0 } != nil })
                let url = "http://127.0.0.1:\(port.value.withLock { $0 } ?? 0)"
                try StoreOutageTests.append(rows.text, to: tailed)
                #expect(try await poll(upTo: 120) { try database.callCount() == rows.calls })

                var health = (0, "")
                #expect(
                    try await poll(upTo: 120, every: .milliseconds(100)) {
                        health = try await Self.get(url + "/healthz")
                        return health.0 == 503 && health.1.contains("\(rows.calls) calls wait")
                    }, "\(health)")
                #expect(health.1.contains("the cluster store has been unreachable for"))
                #expect(health.1.contains("no PostgreSQL primary"))
                let metrics = try await Self.get(url + "/metrics").1
                #expect(metrics.contains("tollguard_cluster_connected 0\n"))
                #expect(metrics.contains("tollguard_cluster_journal_backlog \(rows.calls)\n"))
                #expect(metrics.contains("tollguard_cluster_calls_shipped_total 0\n"))
                #expect(!metrics.contains("tollguard_cluster_shipping_failures_total 0\n"))
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        // Nothing lost: every call is in the edge's store, waiting.
        #expect(try database.callCount() == rows.calls)
        #expect(serve.shipping?.snapshot.backlog == Int64(rows.calls))
    }

    /// An analyzer node that cannot reach the cluster store: `/healthz` says so after the grace,
    /// `/metrics` at once (not leading, its failures counted).
    @Test func anAnalyzerNodeThatCannotReachTheClusterStoreSaysSo() async throws {
        let folder = try TemporaryDirectory()
        var configuration = TollGuardConfiguration()
        configuration.site.timezone = "UTC"
        configuration.cdrPost.enabled = false
        configuration.database.url = "postgres://tollguard@/tollguard?host=\(folder.path("no-server"))"
        configuration.cluster.node = "analyzer-a"
        configuration.cluster.role = .analyzer
        let configured = configuration
        var settings = ServeSettings(reloadConfiguration: { configured })
        settings.http.port = 0
        settings.gracefulShutdownSignals = []
        settings.shippingGrace = .seconds(1)
        let port = PortCell()
        settings.onHTTPRunning = { bound in port.value.withLock { $0 = bound } }
        let serve = try buildServeServices(
            configuration: configuration, database: try TollGuardDatabase.open(path: folder.path("node.sqlite")),
            timeZone: .gmt, settings: settings, logger: StoreOutageTests.logger)
        #expect(serve.shipping == nil && serve.analyzer != nil)

        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await serve.run() }
                #expect(try await poll(upTo: 120) { port.value.withLock { $0 } != nil })
                let url = "http://127.0.0.1:\(port.value.withLock { $0 } ?? 0)"
                var health = (0, "")
                #expect(
                    try await poll(upTo: 120, every: .milliseconds(100)) {
                        health = try await Self.get(url + "/healthz")
                        return health.0 == 503
                    }, "\(health)")
                #expect(health.1.contains("this analyzer node has not reached the cluster store"))
                #expect(health.1.contains("no PostgreSQL primary"))
                let metrics = try await Self.get(url + "/metrics").1
                #expect(metrics.contains("tollguard_analyzer_leading 0\n"))
                #expect(metrics.contains("tollguard_analyzer_steps_total 0\n"))
                #expect(metrics.contains("tollguard_analyzer_step_seconds_total 0.000000\n"), "not leading: no step")
                #expect(!metrics.contains("tollguard_analyzer_failures_total 0\n"))
                #expect(!metrics.contains("tollguard_cluster_connected"))
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    static func get(_ url: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }
}
