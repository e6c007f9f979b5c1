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
    /// `serve` with `database.url`: an edge ships what its store takes; two edges of one switch
    /// that read the same CDRs store each call once; `tollguard cluster status` shows both.
    @Suite struct EdgeServeTests {
        /// A running `serve` of one edge, tailing its own copy of the switch's CDR file.
        struct Edge {
            let serve: Serve
            let tailed: String
            let store: String
            let configuration: String
        }

        static func edge(_ node: String, database: String, folder: TemporaryDirectory) throws -> Edge {
            let url = try TestPostgres.urlText(database: database)
            let tailed = try folder.write("\(node).csv", text: "")
            let store = folder.path("\(node).sqlite")
            let file = try folder.write(
                "\(node).toml",
                text: """
                    [site]
                    timezone = "UTC"
                    [database]
                    path = "\(store)"
                    url = "\(url)"
                    [cluster]
                    node = "\(node)"
                    switch = "pbx1"
                    [cdr_post]
                    enabled = false
                    [cdr_tail]
                    files = ["\(tailed)"]
                    format = "fs-example"
                    poll_seconds = 0.2
                    """)
            let configuration = try ConfigurationLoader.load(explicitPath: file, environment: [:]).configuration
            var settings = ServeSettings(reloadConfiguration: { configuration })
            settings.http.port = 0
            settings.gracefulShutdownSignals = []
            let serve = try buildServeServices(
                configuration: configuration, database: try TollGuardDatabase.open(path: store), timeZone: .gmt,
                settings: settings, logger: TestPostgres.logger)
            return Edge(serve: serve, tailed: tailed, store: store, configuration: file)
        }

        @Test func twoEdgesOfOneSwitchReadingTheSameCDRsStoreEachCallOnce() async throws {
            let name = try await TestPostgres.createDatabase()
            let folder = try TemporaryDirectory("tollguard-edges")
            var writer = ExampleCDRWriter(seed: 11, accounts: 5)
            var rows: [UInt8] = []
            writer.appendRows(60, to: &rows)
            let expected = try TollGuardDatabase.inMemory()
            var options = IngestOptions(timeZone: .gmt)
            options.format = .fsExample
            _ = try CDRFileIngester(database: expected, options: options, logger: TestPostgres.logger).ingest(
                path: try folder.write("expected.csv", bytes: rows))
            let calls = try expected.callCount()
            let a = try Self.edge("edge-a", database: name, folder: folder)
            let b = try Self.edge("edge-b", database: name, folder: folder)

            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await a.serve.run() }
                    group.addTask { try await b.serve.run() }
                    for edge in [a, b] {
                        #expect(try await poll(upTo: 60) { edge.serve.shipping?.snapshot.server != nil })
                        try appendToFile(rows, path: edge.tailed)
                    }
                    for edge in [a, b] {
                        #expect(
                            try await poll(upTo: 120) { edge.serve.shipping?.snapshot.held == Int64(calls) },
                            "\(String(describing: edge.serve.shipping?.snapshot))")
                    }
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            let (shippedA, shippedB) = (
                try #require(a.serve.shipping?.snapshot), try #require(b.serve.shipping?.snapshot)
            )
            // Each call taken once, from whichever edge came first; the other's copy a duplicate.
            #expect(shippedA.inserted + shippedB.inserted == calls)
            #expect(shippedA.duplicates + shippedB.duplicates == calls)
            try await TestPostgres.withStore(database: name) { store async throws -> Void in
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls", store) == Int64(calls))
                #expect(try await TestPostgres.number("SELECT count(*) FROM call_keys", store) == Int64(calls))
                #expect(
                    try await TestPostgres.number("SELECT count(*) FROM calls WHERE switch_name <> 'pbx1'", store)
                        == 0)
            }

            // The command an operator runs on edge-a's box, with one call it has not shipped yet.
            _ = try await TollGuardDatabase.open(path: a.store).store(
                CallShippingTests.calls(1, first: 9_999), source: "fs-event-socket", switchName: nil)
            let status = try await Self.tollguard(["cluster", "status", "--json", "--config", a.configuration])
            #expect(status.status == 0, "\(status.stderr)")
            let answer = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
            #expect(answer?["node"] as? String == "edge-a")
            #expect(answer?["unshipped"] as? Int == 1)
            let edges = (answer?["status"] as? [String: Any])?["edges"] as? [[String: Any]] ?? []
            #expect(edges.map { $0["node"] as? String } == ["edge-a", "edge-b"])
            #expect(edges.map { $0["last_call"] as? Int } == [calls, calls])
            #expect(edges.allSatisfy { $0["switch"] as? String == "pbx1" })
            await TestPostgres.dropDatabase(name)
        }

        @Test func withoutADatabaseURLClusterStatusSaysThisNodeIsInNoCluster() async throws {
            let folder = try TemporaryDirectory()
            let file = try folder.write("alone.toml", text: "[site]\ntimezone = \"UTC\"\n")
            let status = try await Self.tollguard(["cluster", "status", "--config", file])
            #expect(status.status == 1)
            #expect(status.stderr.contains("database.url is not set"))
            #expect(status.stdout.isEmpty)
        }

        /// Runs the built `tollguard` (beside the test bundle) to its end, `input` on its standard input.
        static func tollguard(_ arguments: [String], input: String? = nil) async throws -> (
            status: Int32, stdout: String, stderr: String
        ) {
            let executable = try TollguardExecutable.path()
            return try await onOwnThread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                var environment = ProcessInfo.processInfo.environment
                environment.removeValue(forKey: "TOLLGUARD_DB")
                process.environment = environment
                let (out, err) = (Pipe(), Pipe())
                process.standardOutput = out
                process.standardError = err
                let stdin = Pipe()
                process.standardInput = stdin
                try process.run()
                if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
                try stdin.fileHandleForWriting.close()
                let stdout = out.fileHandleForReading.readDataToEndOfFile()
                let stderr = err.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                return (
                    process.terminationStatus, String(decoding: stdout, as: UTF8.self),
                    String(decoding: stderr, as: UTF8.self)
                )
            }
        }
    }
}
