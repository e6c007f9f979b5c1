import Foundation
import GRDB
import Logging
import PostgresNIO
import Synchronization
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

extension PostgresServerTests {
    /// Two `tollguard serve --role analyzer` processes on one cluster store: the leader killed
    /// outright mid-stream, the standby takes over within the lease; the new leader paused, the
    /// restarted first takes over again, and the paused one's late write is refused — and the
    /// alerts are the nightly replay's, none lost, none doubled.
    @Suite struct AnalyzerTakeoverTests {
        /// An analyzer process.
        struct Node: Sendable {
            var name: String
            var configuration: String
            var log: String
        }

        static let leaseSeconds = 3

        @Test func aKilledOrPausedLeaderIsReplacedAndNoAlertIsLostOrDoubled() async throws {
            let site = try await ClusterAnalyzerTests.site()
            let expected = try await ClusterAnalyzerTests.nightly(site).map(ClusterAnalyzerTests.Seen.init).sorted()
            let name = try await TestPostgres.createDatabase()
            let folder = try TemporaryDirectory("tollguard-takeover")
            let nodes = try ["analyzer-1", "analyzer-2"].map { node in
                try Self.node(node, database: name, site: site, folder: folder)
            }
            // Each node's process while it runs.
            let pids = Mutex<[pid_t]>([0, 0])
            defer { for pid in pids.withLock({ $0 }) where pid > 0 { kill(pid, SIGKILL) } }
            // The calls in order of start, shipped by one edge in three parts; its promise after
            // each is the start of the next call it has not shipped.
            let calls = try await ClusterAnalyzerTests.journal(of: site)
            let thirds = [calls.count / 3, 2 * calls.count / 3, calls.count]
            let promise: @Sendable (_ after: Int) -> Date = { shipped in
                shipped < calls.count
                    ? (site.times[calls[shipped].shippedKey]?.start ?? .distantPast)
                    : Date(timeIntervalSince1970: 3_999_999_999)
            }

            try await TestPostgres.withStore(database: name) { store async throws -> Void in
                var shipped = 0
                func ship(through end: Int) async throws {
                    while shipped < end {
                        let batch = Array(calls[shipped..<min(end, shipped + 1000)])
                        _ = try await store.ship(batch, after: Int64(shipped), source: "edge-1", switchName: "pbx1")
                        shipped += batch.count
                    }
                    try await store.mark(source: "edge-1", switchName: "pbx1", watermark: promise(shipped))
                }
                func released() async throws -> Date? {
                    let rows = try await store.client.query(
                        "SELECT (offsets->>'@released')::bigint FROM analyzer_leases", logger: TestPostgres.logger)
                    for try await value in rows.decode(Int64?.self) {
                        return value.map { Date(timeIntervalSince1970: Double($0) / 1000) }
                    }
                    return nil
                }
                func holder() async throws -> String? {
                    try await AnalyzerLease(store: store, node: "").holder()?.node
                }

                for index in nodes.indices {
                    let pid = try Self.start(nodes[index])
                    pids.withLock { $0[index] = pid }
                }
                try await ship(through: thirds[0])
                let first = promise(thirds[0])
                #expect(try await poll(upTo: 120) { try await released().map { $0 >= first } ?? false })
                // Phase 1: the leader killed outright, once the standby keeps its engine.
                let killed = try #require(try await holder())
                let killedIndex = try #require(nodes.firstIndex { $0.name == killed })
                let standbyLog = nodes[1 - killedIndex].log
                #expect(
                    try await poll(upTo: 60) {
                        (try? String(contentsOfFile: standbyLog, encoding: .utf8))?.contains(
                            "keeping the leader's engine while standing by") == true
                    }, "\(Self.tail(nodes))")
                let clock = ContinuousClock()
                let killedAt = clock.now
                let victim = pids.withLock { $0[killedIndex] }
                kill(victim, SIGKILL)
                await Self.reap(victim)
                pids.withLock { $0[killedIndex] = 0 }
                try await ship(through: thirds[1])
                let standby = nodes[1 - killedIndex].name
                #expect(try await poll(upTo: 60) { try await holder() == standby }, "\(Self.tail(nodes))")
                let takeover = clock.now - killedAt
                print("takeover after kill -9: \(takeover) (lease \(Self.leaseSeconds) s)")
                // How fast is the benchmark's to say (tollguard-bench cluster); here: once the lease
                // lapses (the last renewal was up to a third of it before the kill), and within a
                // minute even on a loaded CI machine (10.7 s seen there).
                #expect(takeover < .seconds(Self.leaseSeconds + 60))
                let second = promise(thirds[1])
                #expect(try await poll(upTo: 120) { try await released().map { $0 >= second } ?? false })
                // The standby had kept the leader's engine: it replayed only the calls since.
                #expect(
                    try String(contentsOfFile: standbyLog, encoding: .utf8).contains(
                        "from=the engine it kept standing by"), "\(Self.tail(nodes))")

                // Phase 2: the killed node back as a standby; the leader paused past its lease.
                let restarted = try Self.start(nodes[killedIndex])
                pids.withLock { $0[killedIndex] = restarted }
                let paused = 1 - killedIndex
                let pausedPID = pids.withLock { $0[paused] }
                kill(pausedPID, SIGSTOP)
                #expect(try await poll(upTo: 60) { try await holder() == killed }, "\(Self.tail(nodes))")
                try await ship(through: thirds[2])
                // The last promise is past every call: the analysis goes up to the database's now.
                let last = Date()
                #expect(try await poll(upTo: 120) { try await released().map { $0 >= last } ?? false })
                // Woken, the paused one's next write is refused; it stands by.
                kill(pausedPID, SIGCONT)
                let pausedLog = nodes[paused].log
                #expect(
                    try await poll(upTo: 60) {
                        (try? String(contentsOfFile: pausedLog, encoding: .utf8))?.contains("lost the analyzer lease")
                            == true
                    }, "\(Self.tail(nodes))")
                #expect(try await holder() == killed)

                let found = try await store.alerts().map { ClusterAnalyzerTests.Seen($0.draft) }.sorted()
                #expect(found.count == expected.count, "lost or doubled")
                for (mine, theirs) in zip(found, expected) where mine != theirs {
                    Issue.record("cluster \(mine)\nnightly \(theirs)")
                }
                #expect(
                    try await TestPostgres.number("SELECT sum(calls)::bigint FROM cluster_spend", store)
                        == Int64(calls.count))
            }
            for pid in pids.withLock({ $0 }) where pid > 0 {
                kill(pid, SIGTERM)
                await Self.reap(pid)
            }
            pids.withLock { $0 = [0, 0] }
            await TestPostgres.dropDatabase(name)
        }

        /// An analyzer node's files: a copy of the nightly store (the same lists and quotas, so
        /// the same engine) and the simulated site's configuration with the cluster's.
        static func node(
            _ name: String, database: String, site: ClusterAnalyzerTests.Site, folder: TemporaryDirectory
        ) throws -> Node {
            let store = folder.path("\(name).sqlite")
            try site.outcome.database.writer.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM INTO ?", arguments: [store])
            }
            let text = SimulatedSiteRun.configurationText.replacingOccurrences(
                of: "path = \"tollguard.sqlite\"",
                with: "path = \"\(store)\"\nurl = \"\(try TestPostgres.urlText(database: database))\"")
            let configuration = try folder.write(
                "\(name).toml",
                text: text + """

                    [cluster]
                    node = "\(name)"
                    role = "analyzer"
                    lease_seconds = \(leaseSeconds)
                    """)
            return Node(name: name, configuration: configuration, log: folder.path("\(name).log"))
        }

        /// Starts `tollguard serve --role analyzer` for `node`, its output appended to its log.
        static func start(_ node: Node) throws -> pid_t {
            let executable = try TollguardExecutable.path()
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, node.log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            let arguments = [
                executable, "serve", "--config", node.configuration, "--http-port", "0", "--role", "analyzer",
            ]
            let argv = arguments.map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            // Notices and information too (leading and from what, giving up, the lease lost): a
            // failure's tail tells what each node did.
            var environment = ProcessInfo.processInfo.environment
            environment["TOLLGUARD_LOG_LEVEL"] = environment["TOLLGUARD_LOG_LEVEL"] ?? "info"
            let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { envp.forEach { free($0) } }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
            guard spawned == 0 else { throw TestPostgresError.controlFailed(arguments, spawned) }
            return pid
        }

        /// Collects `pid`'s exit (a killed child must not linger as a zombie), holding no thread
        /// of the cooperative pool while it waits.
        static func reap(_ pid: pid_t) async {
            var status: Int32 = 0
            for _ in 0..<500 {
                if waitpid(pid, &status, WNOHANG) != 0 { return }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }

        /// The end of each node's log, for a failure's message.
        static func tail(_ nodes: [Node]) -> String {
            nodes.map { node in
                let text = (try? String(contentsOfFile: node.log, encoding: .utf8)) ?? ""
                return "\(node.name):\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
            }.joined(separator: "\n")
        }
    }
}

/// The built `tollguard`, beside the test bundle.
enum TollguardExecutable {
    static func path() throws -> String {
        var folder = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("tollguard").path),
            folder.path != "/"
        {
            folder.deleteLastPathComponent()
        }
        let path = folder.appendingPathComponent("tollguard").path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw TestPostgresError.noServer }
        return path
    }
}

extension ShippedCall {
    /// The call's dedup key (the first shipped column).
    var shippedKey: String { fields.first.flatMap { $0 } ?? "" }
}
