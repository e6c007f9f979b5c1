import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import PostgresNIO
import TollGuardCluster
import TollGuardCore

/// Two `tollguard serve` edges shipping their stored calls to PostgreSQL, beside `tollguard
/// ingest` storing the same calls on one box.
struct ClusterBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract:
            "Calls two tollguard serve edges ship to PostgreSQL and an analyzer node analyzes per second, beside "
            + "one box's tollguard ingest and analyze; the analyzer's takeover time.",
        discussion: """
            Needs a running PostgreSQL 15 server (.ci/postgres start DIR starts one); the benchmark makes \
            a database of its own on it and drops it after. Each edge's store is filled first (not timed); \
            the timed part is from starting both edges to the store holding every call of both. Then \
            tollguard serve --role analyzer is timed from its start until it consumed every call, beside \
            tollguard analyze of the one box's store; then a standby starts, the leader is killed with \
            kill -9, and the time until the standby leads is printed.
            """)

    @Option(help: "The server, as database.url writes it (its database is only used to make the benchmark's).")
    var url: String

    @Option(help: "Calls in all (each edge stores and ships half).")
    var calls = 200_000

    @Option(help: "Scratch folder.")
    var directory = NSTemporaryDirectory() + "tollguard-bench"

    @Option(help: "Call events a second in the latency stage, over all switches (3 a call).")
    var latencyRate = 1500.0

    @Option(help: "Seconds of traffic in the latency stage (one IRSF burst a second).")
    var latencySeconds = 60.0

    @Option(
        help:
            "Seconds of traffic before the latency stage times the bursts (a call lasts 20 s: the rate is steady from then)."
    )
    var latencyWarmup = 20.0

    @Option(help: "The edges' cluster.event_lateness_ms in the latency stage.")
    var eventLatenessMs = 100

    @Option(help: "The analyzer's cluster.analyze_interval_ms in the latency stage.")
    var analyzeIntervalMs = 50

    @Flag(help: "Run only the latency stage.")
    var latencyOnly = false

    @Flag(help: "Skip the latency stage.")
    var noLatency = false

    func run() async throws {
        bootstrapQuietLogging()
        let server: PostgresURL
        do {
            server = try PostgresURL(parsing: url)
        } catch {
            throw ValidationError("--url: \(error)")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tollguard = siblingExecutable("tollguard")
        if latencyOnly {
            try await latency(server: server, tollguard: tollguard)
            return
        }
        // Calls of the last days, ending before now (a row every 3 s on average): within the
        // engine's reach of the analyzer's release, which a standby replays when it takes over.
        let today = Int64(Date().timeIntervalSince1970 / 86_400) * 86_400
        let firstStart = today - Int64((Double(calls / 2) * 3 / 86_400).rounded(.up) + 1) * 86_400
        let halves = [
            try exampleCDRFile(rows: calls / 2, seed: 7, in: directory, firstStart: firstStart),
            try exampleCDRFile(rows: calls / 2, seed: 8, in: directory, firstStart: firstStart),
        ]

        // One box: both halves into one store, as `tollguard ingest` runs.
        let single = directory + "/cluster-single.sqlite"
        removeDatabase(single)
        var singleSeconds = 0.0
        for file in halves {
            let run = try measure([tollguard, "ingest", "--db", single, "--timezone", "UTC", file])
            guard run.status == 0 else { throw ValidationError("tollguard ingest exited \(run.status)") }
            singleSeconds += run.seconds
        }
        let stored = try TollGuardDatabase.open(path: single).callCount()

        // The edges' stores, filled before the timed part.
        var edges: [(node: String, store: String, calls: Int64)] = []
        for (index, file) in halves.enumerated() {
            let node = "bench-edge-\(index + 1)"
            let store = directory + "/\(node).sqlite"
            removeDatabase(store)
            let run = try measure([tollguard, "ingest", "--db", store, "--timezone", "UTC", file])
            guard run.status == 0 else { throw ValidationError("tollguard ingest exited \(run.status)") }
            edges.append((node, store, try await TollGuardDatabase.open(path: store).lastCallSequence()))
        }

        let logger = Logger(label: "tollguard.bench")
        let (name, administration, bench) = try await Self.createDatabase(on: server, logger: logger)
        let benchURL = Self.text(of: bench)
        var processes: [pid_t] = []
        let timing: (all: Double, firstShipment: Double)
        do {
            for (index, edge) in edges.enumerated() {
                let configuration = directory + "/\(edge.node).toml"
                try """
                [site]
                timezone = "UTC"
                [database]
                path = "\(edge.store)"
                url = "\(benchURL)"
                [cluster]
                node = "\(edge.node)"
                role = "edge"
                switch = "bench-pbx-\(index + 1)"
                [cdr_post]
                enabled = false
                """.write(toFile: configuration, atomically: true, encoding: .utf8)
            }
            let clock = ContinuousClock()
            let started = clock.now
            let expected = edges
            for edge in edges {
                processes.append(
                    try spawn(
                        [tollguard, "serve", "--config", directory + "/\(edge.node).toml", "--http-port", "0"],
                        log: directory + "/\(edge.node).log"))
            }
            timing = try await Self.withStore(bench, logger: logger) { store in
                var first: Double?
                while true {
                    let held = try await Self.held(store, logger: logger)
                    let elapsed = (clock.now - started).seconds
                    if first == nil, held.values.contains(where: { $0 > 0 }) { first = elapsed }
                    if expected.allSatisfy({ held[$0.node] == $0.calls }) { return (elapsed, first ?? elapsed) }
                    guard elapsed < 3_600 else { throw ValidationError("the edges had not shipped after an hour") }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        } catch {
            for pid in processes { kill(pid, SIGTERM) }
            throw error
        }
        for pid in processes {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        let analysis = try await analyzerStage(
            tollguard: tollguard, single: single, url: benchURL, bench: bench, edges: edges.map { ($0.node, $0.calls) },
            logger: logger)
        let shipped = try await Self.withStore(bench, logger: logger) { store in
            for try await count in try await store.client.query("SELECT count(*) FROM calls", logger: logger)
                .decode(Int64.self)
            {
                return count
            }
            return 0
        }
        try await Self.drop(name, on: administration, logger: logger)

        let total = Double(edges.reduce(0) { $0 + $1.calls })
        print("one box: tollguard ingest stored \(stored) calls in \(Self.format(singleSeconds)) s")
        print(String(format: "  %.0f calls/s (the baseline)", Double(stored) / singleSeconds))
        print(
            "cluster: 2 tollguard serve edges shipped \(Int(total)) calls (PostgreSQL holds \(shipped)) in "
                + "\(Self.format(timing.all)) s from their start, \(Self.format(timing.all - timing.firstShipment)) s "
                + "from the first shipment")
        print(
            String(
                format: "  %.0f calls/s from start (%.2f× one box's ingest), %.0f calls/s once shipping (%.2f×); "
                    + "target ≥ 5,000 calls/s", total / timing.all,
                (total / timing.all) / (Double(stored) / singleSeconds),
                total / max(0.001, timing.all - timing.firstShipment),
                (total / max(0.001, timing.all - timing.firstShipment)) / (Double(stored) / singleSeconds)))
        print("one box: tollguard analyze of the same calls in \(Self.format(analysis.singleSeconds)) s")
        print(String(format: "  %.0f calls/s (the baseline)", Double(stored) / analysis.singleSeconds))
        print(
            "cluster: tollguard serve --role analyzer analyzed them from PostgreSQL in "
                + "\(Self.format(analysis.clusterSeconds)) s from its start (\(analysis.alerts) alerts)")
        print(
            String(
                format: "  %.0f calls/s (%.2f× one box's analyze)", total / analysis.clusterSeconds,
                (total / analysis.clusterSeconds) / (Double(stored) / analysis.singleSeconds)))
        func takeover(_ taken: Takeover) -> String {
            "killed with kill -9, the standby holds the lease (lease \(Self.leaseSeconds) s) after "
                + "\(Self.format(taken.leaseSeconds)) s and analyzes after \(Self.format(taken.leadingSeconds)) s, "
                + (taken.fromStandby
                    ? "going on from the engine it kept standing by"
                    : "having rebuilt the engine (it kept none)")
                + " (target < 15 s); its peak RSS " + String(format: "%.0f MB", taken.peakMB)
        }
        print(
            "takeover without a snapshot: the standby kept the leader's engine \(Self.format(analysis.replayed.keptSeconds)) "
                + "s after its start (the engine's reach replayed); "
                + takeover(analysis.replayed))
        print(
            "takeover with snapshots: the leader's snapshot of its engine took "
                + String(format: "%.0f KB, %.3f s", analysis.snapshotBytes / 1024, analysis.snapshotSeconds)
                + "; the standby kept the engine \(Self.format(analysis.restored.keptSeconds)) s after its start "
                + String(
                    format: "(the snapshot restored: %.0f%% of the reach's time); ",
                    100 * analysis.restored.keptSeconds / max(0.001, analysis.replayed.keptSeconds))
                + takeover(analysis.restored))
        if !noLatency { try await latency(server: server, tollguard: tollguard) }
    }

    /// The latency stage (``ClusterLatencyStage``) on a database of its own.
    func latency(server: PostgresURL, tollguard: String) async throws {
        let logger = Logger(label: "tollguard.bench")
        let (name, administration, bench) = try await Self.createDatabase(on: server, logger: logger)
        let stage = ClusterLatencyStage(
            tollguard: tollguard, directory: directory, rate: latencyRate, seconds: latencySeconds,
            warmup: latencyWarmup,
            eventLatenessMilliseconds: eventLatenessMs, analyzeIntervalMilliseconds: analyzeIntervalMs,
            logger: logger)
        let single: ClusterLatencyStage.Result
        let cluster: ClusterLatencyStage.Result
        do {
            single = try await stage.singleBox()
            cluster = try await stage.cluster(url: Self.text(of: bench), bench: bench)
        } catch {
            try? await Self.drop(name, on: administration, logger: logger)
            throw error
        }
        try await Self.drop(name, on: administration, logger: logger)
        print(
            String(
                format: "latency: %.0f call events/s (%.0f calls/s) for %.0f s after %.0f s of warm-up, "
                    + "one IRSF burst a second; "
                    + "burst's third call leaving the switch → its alert readable in the store",
                latencyRate, latencyRate / 3, latencySeconds, latencyWarmup))
        print("  one box, tollguard serve: \(single.text) (the baseline)")
        print(
            "  cluster, 2 edges → PostgreSQL → analyzer (event_lateness_ms \(eventLatenessMs), "
                + "analyze_interval_ms \(analyzeIntervalMs)): \(cluster.text); target p99 < 250 ms")
    }

    /// A new database of the benchmark's own on `server`: its name, the server's administration
    /// database (where it is dropped from), and the new one.
    static func createDatabase(on server: PostgresURL, logger: Logger) async throws -> (
        name: String, administration: PostgresURL, bench: PostgresURL
    ) {
        let name = "tg_bench_\(UInt32.random(in: 0...UInt32.max))"
        var administration = server
        administration.database = server.database.isEmpty ? "postgres" : server.database
        try await Self.withStore(administration, logger: logger) { store -> Void in
            try await store.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        var bench = server
        bench.database = name
        return (name, administration, bench)
    }

    static func drop(_ name: String, on administration: PostgresURL, logger: Logger) async throws {
        try await Self.withStore(administration, logger: logger) { store -> Void in
            try await store.client.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"), logger: logger)
        }
    }

    static let leaseSeconds = 10

    /// `tollguard analyze` of the one box's store, then `tollguard serve --role analyzer` over the
    /// calls the edges shipped, timed from its start until it consumed every one; then a standby,
    /// timed until it keeps the leader's engine (it replays the engine's reach), the leader killed
    /// with `kill -9`, timed until the standby leads; then again with a standby that restores the
    /// snapshot the new leader wrote.
    func analyzerStage(
        tollguard: String, single: String, url: String, bench: PostgresURL, edges: [(node: String, calls: Int64)],
        logger: Logger
    ) async throws -> AnalyzerStage {
        let analyze = try measure(
            [tollguard, "analyze", "--no-report", "--db", single, "--from", "2000-01-01", "--to", "2100-01-01"])
        guard analyze.status == 0 else { throw ValidationError("tollguard analyze exited \(analyze.status)") }
        var analyzers: [pid_t] = []
        defer { for pid in analyzers { kill(pid, SIGKILL) } }
        for node in ["bench-analyzer-1", "bench-analyzer-2", "bench-analyzer-3"] {
            let store = directory + "/\(node).sqlite"
            removeDatabase(store)
            try """
            [site]
            timezone = "UTC"
            [database]
            path = "\(store)"
            url = "\(url)"
            [cluster]
            node = "\(node)"
            role = "analyzer"
            lease_seconds = \(Self.leaseSeconds)
            snapshot_seconds = \(node == "bench-analyzer-1" ? 0 : 2)
            [cdr_post]
            enabled = false
            """.write(toFile: directory + "/\(node).toml", atomically: true, encoding: .utf8)
        }
        func start(_ node: String) throws -> pid_t {
            try spawn(
                [tollguard, "serve", "--config", directory + "/\(node).toml", "--http-port", "0"],
                log: directory + "/\(node).log")
        }
        let clock = ContinuousClock()
        let started = clock.now
        analyzers.append(try start("bench-analyzer-1"))
        let expected = Dictionary(uniqueKeysWithValues: edges.map { ($0.node, $0.calls) })
        let (clusterSeconds, alerts) = try await Self.withStore(bench, logger: logger) { store in
            while true {
                let (offsets, _) = try await Self.lease(store, logger: logger)
                if expected.allSatisfy({ offsets[$0.key] == $0.value }) {
                    let elapsed = (clock.now - started).seconds
                    var alerts: Int64 = 0
                    for try await count in try await store.client.query(
                        "SELECT count(*) FROM cluster_alerts", logger: logger
                    ).decode(Int64.self) {
                        alerts = count
                    }
                    return (elapsed, alerts)
                }
                guard (clock.now - started).seconds < 3_600 else {
                    throw ValidationError("the analyzer had not analyzed the calls after an hour")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        // The first leader writes no snapshot: its standby replays the engine's reach. The
        // second writes one every 2 s: its standby starts from the last.
        let replayed = try await takeover(
            from: analyzers[0], to: "bench-analyzer-2", bench: bench, logger: logger, start: start)
        analyzers = [replayed.standby]
        let secondLeader = directory + "/bench-analyzer-2.log"
        var snapshot = (bytes: 0.0, seconds: 0.0)
        let deadline = clock.now + .seconds(120)
        while snapshot.bytes == 0, clock.now < deadline {
            let metrics = try await Self.metrics(log: secondLeader) ?? ""
            if Self.value(of: "tollguard_analyzer_snapshots_total", in: metrics) ?? 0 >= 1 {
                snapshot = (
                    Self.value(of: "tollguard_analyzer_snapshot_bytes", in: metrics) ?? 0,
                    Self.value(of: "tollguard_analyzer_snapshot_seconds", in: metrics) ?? 0
                )
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        guard snapshot.bytes > 0 else { throw ValidationError("the second leader wrote no snapshot in two minutes") }
        let restored = try await takeover(
            from: replayed.standby, to: "bench-analyzer-3", bench: bench, logger: logger, start: start)
        analyzers = [restored.standby]
        for pid in analyzers {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        analyzers = []
        return AnalyzerStage(
            singleSeconds: analyze.seconds, clusterSeconds: clusterSeconds, alerts: alerts, replayed: replayed,
            restored: restored, snapshotBytes: snapshot.bytes, snapshotSeconds: snapshot.seconds)
    }

    /// What the analyzer stage measured.
    struct AnalyzerStage {
        var singleSeconds: Double
        var clusterSeconds: Double
        var alerts: Int64
        /// A takeover without a snapshot, and one from a snapshot.
        var replayed: Takeover
        var restored: Takeover
        /// The size of the snapshot the second takeover started from, and its writing's time.
        var snapshotBytes: Double
        var snapshotSeconds: Double
    }

    /// One takeover: when the standby held the lease and when it led, after the leader's kill.
    struct Takeover {
        var standby: pid_t
        /// From the standby's start until it kept the leader's engine (rebuilt as a cold
        /// takeover would: the reach replayed, or the snapshot restored).
        var keptSeconds: Double
        var leaseSeconds: Double
        var leadingSeconds: Double
        /// Whether the new leader went on from the engine it kept standing by.
        var fromStandby: Bool
        var peakMB: Double
    }

    /// Starts `node` as a standby, kills `leader` with `kill -9` once the standby keeps the
    /// leader's engine, and times the standby until it holds the lease and until it leads.
    func takeover(
        from leader: pid_t, to node: String, bench: PostgresURL, logger: Logger, start: (String) throws -> pid_t
    ) async throws -> Takeover {
        let clock = ContinuousClock()
        let standby = try start(node)
        let log = directory + "/\(node).log"
        // A standby that did not take over goes with the benchmark's failure.
        var taken = false
        defer { if !taken { kill(standby, SIGKILL) } }
        let startedAt = clock.now
        let (keptSeconds, leaseSeconds, leadingSeconds) = try await Self.withStore(bench, logger: logger) { store in
            // The standby is up, standing by and keeping the leader's engine before the leader
            // is killed.
            var keptSeconds: Double?
            while keptSeconds == nil {
                if let metrics = try? await Self.metrics(log: log),
                    Self.value(of: "tollguard_analyzer_standby_lag_seconds", in: metrics) ?? -1 >= 0
                {
                    keptSeconds = (clock.now - startedAt).seconds
                } else {
                    guard (clock.now - startedAt).seconds < 600 else {
                        throw ValidationError("the standby kept no engine after ten minutes")
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            try await Task.sleep(for: .seconds(1))
            let killedAt = clock.now
            kill(leader, SIGKILL)
            var status: Int32 = 0
            waitpid(leader, &status, 0)
            var leaseTaken: Double?
            while true {
                if leaseTaken == nil, try await Self.lease(store, logger: logger).holder == node {
                    leaseTaken = (clock.now - killedAt).seconds
                }
                // Leading once it has restored or replayed its engine and resumed (its /metrics says so).
                if let leaseTaken, try await Self.leads(log: log) {
                    return (keptSeconds ?? 0, leaseTaken, (clock.now - killedAt).seconds)
                }
                guard (clock.now - killedAt).seconds < 600 else {
                    throw ValidationError("the standby had not taken over after ten minutes")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        taken = true
        let metrics = try await Self.metrics(log: log) ?? ""
        return Takeover(
            standby: standby, keptSeconds: keptSeconds, leaseSeconds: leaseSeconds, leadingSeconds: leadingSeconds,
            fromStandby: Self.value(of: "tollguard_analyzer_started_from_standby", in: metrics) == 1,
            peakMB: Self.peakResidentMB(of: standby))
    }

    /// Whether the `serve` logging to `log` answers on its /metrics that it leads the analysis.
    static func leads(log: String) async throws -> Bool {
        try await metrics(log: log)?.contains("\ntollguard_analyzer_leading 1") ?? false
    }

    /// The `/metrics` of the `tollguard serve` whose log is `log`; nil before it listens.
    static func metrics(log: String) async throws -> String? {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tollguard serve: http://") }),
            let address = line.dropFirst("tollguard serve: ".count).split(separator: " ").first
        else { return nil }
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: address + "/metrics"), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    /// The value of `name` in a `/metrics` text.
    static func value(of name: String, in metrics: String) -> Double? {
        metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap {
            Double($0.split(separator: " ")[1])
        }
    }

    /// The peak resident memory of process `pid` so far (VmHWM), in MB; 0 where unknown.
    static func peakResidentMB(of pid: pid_t) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }

    /// The CPU time process `pid` has used so far (user and system), in seconds; 0 where unknown.
    static func cpuSeconds(of pid: pid_t) -> Double {
        // After the command's name in parentheses (which may hold spaces): the state is field 3,
        // utime field 14 and stime field 15, in clock ticks.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The CPU time, in seconds, the PostgreSQL backends serving `database` have used so far
    /// (those still connected: the pools keep theirs).
    static func cpuSeconds(ofBackendsOf database: String) -> Double {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var total = 0.0
        for entry in entries {
            guard let pid = pid_t(entry),
                let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                command.hasPrefix("postgres: "), command.split(separator: " ").contains(Substring(database))
            else { continue }
            total += cpuSeconds(of: pid)
        }
        return total
    }

    /// The analyzer lease's offsets and its holder while it runs.
    static func lease(_ store: ClusterStore, logger: Logger) async throws -> (offsets: [String: Int64], holder: String?)
    {
        let rows = try await store.client.query(
            """
            SELECT offsets::text, CASE WHEN lease_until >= now() THEN holder END
            FROM analyzer_leases WHERE key_range = 'all'
            """, logger: logger)
        for try await (offsets, holder) in rows.decode((String, String?).self) {
            return (try JSONDecoder().decode([String: Int64].self, from: Data(offsets.utf8)), holder)
        }
        return ([:], nil)
    }

    /// Each edge's last call the store holds.
    static func held(_ store: ClusterStore, logger: Logger) async throws -> [String: Int64] {
        var held: [String: Int64] = [:]
        let rows = try await store.client.query(
            "SELECT source_id, last_sequence FROM sources", logger: logger)
        for try await (node, last) in rows.decode((String, Int64).self) { held[node] = last }
        return held
    }

    /// Runs `body` with a migrated store on `url`'s first server.
    static func withStore<T: Sendable>(
        _ url: PostgresURL, logger: Logger, _ body: @Sendable (ClusterStore) async throws -> T
    ) async throws -> T {
        let connector = ClusterConnector(
            url: url, password: ProcessInfo.processInfo.environment["PGPASSWORD"],
            applicationName: "tollguard-bench", logger: logger)
        return try await connector.withPrimary { store, _ in
            if url.database.hasPrefix("tg_bench_") { try await store.migrate() }
            return try await body(store)
        }
    }

    /// `url` as a configuration file writes it.
    static func text(of url: PostgresURL) -> String {
        var folders: [String] = []
        var ports: [String] = []
        var hosts: [String] = []
        for host in url.hosts {
            switch host {
            case .socket(let path):
                let name = (path as NSString).lastPathComponent
                folders.append((path as NSString).deletingLastPathComponent)
                ports.append(String(name.split(separator: ".").last ?? "5432"))
            case .tcp:
                hosts.append(host.description)
            }
        }
        if !folders.isEmpty {
            return "postgres://\(url.user)@/\(url.database)?host=\(folders.joined(separator: ","))"
                + "&port=\(ports.joined(separator: ","))"
        }
        return "postgres://\(url.user)@\(hosts.joined(separator: ","))/\(url.database)?sslmode=\(url.tls.rawValue)"
    }

    static func format(_ seconds: Double) -> String { String(format: "%.2f", seconds) }
}

/// Starts `arguments` (no shell), its output and errors written to `log`; returns its process id.
func spawn(_ arguments: [String], log: String) throws -> pid_t {
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
    guard spawned == 0 else {
        throw ValidationError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
    }
    return pid
}
