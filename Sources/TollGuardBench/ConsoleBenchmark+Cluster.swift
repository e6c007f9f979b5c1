import ArgumentParser
import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import PostgresNIO
import TollGuardCluster
import TollGuardCore
import TollGuardHTTP
import TollGuardHooks

/// The same console pages from a node of a cluster: the one box's alerts, evidence, spend and
/// user copied into a PostgreSQL database of the benchmark's own, `tollguard serve --role edge`
/// over it (a node with nothing to ship), each page beside its reads from the cluster store.
extension ConsoleBenchmark {
    struct ClusterPages {
        var rows: [(String, Timings, Timings)]
        var copied: String
    }

    func clusterPages(
        url: String, store: TollGuardDatabase, token: String, alertIDs: [Int64], busiest: String,
        tollguard: String, client: HTTPClient
    ) async throws -> ClusterPages {
        let logger = Logger(label: "bench")
        let server: PostgresURL
        do {
            server = try PostgresURL(parsing: url)
        } catch {
            throw ValidationError("--cluster-url: \(error)")
        }
        let database = try await ClusterBenchmark.createDatabase(on: server, logger: logger)
        defer { Task { try? await ClusterBenchmark.drop(database.name, on: database.administration, logger: logger) } }
        let started = ContinuousClock.now
        let copied = try await ClusterBenchmark.withStore(database.bench, logger: logger) { cluster in
            try await cluster.migrate()
            return try await Self.copy(store, into: cluster, token: token, logger: logger)
        }
        let copyTime = ContinuousClock.now - started
        let node = directory + "/console-node"
        try? FileManager.default.removeItem(atPath: node + ".sqlite")
        let config = node + ".toml"
        try """
        [site]
        timezone = "UTC"
        [database]
        path = "\(node).sqlite"
        url = "\(ClusterBenchmark.text(of: database.bench))"
        [cdr_post]
        enabled = false
        [cluster]
        node = "console-bench"
        role = "edge"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        try refuseTaken(port: port + 1)
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: tollguard)
        serve.arguments = ["serve", "--config", config, "--http-port", String(port + 1)]
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer {
            serve.terminate()
            serve.waitUntilExit()
        }
        let base = "http://127.0.0.1:\(port + 1)"
        let cookie = "tollguard_session=\(token)"
        // Its queue, signed in (a page that follows a redirect to the login page is not it).
        let deadline = Date().addingTimeInterval(60)
        while (try? await client.page(base + "/console", cookie: cookie)).map({
            String(buffer: $0).contains("id=\"cluster-notice\"") && String(buffer: $0).contains("/console/alerts/")
        }) != true {
            guard Date() < deadline else { throw ValidationError("the cluster node's queue did not answer") }
            try await Task.sleep(for: .milliseconds(200))
        }
        let primary = ClusterPrimary(
            connector: ClusterConnector(
                url: database.bench, password: ProcessInfo.processInfo.environment["PGPASSWORD"],
                applicationName: "tollguard-bench console", logger: logger),
            logger: logger)
        let consoleStore = ClusterConsoleStore(
            primary: primary, summarizer: AlertSummarizer(timeZone: .gmt, currency: "USD", countryNames: [:]),
            timeZone: .gmt, actions: { ActionSettings() })
        let route = try ConsoleRoute(
            actions: ActionLayer(database: store, configuration: TollGuardConfiguration(), logger: logger),
            store: consoleStore, logger: logger)
        guard let day = route.day(busiest) else { throw ValidationError("no day \(busiest)") }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await primary.run() }
            defer { group.cancelAll() }
            func headerReads() async throws {
                _ = try await consoleStore.reviewCounts(user: "bench", now: Date())
                _ = try await consoleStore.newestAlertID()
            }
            var rows: [(String, Timings, Timings)] = []
            rows.append(
                (
                    "queue (/console)",
                    try await time { _ = try await client.page(base + "/console", cookie: cookie) },
                    try await time {
                        try await headerReads()
                        _ = try await consoleStore.reviewQueue(
                            .open, filter: ReviewFilter(), user: "bench", now: Date(), analysis: AnalysisSettings(),
                            timeZone: .gmt, offset: 0, limit: ReviewQueue.pageSize)
                        _ = try await consoleStore.alertRules()
                    }
                ))
            rows.append(
                (
                    "alert (/console/alerts/N)",
                    try await time { index in
                        _ = try await client.page(
                            base + "/console/alerts/\(alertIDs[index % alertIDs.count])", cookie: cookie)
                    },
                    try await time { index in
                        try await headerReads()
                        _ = try await route.caseFile(alertIDs[index % alertIDs.count])
                    }
                ))
            rows.append(
                (
                    "accounts (/console/accounts)",
                    try await time {
                        _ = try await client.page(base + "/console/accounts?date=\(busiest)", cookie: cookie)
                    },
                    try await time {
                        try await headerReads()
                        _ = try await route.accountDays(day)
                    }
                ))
            return ClusterPages(
                rows: rows,
                copied: "\(copied) copied into PostgreSQL in \(String(format: "%.1f", copyTime.seconds)) s")
        }
    }

    /// The evidence call as the cluster keeps it (`cluster_alerts.evidence`).
    private struct Evidence: Encodable {
        var key: String
        var time: Date
        var number: String
        var region: String?
        var cost: Int64
        var switchName: String?
    }

    /// An alert row as `jsonb_to_recordset` reads it.
    private struct AlertRow: Encodable {
        var id: Int64
        var rule: String
        var subject_type: String
        var subject: String
        var window_key: String?
        var severity: String
        var severity_rank: Int
        var first_seen: Double
        var last_seen: Double
        var headline: String
        var metrics: [String: MetricValue]
        var evidence: [Evidence]
        var call_count: Int
        var cost_micros: Int64
        var state: String
    }

    /// Copies the one box's alerts (with their evidence), spend per account and day, quotas and
    /// the `bench` user with the session of `token` into `cluster`; says what it copied.
    private static func copy(_ store: TollGuardDatabase, into cluster: ClusterStore, token: String, logger: Logger)
        async throws -> String
    {
        let alerts = try store.alerts(AlertFilter())
        let encoder = JSONEncoder()
        for batch in stride(from: 0, to: alerts.count, by: 1_000) {
            let rows = try alerts[batch..<min(alerts.count, batch + 1_000)].map { alert in
                AlertRow(
                    id: alert.id, rule: alert.rule, subject_type: alert.subject.kind.rawValue,
                    subject: alert.subject.value, window_key: alert.windowKey, severity: alert.severity.name,
                    severity_rank: alert.severity.rawValue, first_seen: alert.firstSeen.timeIntervalSince1970,
                    last_seen: alert.lastSeen.timeIntervalSince1970, headline: alert.headline, metrics: alert.metrics,
                    evidence: try store.alertCalls(id: alert.id).map {
                        Evidence(
                            key: $0.key, time: $0.time, number: $0.number, region: $0.region, cost: $0.costMicros,
                            switchName: $0.switchName)
                    }, call_count: alert.callCount, cost_micros: alert.costMicros, state: alert.state.rawValue)
            }
            let json = String(decoding: try encoder.encode(rows), as: UTF8.self)
            try await cluster.client.query(
                """
                INSERT INTO cluster_alerts (id, rule, subject_type, subject, window_key, severity, severity_rank,
                    first_seen_utc, last_seen_utc, headline, metrics, evidence, call_count, cost_micros, call_keys,
                    state, epoch)
                SELECT id, rule, subject_type, subject, window_key, severity, severity_rank,
                    to_timestamp(first_seen) AT TIME ZONE 'UTC', to_timestamp(last_seen) AT TIME ZONE 'UTC',
                    headline, metrics, evidence, call_count, cost_micros, '[]'::jsonb, state, 1
                FROM jsonb_to_recordset(\(json)::jsonb) AS r(id bigint, rule text, subject_type text, subject text,
                    window_key text, severity text, severity_rank integer, first_seen float8, last_seen float8,
                    headline text, metrics jsonb, evidence jsonb, call_count bigint, cost_micros bigint, state text)
                """, logger: logger)
        }
        try await cluster.client.query(
            "SELECT setval('cluster_alerts_id_seq', (SELECT max(id) FROM cluster_alerts))", logger: logger)
        let spend = try store.writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT account, substr(start_utc, 1, 10), count(*), coalesce(sum(cost_micros), 0) FROM calls
                    GROUP BY 1, 2
                    """)
        }
        try await cluster.client.query(
            """
            INSERT INTO cluster_spend (account, day, calls, cost_micros)
            SELECT * FROM unnest(\(spend.map { $0[0] as String })::text[], \(spend.map { $0[1] as String })::date[],
                \(spend.map { $0[2] as Int64 })::bigint[], \(spend.map { $0[3] as Int64 })::bigint[])
            """, logger: logger)
        for quota in try store.quotas() { try await cluster.setQuota(quota, reason: nil) }
        guard let user = try store.user(named: "bench") else { throw ValidationError("no user bench") }
        try await cluster.addUser(name: user.name, role: user.role, passwordHash: user.passwordHash, actor: "bench")
        try await cluster.startSession(
            user: user.name, tokenHash: SessionToken.storedHash(of: token), csrfToken: SessionToken.make(),
            expires: Date().addingTimeInterval(86_400))
        return "\(alerts.count) alerts, \(spend.count) account-days"
    }
}

extension Duration {
    /// In seconds, as a number.
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
