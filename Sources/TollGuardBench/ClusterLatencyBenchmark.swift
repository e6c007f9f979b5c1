import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import Synchronization
import TollGuardCluster
import TollGuardCore
import TollGuardDemo

/// The cluster benchmark's latency stage: call events at their own pace (one second of call time
/// a second) from fake FreeSWITCHes, to `tollguard serve` processes as users run them — one box
/// alone, then two edges and an analyzer on PostgreSQL — and, for each IRSF burst (an account's
/// third simultaneous call to Somalia), the time from its third `CHANNEL_CREATE` leaving the
/// switch until its `concurrent_international` alert can be read from the store (polled every
/// 10 ms: in the one box's SQLite, in the cluster's PostgreSQL).
struct ClusterLatencyStage {
    var tollguard: String
    var directory: String
    /// Events a second, over all switches.
    var rate: Double
    var seconds: Double
    /// Seconds of traffic before the bursts are timed (the processes' first writes, the first day's partition).
    var warmup: Double
    var eventLatenessMilliseconds: Int
    var analyzeIntervalMilliseconds: Int
    let logger: Logger

    /// Each burst's latency in milliseconds, and the bursts sent.
    struct Result {
        var latencies: [Double]
        var bursts: Int
        /// Events a second the sender kept up over the timed seconds (it falls behind the rate
        /// asked when the machine cannot carry it).
        var sentRate: Double
        /// CPU seconds the benchmark itself used while it sent (its fake switches, the sender,
        /// the poll): the switches' share of this machine, which a site runs elsewhere.
        var benchmarkCPU: Double
        /// The cluster's analyzer: its steps and the seconds they took (its `/metrics`).
        var analyzerSteps: (count: Double, seconds: Double)?
        /// CPU seconds each process used over the stage, by name (`serve` processes, and the
        /// PostgreSQL backends of the cluster's database).
        var cpu: [(name: String, seconds: Double)] = []

        func percentile(_ p: Double) -> Double { quantile(latencies, p) }

        var text: String {
            String(
                format: "p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d of %d bursts' alerts seen; %.0f events/s sent)",
                percentile(0.5), percentile(0.99), percentile(1), latencies.count, bursts, sentRate)
                + (analyzerSteps.map {
                    String(
                        format: "; the analyzer's %.0f steps took %.1f ms each on average", $0.count,
                        $0.count > 0 ? $0.seconds / $0.count * 1000 : 0)
                } ?? "")
                + (cpu.isEmpty
                    ? ""
                    : "; CPU seconds: "
                        + cpu.map { String(format: "%@ %.1f", $0.name, $0.seconds) }.joined(separator: ", "))
                + String(format: " (the benchmark's switches and sender %.1f)", benchmarkCPU)
        }
    }

    /// One box: `tollguard serve` watching one switch, its alerts read from its SQLite store.
    func singleBox() async throws -> Result {
        let store = directory + "/latency-single.sqlite"
        removeDatabase(store)
        let server = try await FakeFreeSWITCH.start()
        defer { Task { await server.stop() } }
        let password = try secret("latency-single")
        try write(
            "latency-single",
            """
            [site]
            timezone = "UTC"
            [database]
            path = "\(store)"
            [cdr_post]
            enabled = false
            \(Self.eventSocket("fs-single", port: server.port, password: password))
            """)
        let serve = try start("latency-single")
        defer { stop([serve]) }
        try await server.waitForSubscribers()
        let database = try TollGuardDatabase.open(path: store)
        let before = ClusterBenchmark.cpuSeconds(of: serve)
        var result = try await drive([server]) { last in
            var seen: [Sighting] = []
            for alert in try database.alerts(raisedAfter: last, limit: 1000) {
                last = max(last, alert.id)
                if alert.rule == AnalysisRule.concurrentInternational.rawValue {
                    seen.append(Sighting(subject: alert.subject.value, at: ContinuousClock.now))
                }
            }
            return seen
        }
        result.cpu = [("serve", ClusterBenchmark.cpuSeconds(of: serve) - before)]
        return result
    }

    /// Two edges (one switch each) and an analyzer on the database `bench`, written as `url`.
    func cluster(url: String, bench: PostgresURL) async throws -> Result {
        let servers = [try await FakeFreeSWITCH.start(), try await FakeFreeSWITCH.start()]
        defer { Task { for server in servers { await server.stop() } } }
        var processes: [pid_t] = []
        defer { stop(processes) }
        for (index, server) in servers.enumerated() {
            let node = "latency-edge-\(index + 1)"
            let store = directory + "/\(node).sqlite"
            removeDatabase(store)
            try write(
                node,
                """
                [site]
                timezone = "UTC"
                [database]
                path = "\(store)"
                url = "\(url)"
                [cluster]
                node = "\(node)"
                role = "edge"
                ship_interval_ms = 100
                event_lateness_ms = \(eventLatenessMilliseconds)
                [cdr_post]
                enabled = false
                \(Self.eventSocket("fs-\(index + 1)", port: server.port, password: try secret(node)))
                """)
            processes.append(try start(node))
        }
        let analyzerStore = directory + "/latency-analyzer.sqlite"
        removeDatabase(analyzerStore)
        try write(
            "latency-analyzer",
            """
            [site]
            timezone = "UTC"
            [database]
            path = "\(analyzerStore)"
            url = "\(url)"
            [cluster]
            node = "latency-analyzer"
            role = "analyzer"
            analyze_interval_ms = \(analyzeIntervalMilliseconds)
            [cdr_post]
            enabled = false
            """)
        processes.append(try start("latency-analyzer"))
        for server in servers { try await server.waitForSubscribers() }
        let started = processes
        return try await ClusterBenchmark.withStore(bench, logger: logger) { store in
            // The analyzer leads before the traffic starts.
            while try await ClusterBenchmark.lease(store, logger: logger).holder == nil {
                try await Task.sleep(for: .milliseconds(50))
            }
            let logger = self.logger
            let names = ["edge-1", "edge-2", "analyzer"]
            let database = bench.database
            let before =
                started.map(ClusterBenchmark.cpuSeconds(of:)) + [ClusterBenchmark.cpuSeconds(ofBackendsOf: database)]
            var result = try await drive(servers) { last in
                var seen: [Sighting] = []
                let rows = try await store.client.query(
                    "SELECT id, rule, subject FROM cluster_alerts WHERE id > \(last) ORDER BY id", logger: logger)
                for try await (id, rule, subject) in rows.decode((Int64, String, String).self) {
                    last = max(last, id)
                    if rule == AnalysisRule.concurrentInternational.rawValue {
                        seen.append(Sighting(subject: subject, at: ContinuousClock.now))
                    }
                }
                return seen
            }
            let after =
                started.map(ClusterBenchmark.cpuSeconds(of:)) + [ClusterBenchmark.cpuSeconds(ofBackendsOf: database)]
            result.cpu = zip(names + ["PostgreSQL"], zip(after, before)).map { ($0, $1.0 - $1.1) }
            if let metrics = try await ClusterBenchmark.metrics(log: directory + "/latency-analyzer.log"),
                let steps = ClusterBenchmark.value(of: "tollguard_analyzer_steps_total", in: metrics),
                let seconds = ClusterBenchmark.value(of: "tollguard_analyzer_step_seconds_total", in: metrics)
            {
                result.analyzerSteps = (steps, seconds)
            }
            return result
        }
    }

    /// An alert seen in the store: its subject, and when.
    struct Sighting: Sendable {
        var subject: String
        var at: ContinuousClock.Instant
    }

    /// Sends the traffic, each call's events to one of `servers`, while `poll` (every 10 ms, in a
    /// task of its own: a sender that falls behind its schedule must not stop the looking) reads
    /// the alerts raised after the id it is given, moving it on; then waits up to ten seconds for
    /// the last bursts.
    private func drive(
        _ servers: [FakeFreeSWITCH], poll: @escaping @Sendable (inout Int64) async throws -> [Sighting]
    ) async throws -> Result {
        // The switches' clocks are ours, as NTP keeps a site's: each event leaves at the time it
        // carries. (Sent at a fixed rate instead, the events ran ahead of their times while the
        // first calls' answers and hangups were still to come — 7 s ahead after a call's 20 s —
        // and the cluster, which releases calls in the time they carry, seemed 7 s late.)
        let ownCPU = ClusterBenchmark.cpuSeconds(of: getpid())
        let origin = Date()
        var traffic = LiveTraffic(eventsPerSecond: rate, timeScale: 1, origin: origin)
        let clock = ContinuousClock()
        let started = clock.now
        /// Each timed burst's send, until its alert is seen; the latencies seen, in milliseconds.
        let timing = Mutex<(sent: [String: ContinuousClock.Instant], latencies: [Double])>(([:], []))
        let poller = Task {
            var last: Int64 = 0
            while !Task.isCancelled {
                for sighting in try await poll(&last) {
                    timing.withLock { timing in
                        if let sentAt = timing.sent.removeValue(forKey: sighting.subject) {
                            timing.latencies.append((sighting.at - sentAt).seconds * 1000)
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        defer { poller.cancel() }
        var bursts = 0
        var timed: (events: Int, from: ContinuousClock.Instant?) = (0, nil)
        while true {
            guard case .eventSocket(let event) = traffic.next(), let time = event.date else { continue }
            let offset = time.timeIntervalSince(origin)
            if offset >= warmup + seconds { break }
            let due = started + .milliseconds(Int(offset * 1000))
            if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            // A call's events go to one switch; a burst's three calls share their number.
            let uuid = event.headers["Unique-ID"] ?? ""
            let number = Int(uuid.split(separator: "-")[safe: 4] ?? "") ?? 0
            // Timed as it leaves: taken before the write, so that no alert is read before its send is.
            if event.name == "CHANNEL_CREATE", uuid.hasSuffix("-2"), offset >= warmup {
                let now = clock.now
                timing.withLock { $0.sent["9\(number)"] = now }
                bursts += 1
            }
            _ = await servers[number % servers.count].publish(event)
            if offset >= warmup {
                timed.events += 1
                if timed.from == nil { timed.from = clock.now }
            }
        }
        let sending = timed.from.map { (clock.now - $0).seconds } ?? 0
        let sentRate = sending > 0 ? Double(timed.events) / sending : 0
        let end = clock.now + .seconds(10)
        while timing.withLock({ !$0.sent.isEmpty }), clock.now < end {
            try await Task.sleep(for: .milliseconds(10))
        }
        poller.cancel()
        _ = try? await poller.value
        return Result(
            latencies: timing.withLock { $0.latencies }, bursts: bursts, sentRate: sentRate,
            benchmarkCPU: ClusterBenchmark.cpuSeconds(of: getpid()) - ownCPU)
    }

    private static func eventSocket(_ name: String, port: Int, password: String) -> String {
        """
        [[event_socket]]
        name = "\(name)"
        enabled = true
        host = "127.0.0.1"
        port = \(port)
        password_file = "\(password)"
        """
    }

    private func secret(_ node: String) throws -> String {
        let path = directory + "/\(node).secret"
        try "ClueCon".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func write(_ node: String, _ toml: String) throws {
        try toml.write(toFile: directory + "/\(node).toml", atomically: true, encoding: .utf8)
    }

    private func start(_ node: String) throws -> pid_t {
        try spawn(
            [tollguard, "serve", "--config", directory + "/\(node).toml", "--http-port", "0"],
            log: directory + "/\(node).log")
    }

    private func stop(_ processes: [pid_t]) {
        for pid in processes {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
