import Foundation
import Logging
import PostgresNIO
import ServiceLifecycleTestKit
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardDemo
import TollGuardHTTP
import TollGuardServer
import TollGuardTestSupport

extension PostgresServerTests {
    /// The analyzer orders a hang-up in PostgreSQL; the edge that watches the call's switch
    /// carries it out, once, and no other edge touches it.
    @Suite struct KillCommandTests {
        /// A `serve` edge named `node` watching the fake FreeSWITCH `server` as switch `switchName`.
        static func edge(
            _ node: String, switchName: String, server: FakeFreeSWITCH, database: String, folder: TemporaryDirectory
        ) throws -> Serve {
            let url = try TestPostgres.urlText(database: database)
            let file = try folder.write(
                "\(node).toml",
                text: """
                    [site]
                    timezone = "UTC"
                    [database]
                    path = "\(folder.path("\(node).sqlite"))"
                    url = "\(url)"
                    [cluster]
                    node = "\(node)"
                    role = "edge"
                    [cdr_post]
                    enabled = false
                    [[event_socket]]
                    name = "\(switchName)"
                    host = "127.0.0.1"
                    port = \(server.port)
                    password_env = "TOLLGUARD_TEST_UNSET_PASSWORD"
                    password_file = "\(try folder.write("\(node).password", text: server.password))"
                    """)
            let configuration = try ConfigurationLoader.load(explicitPath: file, environment: [:]).configuration
            var settings = ServeSettings(reloadConfiguration: { configuration })
            settings.http.port = 0
            settings.gracefulShutdownSignals = []
            return try buildServeServices(
                configuration: configuration, database: try TollGuardDatabase.open(path: folder.path("\(node).sqlite")),
                timeZone: .gmt, settings: settings, logger: TestPostgres.logger)
        }

        static func kill(_ uuid: String, on switchName: String) -> KillCommand {
            KillCommand(switchName: switchName, callUUID: uuid, account: "1001", reason: "test: quota")
        }

        @Test func aKillCommandHangsUpTheRightCallOnItsOwnSwitchOnce() async throws {
            let name = try await TestPostgres.createDatabase()
            let folder = try TemporaryDirectory("tollguard-kills")
            let (fsA, fsB) = (try await FakeFreeSWITCH.start(), try await FakeFreeSWITCH.start())
            let a = try Self.edge("edge-a", switchName: "fs-a", server: fsA, database: name, folder: folder)
            let b = try Self.edge("edge-b", switchName: "fs-b", server: fsB, database: name, folder: folder)
            let (callA, callB, callB2) = (
                UUID().uuidString.lowercased(), UUID().uuidString.lowercased(), UUID().uuidString.lowercased()
            )

            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await a.run() }
                    group.addTask { try await b.run() }
                    try await fsA.waitForSubscribers()
                    try await fsB.waitForSubscribers()
                    try await TestPostgres.withStore(database: name) { store async throws -> Void in
                        var analyzer = AnalyzerLease(store: store, node: "analyzer-1")
                        analyzer.duration = .seconds(600)  // no renewals in this test
                        let held = try #require(try await analyzer.acquire())
                        #expect(try await analyzer.issue(Self.kill(callB, on: "fs-b"), under: held))
                        // Sent again (a replay after a takeover): the same command, not a second.
                        #expect(try await analyzer.issue(Self.kill(callB, on: "fs-b"), under: held) == false)
                        try await analyzer.issue(Self.kill(callA, on: "fs-a"), under: held)
                        // A switch no edge watches: the command waits for one.
                        try await analyzer.issue(Self.kill(UUID().uuidString, on: "fs-z"), under: held)
                        #expect(try await poll(upTo: 120) { fsA.kills.count == 1 && fsB.kills.count == 1 })

                        // The doorbell rung again for fs-b, then a new command behind it: the
                        // first is not carried out twice.
                        try await store.client.query(
                            "SELECT pg_notify('tollguard_kills', 'fs-b')", logger: TestPostgres.logger)
                        try await analyzer.issue(Self.kill(callB2, on: "fs-b"), under: held)
                        #expect(try await poll(upTo: 120) { fsB.kills.count >= 2 })
                        #expect(fsB.kills.map { $0.split(separator: " ").first.map(String.init) } == [callB, callB2])
                        #expect(fsA.kills.map { $0.split(separator: " ").first.map(String.init) } == [callA])

                        // The switch hangs up before the edge commits the answer: wait for the
                        // commit, not for the hang-up.
                        #expect(
                            try await poll(upTo: 120) {
                                try await TestPostgres.number(
                                    "SELECT count(*) FROM kill_commands WHERE done_by = 'edge-b' AND answer LIKE '+OK%'",
                                    store) == 2
                            })
                        #expect(
                            try await poll(upTo: 120) {
                                try await TestPostgres.number(
                                    "SELECT count(*) FROM kill_commands WHERE done_by = 'edge-a' AND call_uuid = \(callA)",
                                    store) == 1
                            })
                        #expect(
                            try await TestPostgres.number(
                                "SELECT count(*) FROM kill_commands WHERE switch_name = 'fs-z' AND done_utc IS NULL",
                                store) == 1)

                        // An analyzer whose lease is over orders nothing.
                        try await analyzer.release(held)
                        _ = try #require(try await AnalyzerLease(store: store, node: "analyzer-2").acquire())
                        await #expect(throws: LeaseLost(epoch: held.epoch)) {
                            try await analyzer.issue(Self.kill(UUID().uuidString, on: "fs-a"), under: held)
                        }
                        #expect(try await TestPostgres.number("SELECT count(*) FROM kill_commands", store) == 4)
                    }
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            #expect(fsA.kills.count == 1)
            await fsA.stop()
            await fsB.stop()
            await TestPostgres.dropDatabase(name)
        }
    }
}
