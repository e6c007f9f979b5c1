import ArgumentParser
import AsyncHTTPClient
import Foundation
import GRDB
import Glibc
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import TollGuardCore
import TollGuardHTTP
import TollGuardHooks

/// The review console as its users get it: `tollguard serve` over the analysis benchmark's store
/// (a million calls, ~12,000 alerts), its pages fetched over HTTP, each beside the store reads
/// the page makes timed alone in the same run; then live updates reaching 100 open pages.
struct ConsoleBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Console pages through tollguard serve (p50/p95) beside their own store reads; SSE to 100 pages.")

    @Option(help: "Calls in the store (rows of the FreeSWITCH example-template file).")
    var rows = 1_000_000

    @Option(help: "Requests of each page (after 5 not counted).")
    var requests = 200

    @Option(help: "Console pages kept open on the live-update stream (0 skips it).")
    var pages = 100

    @Option(help: "Alert changes whose arrival on every open page is timed.")
    var changes = 5

    @Option(help: "Port for serve.")
    var port = 19_476

    @Option(help: "Scratch folder.")
    var directory = NSTemporaryDirectory() + "tollguard-bench"

    @Flag(help: "Use the store of an earlier run as it is (no ingest or analysis).")
    var reuseStore = false

    @Option(
        help: ArgumentHelp(
            "A PostgreSQL server, as database.url writes it: the same pages also from a node of a cluster.",
            discussion: "The store's alerts, spend and user are copied into a database of the benchmark's own."))
    var clusterURL: String?

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        bootstrapQuietLogging()
        let tollguard = siblingExecutable("tollguard")
        let database = directory + "/console.sqlite"
        if !reuseStore || !FileManager.default.fileExists(atPath: database) {
            try fillStore(database, tollguard: tollguard)
        }
        let token = try userToken(database, tollguard: tollguard)
        let store = try TollGuardDatabase.open(path: database)
        let alertCount = try store.alerts(AlertFilter()).count
        let calls = try store.callCount()
        // The pages a reviewer opens: the queue, the case files of its top alerts, the accounts
        // of the store's busiest day.
        let queue = try store.reviewQueue(.open, user: "bench", limit: 50)
        let alertIDs = queue.entries.map(\.alert.id)
        guard !alertIDs.isEmpty else { throw ValidationError("the analysis raised no open alert") }
        let busiest = try busiestDay(store)
        say("\(calls) calls, \(alertCount) alerts (\(queue.total) open); busiest day \(busiest)")

        try refuseTaken(port: port)
        let serve = try startServe(tollguard: tollguard, database: database)
        defer {
            serve.terminate()
            serve.waitUntilExit()
        }
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: pages + 8)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        do {
            try await waitForHealth(client)
            let base = "http://127.0.0.1:\(port)"
            let cookie = "tollguard_session=\(token)"
            let route = try ConsoleRoute(
                actions: ActionLayer(
                    database: store, configuration: TollGuardConfiguration(), logger: Logger(label: "bench")),
                logger: Logger(label: "bench"))
            guard let day = route.day(busiest) else { throw ValidationError("no day \(busiest)") }
            let signedUser = "bench"
            // Every page's header: the tab counts and the newest alert.
            func headerReads() throws {
                _ = try store.reviewCounts(user: signedUser)
                _ = try store.newestAlertID()
            }
            var rowsOut: [(String, Timings, Timings)] = []
            rowsOut.append(
                (
                    "queue (/console)",
                    try await time { _ = try await client.page(base + "/console", cookie: cookie) },
                    try await time {
                        try headerReads()
                        _ = try store.reviewQueue(.open, user: signedUser, limit: ReviewQueue.pageSize)
                        _ = try store.alertRules()
                    }
                ))
            rowsOut.append(
                (
                    "alert (/console/alerts/N)",
                    try await time { index in
                        _ = try await client.page(
                            base + "/console/alerts/\(alertIDs[index % alertIDs.count])", cookie: cookie)
                    },
                    try await time { index in
                        try headerReads()
                        _ = try await route.caseFile(alertIDs[index % alertIDs.count])
                    }
                ))
            rowsOut.append(
                (
                    "accounts (/console/accounts)",
                    try await time {
                        _ = try await client.page(base + "/console/accounts?date=\(busiest)", cookie: cookie)
                    },
                    try await time {
                        try headerReads()
                        _ = try await route.accountDays(day)
                    }
                ))
            say(
                "\npage                          page p50   page p95   own reads p50   own reads p95   ratio p95   (\(requests) requests each)"
            )
            for (name, page, reads) in rowsOut {
                say(
                    name.padding(toLength: 28, withPad: " ", startingAt: 0)
                        + String(
                            format: "  %7.1f ms %7.1f ms   %10.1f ms   %10.1f ms   %7.2fx", page.p50, page.p95,
                            reads.p50,
                            reads.p95, page.p95 / max(reads.p95, 0.001)))
            }
            if let clusterURL {
                let cluster = try await clusterPages(
                    url: clusterURL, store: store, token: token, alertIDs: alertIDs, busiest: busiest,
                    tollguard: tollguard, client: client)
                say("\nthe same pages from a node of a cluster (\(cluster.copied)), beside the one box's")
                say(
                    "page                          page p50   page p95   own reads p50   own reads p95   p95 / one box's"
                )
                for ((name, page, reads), (_, single, _)) in zip(cluster.rows, rowsOut) {
                    say(
                        name.padding(toLength: 28, withPad: " ", startingAt: 0)
                            + String(
                                format: "  %7.1f ms %7.1f ms   %10.1f ms   %10.1f ms   %7.2fx", page.p50, page.p95,
                                reads.p50, reads.p95, page.p95 / max(single.p95, 0.001)))
                }
            }
            if pages > 0 { try await fanOut(client, base: base, cookie: cookie, token: token, alertIDs: alertIDs) }
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// The analysis benchmark's store: the example rate deck, the calls, one analysis.
    private func fillStore(_ database: String, tollguard: String) throws {
        let file = try exampleCDRFile(rows: rows, seed: 7, in: directory)
        removeDatabase(database)
        let common = ["--db", database]
        let steps = [
            [tollguard, "rates", "import", "--example"] + common,
            [tollguard, "ingest", "--timezone", "UTC", file] + common,
            [tollguard, "analyze", "--no-report", "--from", "2000-01-01", "--to", "2100-01-01"] + common,
        ]
        for step in steps {
            say("running: " + step.dropFirst().joined(separator: " "))
            guard try measure(step).status == 0 else { throw ValidationError("failed: \(step.joined(separator: " "))") }
        }
    }

    /// An admin `bench` (made on the first run) and a new token of theirs.
    private func userToken(_ database: String, tollguard: String) throws -> String {
        let store = try TollGuardDatabase.open(path: database)
        if try store.user(named: "bench") == nil {
            let password = directory + "/console-password"
            try "correct horse battery staple\n".write(toFile: password, atomically: true, encoding: .utf8)
            guard
                try measure(
                    [tollguard, "users", "add", "bench", "--role", "admin", "--db", database], stdinFrom: password
                )
                .status == 0
            else { throw ValidationError("users add failed") }
        }
        return try capture([tollguard, "users", "token", "bench", "--days", "1", "--db", database])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The site-local (UTC) day with the most calls, `YYYY-MM-DD`.
    private func busiestDay(_ store: TollGuardDatabase) throws -> String {
        try store.writer.read { db in
            try String.fetchOne(
                db, sql: "SELECT substr(start_utc, 1, 10) FROM calls GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        } ?? "2025-11-22"
    }

    /// Throws when something already listens on `port` of loopback: a `serve` left by an earlier
    /// run that was killed would answer in place of this run's, with another store's figures.
    func refuseTaken(port: Int) throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected != 0 else {
            throw ValidationError(
                "something already answers on 127.0.0.1:\(port) (a serve left by an earlier run? "
                    + "`pkill -f 'tollguard serve'`), or choose another --port")
        }
    }

    private func startServe(tollguard: String, database: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tollguard)
        process.arguments = ["serve", "--db", database, "--http-port", String(port)]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    private func waitForHealth(_ client: HTTPClient) async throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let response = try? await client.get(url: "http://127.0.0.1:\(port)/healthz").get(),
                response.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("serve did not answer /healthz within 60 s")
    }

    /// Latencies of `requests` runs of `body` (after 5 warm-up runs), in milliseconds.
    func time(_ body: (Int) async throws -> Void) async throws -> Timings {
        for index in 0..<5 { try await body(index) }
        var samples: [Double] = []
        for index in 0..<requests {
            let started = ContinuousClock.now
            try await body(index)
            samples.append(Self.milliseconds(ContinuousClock.now - started))
        }
        return Timings(samples)
    }

    func time(_ body: () async throws -> Void) async throws -> Timings {
        try await time { _ in try await body() }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
    }

    /// `pages` pages on the live-update stream; each change's arrival on every one of them,
    /// timed from the change's answer (the store's once-a-second look is the floor: 0–1 s).
    private func fanOut(
        _ client: HTTPClient, base: String, cookie: String, token: String, alertIDs: [Int64]
    ) async throws {
        let arrivals = Arrivals()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<pages {
                group.addTask {
                    var request = HTTPClientRequest(url: base + "/console/events")
                    request.headers.add(name: "Cookie", value: cookie)
                    let response = try await client.execute(request, timeout: .seconds(600))
                    guard response.status == .ok else { throw ValidationError("events: \(response.status)") }
                    arrivals.opened()
                    var text = ""
                    for try await buffer in response.body {
                        text += String(buffer: buffer)
                        while let end = text.range(of: "\n\n") {
                            let event = String(text[..<end.lowerBound])
                            text.removeSubrange(..<end.upperBound)
                            arrivals.received(event)
                        }
                        if arrivals.isFinished { return }
                    }
                }
            }
            while arrivals.openCount < pages { try await Task.sleep(for: .milliseconds(20)) }
            // Assign and unassign the top alert in turn, each a change every open page must hear of.
            for change in 0..<changes {
                // A change a second apart, as the store stores times to the second.
                try await Task.sleep(for: .milliseconds(1_100))
                let id = alertIDs[0]
                let marker = arrivals.expect(id: id)
                var request = HTTPClientRequest(url: base + "/api/v1/alerts/\(id)/changes")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                request.headers.add(name: "Content-Type", value: "application/json")
                let action = change % 2 == 0 ? "assign_me" : "unassign"
                request.body = .bytes(ByteBuffer(string: "{\"action\": \"\(action)\"}"))
                let response = try await client.execute(request, timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 1 << 20)
                guard response.status == .ok else { throw ValidationError("change: \(response.status)") }
                arrivals.changed(marker)
                let deadline = ContinuousClock.now + .seconds(30)
                while !arrivals.allArrived(marker), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            arrivals.finish()
            group.cancelAll()
        }
        let results = arrivals.results()
        say("\nlive updates to \(pages) open pages (\(changes) alert changes; the store is looked at once a second)")
        say("change   pages reached   first ms   p50 ms   p95 ms   last ms")
        for (index, latencies) in results.enumerated() {
            let timings = Timings(latencies)
            say(
                String(
                    format: "%6d   %13d   %8.0f   %6.0f   %6.0f   %7.0f", index + 1, latencies.count,
                    latencies.min() ?? 0, timings.p50, timings.p95, latencies.max() ?? 0))
        }
    }
}

/// Percentiles of latencies in milliseconds.
struct Timings {
    var p50: Double
    var p95: Double

    init(_ samples: [Double]) {
        p50 = quantile(samples, 0.5)
        p95 = quantile(samples, 0.95)
    }
}

/// What the open pages have received, shared by their streams.
private final class Arrivals: Sendable {
    private struct State {
        var open = 0
        var finished = false
        /// Per change: the alert expected, when the change was answered, the arrival latencies.
        var changes: [(id: Int64, answered: ContinuousClock.Instant?, at: [ContinuousClock.Instant])] = []
    }

    private let state = Mutex(State())

    var openCount: Int { state.withLock { $0.open } }
    var isFinished: Bool { state.withLock { $0.finished } }

    func opened() { state.withLock { $0.open += 1 } }

    func expect(id: Int64) -> Int {
        state.withLock { state in
            state.changes.append((id, nil, []))
            return state.changes.count - 1
        }
    }

    func changed(_ marker: Int) {
        let now = ContinuousClock.now
        state.withLock { $0.changes[marker].answered = now }
    }

    /// An event of a stream: an alerts update naming the alert of the latest change counts for it.
    func received(_ event: String) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard let last = state.changes.indices.last, event.hasPrefix("event: alerts"),
                event.contains("\"id\":\(state.changes[last].id),")
            else { return }
            state.changes[last].at.append(now)
        }
    }

    func allArrived(_ marker: Int) -> Bool { state.withLock { $0.changes[marker].at.count >= $0.open } }

    func finish() { state.withLock { $0.finished = true } }

    /// Per change, each page's latency from the change's answer, in milliseconds (an event that
    /// came before the answer counts as 0).
    func results() -> [[Double]] {
        state.withLock { state in
            state.changes.map { change in
                guard let answered = change.answered else { return [] }
                return change.at.map { max(0, ConsoleBenchmark.milliseconds($0 - answered)) }
            }
        }
    }
}

extension HTTPClient {
    /// The body of a console page; throws unless it answers 200.
    func page(_ url: String, cookie: String) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Cookie", value: cookie)
        let response = try await execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok else { throw ValidationError("\(url): \(response.status)") }
        return body
    }
}

/// Prints `text` at once, unbuffered: each figure as it comes, also into a file.
private func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
