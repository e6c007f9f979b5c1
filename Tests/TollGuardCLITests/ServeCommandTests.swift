import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardLive
import TollGuardTestSupport

/// `tollguard serve` against the replay server: events stored as calls, /healthz and /metrics,
/// and SIGTERM in the middle of a replay loses no event it received.
@Suite struct ServeCommandTests {
    @Test func sigtermDuringLoadStoresEveryReceivedEvent() async throws {
        let server = try await FakeFreeSWITCH.start()
        let folder = try TemporaryDirectory()
        let config = try folder.write(
            "tollguard.toml", text: "[event_socket]\nenabled = true\nport = \(server.port)\n")
        let db = folder.path("serve.sqlite")
        let (process, httpPort) = try await Self.startServe(
            ["--config", config, "--db", db], environment: ["TOLLGUARD_ESL_PASSWORD": "ClueCon"], in: folder)
        defer { if process.isRunning { process.terminate() } }
        try await server.waitForSubscribers()

        // /healthz and /metrics on the port it printed.
        let health = try await Self.get("/healthz", port: httpPort)
        #expect(health.hasPrefix("HTTP/1.1 200") && health.hasSuffix("\r\n\r\nok\n"), "\(health)")
        // The channel list taken at the connect (an empty switch: nothing to resync).
        try await Self.waitForMetric("tollguard_event_socket_resyncs_total", atLeast: 1, port: httpPort)

        let calls = (0..<3000).map { index in
            let started = Date(timeIntervalSince1970: 1_795_000_000 + Double(index))
            let uuid = String(format: "5e4e0000-0000-4000-8000-%012d", index)
            return CallRecord(
                dedupKey: uuid, callID: uuid, account: String(1000 + index % 40),
                callerNumber: String(1000 + index % 40),
                destination: "2125550\(String(format: "%03d", index % 1000))", context: "default",
                startedAt: started, answeredAt: started.addingTimeInterval(2), endedAt: started.addingTimeInterval(30),
                duration: 30, billsec: 28, disposition: .answered, hangupCause: "NORMAL_CLEARING")
        }
        var writer = FreeSWITCHEventWriter()
        let events = writer.stream(calls, heartbeatSeconds: 600).map(\.event)
        let replay = Task { try await server.replay(events, eventsPerSecond: 2000) }
        // Stop it while the replay is still going, once /metrics shows a third of the events in.
        // Patient: on a loaded machine (the whole suite at once on two cores) a debug serve takes its time.
        let aThirdIn = try await poll(upTo: 180, every: .milliseconds(5)) {
            (Self.metric("tollguard_events_total", in: try await Self.get("/metrics", port: httpPort)) ?? 0) >= 3000
        }
        #expect(aThirdIn, "serve did not receive 3,000 events within 180 s")
        kill(process.processIdentifier, SIGTERM)
        replay.cancel()
        _ = try? await replay.value
        await process.waitForExit()
        await server.stop()
        #expect(process.terminationStatus == 0)

        let output = try String(contentsOfFile: folder.path("serve.out"), encoding: .utf8)
        let summary = try #require(output.split(separator: "\n").last { $0.contains("events,") })
        let received = try #require(Int(summary.split(separator: ";")[1].split(separator: " ")[0]))
        #expect(received >= 3000)
        let hangups = events.prefix(received).filter { $0.name == "CHANNEL_HANGUP_COMPLETE" }.count
        #expect(try TollGuardDatabase.open(path: db).callCount() == hangups, "\(summary)")
    }

    @Test func cdrPostsAreStoredOnceAndAnsweredAsTheModulesExpect() async throws {
        let folder = try TemporaryDirectory()
        let db = folder.path("posts.sqlite")
        let (process, httpPort) = try await Self.startServe(
            ["--db", db], environment: ["TOLLGUARD_CDR_CREDENTIALS": "freeswitch:s3cret"], in: folder)
        defer { if process.isRunning { process.terminate() } }
        let xml = Array(try Data(contentsOf: ServeFixtures.xmlCDR))
        let good = "Authorization: Basic " + Data("freeswitch:s3cret".utf8).base64EncodedString()
        let form = Array(("cdr=" + ESLValueDecoding.encode(String(decoding: xml, as: UTF8.self))).utf8)
        let formType = "Content-Type: application/x-www-form-urlencoded"

        let unauthorized = try await Self.request("POST", "/cdr", port: httpPort, body: xml)
        #expect(unauthorized.hasPrefix("HTTP/1.1 401"))
        let wrong = try await Self.request(
            "POST", "/cdr", port: httpPort,
            headers: ["Authorization: Basic " + Data("freeswitch:guess".utf8).base64EncodedString()],
            body: xml)
        #expect(wrong.hasPrefix("HTTP/1.1 401"))
        let junk = try await Self.request("POST", "/cdr", port: httpPort, headers: [good], body: Array("hello".utf8))
        #expect(junk.hasPrefix("HTTP/1.1 400"))
        let first = try await Self.request("POST", "/cdr", port: httpPort, headers: [good, formType], body: form)
        #expect(first.hasPrefix("HTTP/1.1 200"), "\(first)")
        // The module retries when it did not see the 200: the second post stores nothing new.
        let again = try await Self.request(
            "POST", "/cdr", port: httpPort, headers: [good, "Content-Type: text/xml"], body: xml)
        #expect(again.hasPrefix("HTTP/1.1 200"))

        // The day's report page, behind the same credentials.
        #expect(try await Self.get("/report?date=2009-05-21", port: httpPort).hasPrefix("HTTP/1.1 401"))
        let page = try await Self.request("GET", "/report?date=2009-05-21", port: httpPort, headers: [good])
        #expect(page.hasPrefix("HTTP/1.1 200"), "\(page.prefix(300))")
        #expect(page.lowercased().contains("content-type: text/html; charset=utf-8"))
        #expect(page.lowercased().contains("content-security-policy: default-src 'none'"))
        #expect(page.contains("TollGuard report <span>2009-05-21</span>"))
        #expect(page.contains("<b>1</b><span>calls</span>"), "the stored call is counted")
        #expect(
            try await Self.request("GET", "/report?date=21.05.2009", port: httpPort, headers: [good]).hasPrefix(
                "HTTP/1.1 400"))
        #expect(try await Self.request("GET", "/report", port: httpPort, headers: [good]).hasPrefix("HTTP/1.1 200"))
        kill(process.processIdentifier, SIGTERM)
        await process.waitForExit()
        #expect(process.terminationStatus == 0)
        let database = try TollGuardDatabase.open(path: db)
        #expect(try database.callCount() == 1)
    }

    /// Trying `serve` without a switch: `--replay FILE` plays a CDR file's calls through the
    /// built-in replay server; the start-up line names every endpoint and `GET /` links them.
    @Test func serveReplaysACDRFileAndListsWhatItOffers() async throws {
        let folder = try TemporaryDirectory()
        let cdr = folder.path("Master.csv")
        try ExampleCDRWriter.writeFile(path: cdr, rows: 300, seed: 4)
        let (process, port) = try await Self.startServe(
            ["--db", folder.path("r.sqlite"), "--replay", cdr, "--events-per-second", "5000"],
            environment: ["TZ": "UTC"], in: folder)
        defer { if process.isRunning { process.terminate() } }
        let out = try String(contentsOfFile: folder.path("serve.out"), encoding: .utf8)
        #expect(out.contains("answers GET /, GET /console, GET /report, GET /metrics, GET /healthz"), "\(out)")
        #expect(out.contains("replaying 300 calls of \(cdr)"), "\(out)")
        let index = try await Self.get("/", port: port)
        #expect(index.hasPrefix("HTTP/1.1 200"))
        for link in ["href=\"/report\"", "href=\"/metrics\"", "href=\"/healthz\""] {
            #expect(index.contains(link), "\(link)")
        }
        // Every call of the file goes through the event socket and is stored.
        try await Self.waitForMetric("tollguard_calls_ingested_total", atLeast: 300, port: port)
        kill(process.processIdentifier, SIGTERM)
        await process.waitForExit()
        #expect(process.terminationStatus == 0)
        let database = try TollGuardDatabase.open(path: folder.path("r.sqlite"))
        #expect(try database.callCount() == 300)
    }

    /// Without credentials the report page is served on loopback only.
    @Test func theReportPageWithoutCredentialsIsLoopbackOnly() async throws {
        for (host, status) in [("127.0.0.1", "200"), ("0.0.0.0", "403")] {
            let folder = try TemporaryDirectory()
            let (process, port) = try await Self.startServe(
                ["--db", folder.path("r.sqlite"), "--http-host", host], environment: [:], in: folder)
            defer { if process.isRunning { process.terminate() } }
            let page = try await Self.get("/report", port: port)
            #expect(page.hasPrefix("HTTP/1.1 \(status)"), "\(host): \(page.prefix(200))")
            kill(process.processIdentifier, SIGTERM)
            await process.waitForExit()
        }
    }

    /// `serve` following a Master.csv ([cdr_tail]) and a FreeSWITCH log ([sip_watch] follow):
    /// rows become calls, attacks bans; stopped and started again, it resumes where it was —
    /// rows written while it was down are read once, lines it had read are not read again.
    @Test func followsCDRFilesAndLogsAndResumesAfterARestart() async throws {
        let folder = try TemporaryDirectory()
        let csv = folder.path("Master.csv")
        try ExampleCDRWriter.writeFile(path: csv, rows: 20, seed: 5)
        let log = try folder.write(
            "freeswitch.log", text: "2026-11-21 03:00:00.000000 [INFO] switch_core.c:1 started\n")
        let banLog = folder.path("bans.log")
        let config = try folder.write(
            "tollguard.toml",
            text: """
                site.timezone = "UTC"
                [cdr_tail]
                files = ["\(csv)"]
                poll_seconds = 0.1
                [sip_watch]
                follow = ["\(log)"]
                poll_seconds = 0.1
                ban_log = "\(banLog)"

                """)
        let db = folder.path("follow.sqlite")
        var writer = ExampleCDRWriter(seed: 6, firstStart: 1_763_900_000)
        func appendRows(_ count: Int) throws {
            var bytes: [UInt8] = []
            writer.appendRows(count, to: &bytes)
            try appendToFile(bytes, path: csv)
        }
        func attack(from ip: String) throws {
            let lines = (0..<10).map { index in
                "2026-11-21 03:12:\(String(format: "%02d", index)).000000 [WARNING] sofia_reg.c:1729 SIP auth failure "
                    + "(REGISTER) on sofia profile 'internal' for [1001@pbx] from ip \(ip)\n"
            }
            try appendToFile(Array(lines.joined().utf8), path: log)
        }

        var (process, port) = try await Self.startServe(["--config", config, "--db", db], environment: [:], in: folder)
        defer { if process.isRunning { process.terminate() } }
        try await Self.waitForMetric("tollguard_cdr_tail_rows_total", atLeast: 20, port: port)
        try attack(from: "203.0.113.90")
        try await Self.waitForMetric("tollguard_sip_bans_total", atLeast: 1, port: port)
        try appendToFile(Array("\"cut\",\"short\"\n".utf8), path: csv)  // line 21: kept in rejected_rows
        try appendRows(5)
        try await Self.waitForMetric("tollguard_cdr_tail_rows_total", atLeast: 26, port: port)
        kill(process.processIdentifier, SIGTERM)
        await process.waitForExit()
        #expect(process.terminationStatus == 0)
        #expect(try TollGuardDatabase.open(path: db).callCount() == 25)
        func rejectedRows() throws -> [String] {
            try DatabaseQueue(path: db).read { db in
                try Row.fetchAll(db, sql: "SELECT path, line, reason_code FROM rejected_rows").map {
                    "\($0[0] as String):\($0[1] as Int) \($0[2] as String)"
                }
            }
        }
        #expect(try rejectedRows() == ["\(csv):21 column_count"])

        // Written while it was down.
        try appendRows(7)
        try attack(from: "198.51.100.23")
        (process, port) = try await Self.startServe(["--config", config, "--db", db], environment: [:], in: folder)
        try await Self.waitForMetric("tollguard_cdr_tail_rows_total", atLeast: 7, port: port)
        try await Self.waitForMetric("tollguard_sip_bans_total", atLeast: 1, port: port)
        // One more poll's time: nothing else may arrive (nothing read twice).
        try await Task.sleep(for: .milliseconds(400))
        let metrics = try await Self.get("/metrics", port: port)
        #expect(Self.metric("tollguard_cdr_tail_rows_total", in: metrics) == 7)
        #expect(Self.metric("tollguard_sip_bans_total", in: metrics) == 1)
        kill(process.processIdentifier, SIGTERM)
        await process.waitForExit()
        #expect(process.terminationStatus == 0)
        #expect(try TollGuardDatabase.open(path: db).callCount() == 32)
        #expect(try rejectedRows() == ["\(csv):21 column_count"])
        let bans = try String(contentsOfFile: banLog, encoding: .utf8).split(separator: "\n")
        #expect(bans.filter { $0.contains("ip=203.0.113.90 ") }.count == 1)
        #expect(bans.filter { $0.contains("ip=198.51.100.23 ") }.count == 1)
    }

    @Test func sighupReloadsTheConfigurationAndTheListsAndKeepsABrokenFileOut() async throws {
        let folder = try TemporaryDirectory()
        let csv = folder.path("Master.csv")
        var calls = 0
        // A FreeSWITCH example-template row: account 1001 dialling `destination` (NANP 011 prefix).
        func appendCall(to destination: String) throws {
            calls += 1
            let start = "2026-11-21 10:\(String(format: "%02d", calls)):00"
            let end = "2026-11-21 10:\(String(format: "%02d", calls)):40"
            let row =
                "\"Test\",\"1001\",\"\(destination)\",\"default\",\"\(start)\",\"\(start)\",\"\(end)\",\"40\",\"40\","
                + "\"NORMAL_CLEARING\",\"c0ffee00-0000-4000-8000-\(String(format: "%012d", calls))\",\"\",\"1001\",\"PCMU\",\"PCMU\"\n"
            try appendToFile(Array(row.utf8), path: csv)
        }
        #expect(FileManager.default.createFile(atPath: csv, contents: nil))
        for _ in 0..<3 { try appendCall(to: "2125550100") }
        let listed = "01137125550123"  // +371 25550123, about to be listed as a fraud number
        let listFile = try folder.write("known.txt", text: "+37125550123\n")
        let tables = """
            [cdr_tail]
            files = ["\(csv)"]
            poll_seconds = 0.1

            """
        let config = try folder.write("tollguard.toml", text: "site.timezone = \"UTC\"\n" + tables)
        let db = folder.path("reload.sqlite")
        let (process, port) = try await Self.startServe(["--config", config, "--db", db], environment: [:], in: folder)
        defer { if process.isRunning { process.terminate() } }
        let fraudAlerts = "tollguard_alerts_total{rule=\"fraud_list_destination\"}"
        func waitForRows(_ count: Int) async throws {
            try await Self.waitForMetric("tollguard_cdr_tail_rows_total", atLeast: count, port: port)
            try await Task.sleep(for: .milliseconds(300))  // past the next flush
        }
        func hangUp(expectingReloads count: Int) async throws {
            kill(process.processIdentifier, SIGHUP)
            try await Self.waitForMetric("tollguard_config_reloads_total", atLeast: count, port: port)
        }
        try await waitForRows(3)

        // Not listed yet: nothing.
        try appendCall(to: listed)
        try await waitForRows(4)
        #expect(Self.metric(fraudAlerts, in: try await Self.get("/metrics", port: port)) == nil)

        // `lists import` writes the store; SIGHUP has the running engine take the list.
        #expect(
            try await CLITests.run(["lists", "import", "--config", config, "--db", db, "known", listFile]).status == 0)
        try await hangUp(expectingReloads: 1)
        try appendCall(to: listed)
        try await Self.waitForMetric(fraudAlerts, atLeast: 1, port: port)
        let afterList = Self.metric(fraudAlerts, in: try await Self.get("/metrics", port: port))

        // A configuration change: the rule disabled in the file, SIGHUP, the same number again: no finding.
        try "site.timezone = \"UTC\"\nanalysis.disabled_rules = [\"fraud_list_destination\"]\n\(tables)"
            .write(toFile: config, atomically: true, encoding: .utf8)
        try await hangUp(expectingReloads: 2)
        try appendCall(to: listed)
        try await waitForRows(6)
        #expect(Self.metric(fraudAlerts, in: try await Self.get("/metrics", port: port)) == afterList)

        // A broken file is reported and not applied: serve goes on with the last good configuration.
        try "site.timezone = \"UTC\"\nanalysis.disabled_rules = 7\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        try appendCall(to: listed)
        try await waitForRows(7)
        let metrics = try await Self.get("/metrics", port: port)
        #expect(Self.metric("tollguard_config_reloads_total", in: metrics) == 2)
        #expect(Self.metric(fraudAlerts, in: metrics) == afterList)
        #expect(process.isRunning)
        kill(process.processIdentifier, SIGTERM)
        await process.waitForExit()
        #expect(process.terminationStatus == 0)
        #expect(try TollGuardDatabase.open(path: db).callCount() == 7)
    }

    /// A SIGHUP while serve is still starting (here: waiting for the database, which another
    /// connection holds locked) is not the end of it.
    @Test func aHangupWhileStartingIsIgnored() async throws {
        let folder = try TemporaryDirectory()
        let db = folder.path("locked.sqlite")
        _ = try TollGuardDatabase.open(path: db)
        var lockHolding = Configuration()
        lockHolding.allowsUnsafeTransactions = true  // the lock outlives one access, on purpose
        let holder = try DatabaseQueue(path: db, configuration: lockHolding)
        let process = try Self.launchServe(["--db", db], environment: [:], in: folder, start: false)
        defer { if process.isRunning { process.terminate() } }
        // On a thread of its own, so the lock is held no longer than this takes (serve waits 5 s
        // for it): lock, start serve, wait until serve ignores SIGHUP (its first line; the
        // reload service cannot trap it before the lock is gone), send one, unlock.
        let (ignoring, printedEarly) = try await onOwnThread { () throws -> (Bool, Bool) in
            try holder.writeWithoutTransaction { try $0.execute(sql: "BEGIN EXCLUSIVE") }
            defer { try? holder.writeWithoutTransaction { try $0.execute(sql: "COMMIT") } }
            try process.run()
            let deadline = Date().addingTimeInterval(30)
            var ignoring = false
            while !ignoring, process.isRunning, Date() < deadline {
                ignoring = Self.ignoresHangup(process.processIdentifier)
                if !ignoring { usleep(1000) }
            }
            guard ignoring else { return (false, false) }
            kill(process.processIdentifier, SIGHUP)
            usleep(100_000)
            let log = (try? String(contentsOfFile: folder.path("serve.out"), encoding: .utf8)) ?? ""
            return (true, log.contains("http://"))
        }
        try #require(
            ignoring,
            "serve never ignored SIGHUP before its reload service (status \(process.isRunning ? "running" : "\(process.terminationStatus)"))"
        )
        #expect(!printedEarly, "serve should have been waiting for the lock")
        let port = try await Self.httpPort(of: process, in: folder)
        #expect(process.isRunning)
        #expect(try await Self.get("/healthz", port: port).hasPrefix("HTTP/1.1 200"))
        kill(process.processIdentifier, SIGTERM)
        await process.waitForExit()
        #expect(process.terminationStatus == 0)
    }

    /// Whether process `pid` ignores SIGHUP (`SigIgn` in /proc/PID/status, bit 0).
    static func ignoresHangup(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigIgn:") }),
            let mask = UInt64(line.dropFirst("SigIgn:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & 1 != 0
    }

    /// The value of an unlabelled metric in a /metrics text.
    static func metric(_ name: String, in text: String) -> Int? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
    }

    /// Polls /metrics until `name` reaches `value` (60 s at most).
    static func waitForMetric(_ name: String, atLeast value: Int, port: Int) async throws {
        let reached = try await poll(upTo: 60) {
            (metric(name, in: try await get("/metrics", port: port)) ?? 0) >= value
        }
        guard reached else {
            Issue.record("\(name) did not reach \(value) within 60 s")
            throw POSIXError(.ETIMEDOUT)
        }
    }

    /// Starts `tollguard serve ARGUMENTS --http-port 0` with its output in `serve.out` of
    /// `folder`, and waits for the HTTP port it prints.
    static func startServe(_ arguments: [String], environment: [String: String], in folder: TemporaryDirectory)
        async throws -> (Process, Int)
    {
        let process = try launchServe(arguments, environment: environment, in: folder)
        return (process, try await httpPort(of: process, in: folder))
    }

    /// Starts `tollguard serve ARGUMENTS --http-port 0` with its output in `serve.out` of `folder`
    /// (`start` false: only prepares it).
    static func launchServe(
        _ arguments: [String], environment: [String: String], in folder: TemporaryDirectory, start: Bool = true
    ) throws -> Process {
        let log = folder.path("serve.out")
        guard FileManager.default.createFile(atPath: log, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log])
        }
        let process = Process()
        process.executableURL = CLITests.buildDirectory.appendingPathComponent("tollguard")
        process.arguments = ["serve"] + arguments + ["--http-port", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = FileHandle.nullDevice
        if start { try process.run() }
        return process
    }

    /// Waits for the HTTP port serve prints in `serve.out` (120 s at most: a debug serve starting
    /// while the rest of the suite keeps both cores busy was seen to take over 30 s).
    static func httpPort(of process: Process, in folder: TemporaryDirectory) async throws -> Int {
        let log = folder.path("serve.out")
        var port: Int?
        _ = try await poll(upTo: 120) {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let match = text.range(of: #"http://[0-9.]+:(\d+)"#, options: .regularExpression)
            port = match.flatMap { Int(text[$0].split(separator: ":").last ?? "") }
            return port != nil || !process.isRunning
        }
        guard let port else {
            if process.isRunning {
                process.terminate()
                Issue.record("serve printed no HTTP port within 120 s")
            } else {
                Issue.record("serve ended (status \(process.terminationStatus)) before printing its HTTP port")
            }
            throw POSIXError(.ETIMEDOUT)
        }
        return port
    }

    /// A plain HTTP GET over loopback, the whole response as text.
    static func get(_ path: String, port: Int) async throws -> String {
        try await request("GET", path, port: port)
    }

    /// One HTTP/1.1 request with `Connection: close`, the whole response as text (on a thread of
    /// its own, so that waiting for serve holds no thread of the cooperative pool).
    static func request(_ method: String, _ path: String, port: Int, headers: [String] = [], body: [UInt8] = [])
        async throws -> String
    {
        try await onOwnThread { try requestBlocking(method, path, port: port, headers: headers, body: body) }
    }

    private static func requestBlocking(_ method: String, _ path: String, port: Int, headers: [String], body: [UInt8])
        throws -> String
    {
        let handle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard handle >= 0 else { throw POSIXError(.EIO) }
        defer { close(handle) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(handle, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(handle, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let head =
            ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1", "Connection: close", "Content-Length: \(body.count)"]
            + headers
        let request = Array((head.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(handle, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw POSIXError(.EPIPE) }
            sent += count
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(handle, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }
}

/// Fixtures of the core tests this suite reuses.
enum ServeFixtures {
    static var xmlCDR: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TollGuardCoreTests/Fixtures/esl/xml-cdr-1.xml")
    }
}
