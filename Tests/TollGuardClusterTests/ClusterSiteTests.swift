import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PostgresNIO
import ServiceLifecycleTestKit
import Synchronization
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardDemo
import TollGuardHTTP
import TollGuardLive
import TollGuardServer
import TollGuardTestSupport

extension PostgresServerTests {
    /// A site of two switches, each watched by an edge of its own, and an analyzer node: an
    /// account that calls through both is one subject.
    @Suite struct ClusterSiteTests {
        /// A `serve` built from `toml` (after `[site]` and `[database]`) as `tollguard serve` builds it.
        static func serve(
            _ node: String, database: String, folder: TemporaryDirectory, httpPort: BoundPort? = nil, toml: String,
            prepare: (TollGuardDatabase) throws -> Void = { _ in }
        ) throws -> Serve {
            let store = folder.path("\(node).sqlite")
            let file = try folder.write(
                "\(node).toml",
                text: """
                    [site]
                    timezone = "UTC"
                    [database]
                    path = "\(store)"
                    url = "\(try TestPostgres.urlText(database: database))"
                    [cdr_post]
                    enabled = false

                    """ + toml)
            let configuration = try ConfigurationLoader.load(explicitPath: file, environment: [:]).configuration
            let local = try TollGuardDatabase.open(path: store)
            try prepare(local)
            var settings = ServeSettings(reloadConfiguration: { configuration })
            settings.http.port = 0
            if let httpPort { settings.onHTTPRunning = { port in httpPort.port.withLock { $0 = port } } }
            settings.gracefulShutdownSignals = []
            return try buildServeServices(
                configuration: configuration, database: local, timeZone: .gmt, settings: settings,
                logger: TestPostgres.logger)
        }

        /// Two hour-long calls of account 1001 to Somalia that ended a moment ago: one through
        /// each switch. (Recent, so the switches' clocks, which the edges' promises follow, are
        /// past their ends.)
        static func calls(endingAt end: Date) -> [CallRecord] {
            (0..<2).map { index in
                let started = end.addingTimeInterval(-3600 + Double(index) * 60)
                let uuid = "e\(index)000000-0000-4000-8000-000000000000"
                return CallRecord(
                    dedupKey: uuid, callID: uuid, account: "1001", callerNumber: "1001",
                    destination: "01125261000000\(index)", context: "default", sourceIP: "203.0.113.9",
                    startedAt: started, answeredAt: started.addingTimeInterval(2), endedAt: end,
                    duration: Int(end.timeIntervalSince(started)), billsec: Int(end.timeIntervalSince(started)) - 2,
                    disposition: .answered, hangupCause: "NORMAL_CLEARING")
            }
        }

        /// A call of 1001 to Somalia that starts now (its number `index`).
        static func newCall(_ index: Int) -> CallRecord {
            let uuid = UUID().uuidString.lowercased()
            let now = Date()
            return CallRecord(
                dedupKey: uuid, callID: uuid, account: "1001", callerNumber: "1001",
                destination: "01125261000099\(index)", context: "default", sourceIP: "203.0.113.9", startedAt: now,
                answeredAt: nil, endedAt: now.addingTimeInterval(600), duration: 600, billsec: 0,
                disposition: .noAnswer, hangupCause: "NORMAL_CLEARING")
        }

        /// The events a program hook saved in `folder`, one file each.
        static func events(in folder: TemporaryDirectory) throws -> [HookEvent] {
            try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.hasPrefix("event.") }
                .compactMap { name in
                    let data = try Data(contentsOf: folder.url.appendingPathComponent(name))
                    // A file the hook is still writing is read again next time.
                    return try? HookEvent.decode(data)
                }
        }

        /// The alerts of the cluster store on `database`.
        static func alerts(database: String) async throws -> [ClusterAlert] {
            try await TestPostgres.withStore(database: database) { store in try await store.alerts() }
        }

        /// Account 1001 calls Somalia through a FreeSWITCH and through an Asterisk.
        ///
        /// Each switch is watched by its own edge; neither call alone reaches its daily quota, both together do. The analyzer
        /// node raises one quota alert whose calls are both switches', and its spend is the sum.
        @Test func anAccountSpreadOverTwoSwitchesIsOneSubject() async throws {
            let name = try await TestPostgres.createDatabase()
            let folder = try TemporaryDirectory("tollguard-cluster-site")
            let freeswitch = try await FakeFreeSWITCH.start()
            let asterisk = try await FakeAsterisk.start()
            defer {
                Task {
                    await freeswitch.stop()
                    await asterisk.stop()
                }
            }
            let eslPassword = try folder.write("esl.secret", text: "ClueCon")
            let amiSecret = try folder.write("ami.secret", text: "s3cret")
            let westPort = BoundPort()
            let west = try Self.serve(
                "edge-west", database: name, folder: folder, httpPort: westPort,
                toml: """
                    [cluster]
                    node = "edge-west"
                    role = "edge"
                    ship_interval_ms = 100
                    [suspension]
                    mode = "off"
                    [[event_socket]]
                    name = "fs-west"
                    enabled = true
                    port = \(freeswitch.port)
                    password_file = "\(eslPassword)"
                    """)
            let east = try Self.serve(
                "edge-east", database: name, folder: folder,
                toml: """
                    [cluster]
                    node = "edge-east"
                    role = "edge"
                    ship_interval_ms = 100
                    [suspension]
                    mode = "off"
                    [[ami]]
                    name = "ast-east"
                    port = \(asterisk.port)
                    secret_file = "\(amiSecret)"
                    silence_timeout_seconds = 300
                    """)
            // The NOC's hook: each event it is sent, saved in a file of its own.
            let told = try TemporaryDirectory("tollguard-cluster-hook")
            let hook = try told.writeExecutable(
                "hook.sh",
                text: """
                    #!/bin/sh
                    cat > "$(mktemp \(told.url.path)/event.XXXXXX)"

                    """)
            // The quota as the analyzer node's store holds it: 100 USD a day; each call costs about 60.
            let analyzer = try Self.serve(
                "analyzer-1", database: name, folder: folder,
                toml: """
                    [cluster]
                    node = "analyzer-1"
                    role = "analyzer"
                    [[hooks]]
                    name = "noc"
                    type = "program"
                    path = "\(hook)"
                    events = ["alert", "suspend", "unsuspend"]
                    min_severity = "high"
                    """
            ) { local in
                try local.setQuota(account: "1001", dailyMicros: 100_000_000, currency: "USD", setBy: "test")
            }
            #expect(west.analyzer == nil && east.analyzer == nil && analyzer.shipping == nil)
            let calls = Self.calls(endingAt: Date().addingTimeInterval(-60))
            var fsWriter = FreeSWITCHEventWriter()
            let fsEvents = fsWriter.stream([calls[0]]).map(\.event)
            var astWriter = AsteriskEventWriter()
            let astEvents = astWriter.stream([calls[1]])

            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for serve in [west, east, analyzer] { group.addTask { try await serve.run() } }
                    try await freeswitch.waitForSubscribers()
                    try await asterisk.waitForLogins()
                    try await freeswitch.replay(fsEvents)
                    try await asterisk.replay(astEvents)
                    // The switches' clocks go on (a HEARTBEAT, any Manager event carries its time):
                    // the edges' promises pass the calls' ends.
                    let status = try #require(analyzer.analyzer)
                    let quotaAlert = try await poll(upTo: 120) {
                        await freeswitch.publish(fsWriter.heartbeat(at: Date(), sessions: 0))
                        await asterisk.emit(AMIMessage([("Event", "FullyBooted"), ("Status", "Fully Booted")]))
                        return try await Self.alerts(database: name).contains { $0.draft.rule == .dailyQuota }
                    }
                    #expect(quotaAlert, "\(status.snapshot)")
                    try await Self.seeTheClustersAlertInAnEdgesConsole(
                        config: folder.path("analyzer-1.toml"), port: westPort.port.withLock { $0 }, database: name)
                    // Each call is analyzed once: from its edge's word while up (then ended by its
                    // record), or from its record. (A call shipped before the other edge's first
                    // promise is played late: the analysis cannot wait for an edge it has not heard of.)
                    let analyzedOnce = try await poll(upTo: 10) {
                        let analyzed = status.snapshot
                        return analyzed.played + analyzed.late + analyzed.begun == 2
                            && analyzed.ended == analyzed.begun && analyzed.live == 0
                    }
                    #expect(analyzedOnce, "\(status.snapshot)")
                    // The leader delivers the alert's event to the NOC's hook.
                    let delivered = try await poll(upTo: 60) {
                        try Self.events(in: told).contains { $0.alerts.first?.rule == AnalysisRule.dailyQuota.rawValue }
                    }
                    #expect(delivered)
                    // The analyzer's policy suspends 1001 (its quota breached): each edge enforces it on
                    // its own switch, and a new call of 1001 is hung up on the FreeSWITCH and on the
                    // Asterisk. (The edges' own policy is off: only the cluster's suspension can do it.)
                    let suspended = try await poll(upTo: 60) {
                        try await TestPostgres.withStore(database: name) { store in
                            try await store.suspensionsInForce().contains { $0.account == "1001" }
                        }
                    }
                    #expect(suspended)
                    var started: [CallRecord] = []
                    let hungUp = try await poll(upTo: 60, every: .milliseconds(500)) {
                        let call = Self.newCall(started.count)
                        started.append(call)
                        for timed in fsWriter.events(for: call) where timed.time == call.startedAt {
                            await freeswitch.publish(timed.event)
                        }
                        for timed in astWriter.events(for: call) where timed.time == call.startedAt {
                            await asterisk.emit(timed.event)
                        }
                        let uuids = Set(started.map(\.dedupKey))
                        return freeswitch.kills.contains { uuids.contains(String($0.prefix { $0 != " " })) }
                            && asterisk.hangups.contains { $0.channel.hasPrefix("PJSIP/1001-") }
                    }
                    #expect(hungUp, "FreeSWITCH: \(freeswitch.kills); Asterisk: \(asterisk.hangups.map(\.channel))")
                    // Lifted by a person: `tollguard unsuspend` on the analyzer node lifts the cluster's
                    // suspension, both edges lift their copies, and the hook hears of it once.
                    let unsuspend = try await EdgeServeTests.tollguard([
                        "unsuspend", "1001", "--comment", "customer called", "--by", "noc",
                        "--config", folder.path("analyzer-1.toml"),
                    ])
                    #expect(unsuspend.status == 0, "\(unsuspend.stderr)")
                    #expect(unsuspend.stdout.contains("lifted the cluster's suspension of 1001"), "\(unsuspend.stdout)")
                    let edgeStores = try ["edge-west", "edge-east"].map {
                        try TollGuardDatabase.open(path: folder.path("\($0).sqlite"))
                    }
                    // (Delivered: the hook ran, and the leader recorded it so.)
                    let liftedEverywhere = try await poll(upTo: 60, every: .milliseconds(100)) {
                        let pending = try await TestPostgres.withStore(database: name) { store in
                            try await ClusterOutbox(store: store).counts()[.pending] ?? 0
                        }
                        return try edgeStores.allSatisfy { try $0.activeSuspension(account: "1001") == nil }
                            && (try Self.events(in: told)).contains { $0.type == .unsuspend } && pending == 0
                    }
                    #expect(liftedEverywhere)
                    // Suspended by a person on the analyzer node: in the cluster, so every edge holds it.
                    let analyzerConfig = folder.path("analyzer-1.toml")
                    let byHand = try await EdgeServeTests.tollguard([
                        "suspend", "1001", "--reason", "fraud desk", "--by", "noc", "--config", analyzerConfig,
                    ])
                    #expect(byHand.stdout.contains("suspended 1001 in the cluster"), "\(byHand.stdout)\(byHand.stderr)")
                    let heldEverywhere = try await poll(upTo: 60, every: .milliseconds(100)) {
                        try edgeStores.allSatisfy { try $0.activeSuspension(account: "1001")?.actor == "cluster" }
                            && (try Self.events(in: told)).contains { $0.type == .suspend && $0.actor == "noc" }
                    }
                    #expect(heldEverywhere)
                    let again = try await EdgeServeTests.tollguard([
                        "suspend", "1001", "--reason", "twice", "--config", analyzerConfig,
                    ])
                    #expect(again.stdout.contains("1001 is already suspended in the cluster"), "\(again.stdout)")
                    // A list imported, a quota set and a rate deck imported on the analyzer node are
                    // the cluster's: each edge's store takes them, and the leader makes its engine
                    // anew with the list.
                    let remade = status.snapshot.enginesRemade
                    let listFile = try folder.write("irsf.txt", text: "+25261\n203.0.113.0/24\n")
                    let imported = try await EdgeServeTests.tollguard([
                        "lists", "import", "irsf", listFile, "--config", analyzerConfig,
                    ])
                    #expect(imported.stdout.contains("the cluster's list"), "\(imported.stdout)\(imported.stderr)")
                    let quotaSet = try await EdgeServeTests.tollguard([
                        "quota", "set", "2002", "7", "--by", "noc", "--config", analyzerConfig,
                    ])
                    #expect(quotaSet.status == 0, "\(quotaSet.stdout)\(quotaSet.stderr)")
                    let rates = try await EdgeServeTests.tollguard([
                        "rates", "import", "--example", "--config", analyzerConfig,
                    ])
                    #expect(rates.stdout.contains("as the cluster's deck"), "\(rates.stdout)\(rates.stderr)")
                    let deck = try #require(
                        try await TestPostgres.withStore(database: name) { try await $0.rateDeckVersion() })
                    let everywhere = try await poll(upTo: 60, every: .milliseconds(100)) {
                        try edgeStores.allSatisfy {
                            try $0.fraudLists().map(\.name) == ["irsf"] && $0.quotaTable()["2002"] == 7_000_000
                                && $0.rateDeckVersion() == deck
                        } && status.snapshot.enginesRemade > remade
                    }
                    #expect(everywhere, "\(status.snapshot)")
                    let held = try await EdgeServeTests.tollguard(["suspensions", "--config", analyzerConfig])
                    #expect(
                        held.stdout.contains("the cluster's suspensions") && held.stdout.contains("fraud desk"),
                        "\(held.stdout)\(held.stderr)")
                    // The analyzer node's own store holds none: it watches no switch of its own.
                    let own = try await EdgeServeTests.tollguard(["suspensions", "--local", "--config", analyzerConfig])
                    #expect(own.stdout.contains("no account is suspended"), "\(own.stdout)\(own.stderr)")
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            try await TestPostgres.withStore(database: name) { store async throws -> Void in
                let stored = try await TestPostgres.number("SELECT sum(cost_micros)::bigint FROM calls", store)
                // The two calls, and the calls hung up after the suspension (unanswered: no cost).
                #expect(
                    try await TestPostgres.number(
                        "SELECT count(*) FROM calls WHERE billsec > 0", store) == 2)
                #expect(stored > 100_000_000 && stored < 200_000_000, "each call is under the quota, both over it")
                let alerts = try await store.alerts().filter { $0.draft.subject.value == "1001" }
                // One alert per rule, whichever switch carried the calls.
                #expect(Set(alerts.map(\.draft.rule)).count == alerts.count, "\(alerts.map(\.draft.rule))")
                let quota = try #require(
                    alerts.first { $0.draft.rule == .dailyQuota },
                    "\(alerts.map { "\($0.draft.rule) \($0.draft.headline)" })")
                #expect(quota.draft.callCount == 2)
                #expect(quota.draft.costMicros == stored)
                #expect(Set(quota.draft.calls.compactMap(\.switchName)) == ["fs-west", "ast-east"])
                #expect(
                    try await TestPostgres.number(
                        "SELECT cost_micros FROM cluster_spend WHERE account = '1001'", store) == stored)
                #expect(
                    try await TestPostgres.number(
                        "SELECT count(DISTINCT switch_name) FROM calls WHERE account = '1001'", store) == 2)
                // The quota alert's events, one per severity it reached, about the account, with both
                // switches' calls in their figures.
                let all = try Self.events(in: told)
                // In the order the alert escalated: by severity (an event's time is its step's,
                // in whole seconds, and two steps of one second tie).
                let events = all.filter {
                    $0.type == .alert && $0.alerts.first?.rule == AnalysisRule.dailyQuota.rawValue
                }
                .sorted { ($0.severity?.rawValue ?? -1) < ($1.severity?.rawValue ?? -1) }
                #expect(!events.isEmpty && Set(events.compactMap(\.severity)).count == events.count)
                if let event = events.last {
                    #expect(event.type == .alert && event.account == "1001" && event.alerts.first?.id == quota.id)
                    #expect(event.severity == quota.draft.severity)
                    #expect(event.figures?.costMicros == stored)
                    #expect(Set(event.figures?.switches ?? []) == ["fs-west", "ast-east"])
                }
                #expect(try await ClusterOutbox(store: store).counts() == [.delivered: all.count])
                let lifted = all.filter { $0.type == .unsuspend }
                #expect(lifted.count == 1)
                #expect(lifted.first?.actor == "noc" && lifted.first?.reason == "customer called")
                #expect(lifted.first?.alerts.contains { $0.id == quota.id } == true)
                // The person's suspension, told once, with the account's open alerts behind it.
                let byHand = try await store.suspensionsInForce()
                #expect(byHand.map(\.actor) == ["noc"] && byHand.first?.reason == "fraud desk")
                #expect(byHand.first?.alertIDs.contains(quota.id ?? 0) == true)
                #expect(all.filter { $0.type == .suspend && $0.actor == "noc" }.count == 1)
            }
            try await Self.reviewTheClustersAlerts(config: folder.path("analyzer-1.toml"), database: name)
            await TestPostgres.dropDatabase(name)
        }

        /// A user added on the analyzer node with `tollguard users add` is the cluster's: they log in
        /// to an edge's console, whose queue lists the quota alert the analyzer raised over both
        /// switches (the edge's own store holds neither the user nor the alert).
        static func seeTheClustersAlertInAnEdgesConsole(config: String, port: Int, database name: String)
            async throws
        {
            let added = try await EdgeServeTests.tollguard(
                ["users", "add", "ada", "--role", "admin", "--config", config], input: "correct horse battery\n")
            #expect(added.stdout.contains("user ada added to the cluster"), "\(added.stdout)\(added.stderr)")
            let id = try #require(
                try await Self.alerts(database: name).first { $0.draft.rule == .dailyQuota }?.id)
            let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
            defer { _ = client.shutdown() }
            var login = HTTPClientRequest(url: "http://127.0.0.1:\(port)/console/login")
            login.method = .POST
            login.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            login.body = .bytes(ByteBuffer(string: "name=ada&password=correct+horse+battery"))
            let answer = try await client.execute(login, timeout: .seconds(10))
            #expect(answer.status == .seeOther)
            let cookie = try #require(answer.headers["Set-Cookie"].first?.split(separator: ";").first)
            var queue = HTTPClientRequest(url: "http://127.0.0.1:\(port)/console")
            queue.headers.add(name: "Cookie", value: String(cookie))
            let page = try await client.execute(queue, timeout: .seconds(10))
            #expect(page.status == .ok)
            let text = String(buffer: try await page.body.collect(upTo: 4 << 20))
            #expect(text.contains("/console/alerts/\(id)\""), "the cluster's quota alert is listed")
            #expect(text.contains("the cluster&#39;s alerts from every switch"))
            let edgeStore = try TollGuardDatabase.open(
                path: URL(fileURLWithPath: config).deletingLastPathComponent()
                    .appendingPathComponent("edge-west.sqlite").path)
            #expect(try edgeStore.users().isEmpty)
        }

        /// `tollguard alerts` on a node of the cluster: the cluster's alerts, the cross-switch quota
        /// alert with each switch's calls; the node's own with `--local`; no change by a cluster's id.
        static func reviewTheClustersAlerts(config: String, database name: String) async throws {
            let quota = try #require(
                try await TestPostgres.withStore(database: name) { store in
                    try await store.alerts().first { $0.draft.rule == .dailyQuota && $0.draft.subject.value == "1001" }
                })
            let id = try #require(quota.id)
            let listed = try await EdgeServeTests.tollguard(["alerts", "list", "--json", "--config", config])
            #expect(listed.status == 0, "\(listed.stderr)")
            let alerts = try #require(
                try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]], "\(listed.stdout)"
            )
            let listedQuota = try #require(
                alerts.first { ($0["id"] as? Int).map(Int64.init) == id }, "\(listed.stdout)")
            #expect(listedQuota["rule"] as? String == "daily_quota" && listedQuota["subject"] as? String == "1001")
            let calls = listedQuota["calls"] as? [[String: Any]] ?? []
            #expect(Set(calls.compactMap { $0["switch"] as? String }) == ["fs-west", "ast-east"], "\(calls)")
            let shown = try await EdgeServeTests.tollguard(["alerts", "show", String(id), "--config", config])
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(shown.stdout.contains("the cluster's alert"), "\(shown.stdout)")
            #expect(shown.stdout.contains("alert \(id): \(quota.draft.severity.name) daily_quota"), "\(shown.stdout)")
            #expect(
                shown.stdout.contains("by switch (of the stored evidence): ")
                    && shown.stdout.contains("fs-west 1 call") && shown.stdout.contains("ast-east 1 call"),
                "\(shown.stdout)")
            // The analyzer node's own store has none: it watches no switch of its own.
            let local = try await EdgeServeTests.tollguard(["alerts", "list", "--local", "--config", config])
            #expect(local.status == 0 && local.stdout.contains("no alerts"), "\(local.stdout)\(local.stderr)")
            // An id of the cluster's list is the cluster's alert: acknowledged there, by whom, journaled.
            let acknowledged = try await EdgeServeTests.tollguard([
                "alerts", "ack", String(id), "--by", "noc", "--comment", "calling the customer", "--config", config,
            ])
            #expect(
                acknowledged.status == 0
                    && acknowledged.stdout.contains("the cluster's alert \(id) is now acknowledged"),
                "\(acknowledged.stdout)\(acknowledged.stderr)")
            let summarizer = AlertSummarizer(timeZone: .gmt, currency: "USD", countryNames: [:])
            let (decided, journal) = try await TestPostgres.withStore(database: name) { store in
                (
                    try await store.reviewedAlert(id: id, summarizer: summarizer)?.alert,
                    try await store.journal(subjectType: "alert", subject: String(id))
                )
            }
            #expect(decided?.state == .acknowledged && decided?.stateBy == "noc")
            #expect(journal.map(\.action) == ["alert.acknowledged"] && journal.first?.note == "calling the customer")
            // A false positive keeps the cluster's analyzer quiet for the rule and the account.
            let quiet = try await EdgeServeTests.tollguard([
                "alerts", "false-positive", String(id), "--reason", "test_calls", "--config", config,
            ])
            #expect(
                quiet.status == 0
                    && quiet.stdout.contains(
                        "the cluster's alert \(id) is now false_positive (test calls); daily_quota stays quiet for "
                            + "account 1001"),
                "\(quiet.stdout)\(quiet.stderr)")
            let later = Finding(
                rule: .dailyQuota, severity: .high, subject: quota.draft.subject, time: quota.draft.lastSeen,
                headline: "", calls: [])
            #expect(
                try await TestPostgres.withStore(database: name) { store in
                    try await store.quietTimes(for: [later]).covers(later)
                })
            // The quota's spend is the cluster's, both switches' calls; the node's own store has none.
            // (Of the calls' day: a run just after midnight is a day later.)
            let spent = Money.format(quota.draft.costMicros, decimals: 2)
            let callsDay = LocalTimeFormatter(timeZone: .gmt).day(quota.draft.firstSeen)
            let quotas = try await EdgeServeTests.tollguard(["quota", "list", "--date", callsDay, "--config", config])
            let line = quotas.stdout.split(separator: "\n").first { $0.hasPrefix("1001 ") }.map(String.init) ?? ""
            #expect(
                quotas.stdout.contains("the cluster's quotas and spend") && line.contains(" \(spent) "),
                "\(quotas.stdout)")
            let own = try await EdgeServeTests.tollguard([
                "quota", "list", "--local", "--date", callsDay, "--config", config,
            ])
            let ownLine = own.stdout.split(separator: "\n").first { $0.hasPrefix("1001 ") }.map(String.init) ?? ""
            #expect(ownLine.contains(" 0.00 "), "\(own.stdout)")
            // The report of the quota's day is the cluster's: both switches' calls, the account's spend their sum.
            let reports = try TemporaryDirectory("tollguard-cluster-report")
            let day = LocalTimeFormatter(timeZone: .gmt).day(quota.draft.firstSeen)
            let report = try await EdgeServeTests.tollguard([
                "report", "--date", day, "--directory", reports.url.path, "--config", config,
            ])
            #expect(report.status == 0 && report.stderr.contains("the cluster's calls"), "\(report.stderr)")
            let json = try JSONDecoder().decode(
                PeriodReport.self, from: Data(contentsOf: URL(fileURLWithPath: reports.path("\(day).json"))))
            #expect(Set(json.switches?.map(\.name) ?? []) == ["fs-west", "ast-east"], "\(json.switches ?? [])")
            #expect(json.accounts.first { $0.account == "1001" }?.spendMicros == quota.draft.costMicros)
            #expect(json.alerts.contains { $0.id == id && $0.rule == "daily_quota" })
            try await changeTheClustersQuotas(config: config, database: name)
        }

        /// `tollguard quota` on a node of the cluster sets, raises and removes the cluster's quotas
        /// (the analyzer node's own quota was copied in when it started, 2002's set while the site
        /// ran); `quota list` shows them.
        static func changeTheClustersQuotas(config: String, database name: String) async throws {
            let set = try await EdgeServeTests.tollguard([
                "quota", "set", "1002", "12.50", "--by", "noc", "--reason", "new line", "--config", config,
            ])
            #expect(
                set.status == 0 && set.stdout.contains("the cluster's quota")
                    && set.stderr.contains("the cluster has counted no spend of account 1002"),
                "\(set.stdout)\(set.stderr)")
            let raised = try await EdgeServeTests.tollguard([
                "quota", "raise", "1001", "300", "--by", "noc", "--reason", "trade fair", "--config", config,
            ])
            #expect(raised.status == 0, "\(raised.stdout)\(raised.stderr)")
            let listed = try await EdgeServeTests.tollguard(["quota", "list", "--json", "--config", config])
            let answer = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
            let accounts = (answer?["quotas"] as? [[String: Any]])?.compactMap { $0["account"] as? String }
            #expect(accounts == ["1001", "1002", "2002"], "\(listed.stdout)\(listed.stderr)")
            let raisedAccounts = (answer?["raises"] as? [[String: Any]])?.compactMap { $0["account"] as? String }
            #expect(raisedAccounts == ["1001"], "\(listed.stdout)")
            let removed = try await EdgeServeTests.tollguard([
                "quota", "remove", "1002", "--by", "noc", "--config", config,
            ])
            #expect(removed.status == 0, "\(removed.stdout)\(removed.stderr)")
            let again = try await EdgeServeTests.tollguard(["quota", "remove", "1002", "--config", config])
            #expect(
                again.status != 0 && again.stderr.contains("no quota set for 1002 in the cluster"), "\(again.stderr)")
            let (table, journal) = try await TestPostgres.withStore(database: name) { store in
                (
                    try await store.quotaTable(),
                    try await store.journal(subjectType: "account").filter { $0.subject != "2002" }
                )
            }
            // `cluster status` names what is set for every node.
            let status = try await EdgeServeTests.tollguard(["cluster", "status", "--config", config])
            #expect(
                status.stdout.contains("set for every node: 2 account quotas; fraud lists: irsf; rate deck: ")
                    && status.stdout.contains(" rates from built-in Data/ratedeck-example.csv (imported "),
                "\(status.stdout)\(status.stderr)")
            #expect(
                table == ["1001": 100_000_000, "2002": 7_000_000],
                "the analyzer node's own quota, copied in, and the one set while the site ran")
            #expect(
                journal.map(\.action) == ["quota.set", "quota.raised", "quota.removed"]
                    && journal.first?.note == "new line" && journal[1].before == "100.00 USD", "\(journal)")
        }

        /// One Asterisk call reaches the cluster three ways — the Manager's `Cdr` event and the
        /// tailed `Master.csv` on one edge, the same file tailed by a second edge — and is stored once.
        @Test func aCallThroughACDREventATailedCSVAndASecondEdgeIsStoredOnce() async throws {
            let name = try await TestPostgres.createDatabase()
            let folder = try TemporaryDirectory("tollguard-cluster-three-ways")
            let master = URL(fileURLWithPath: folder.path("Master.csv"))
            let asterisk = try await FakeAsterisk.start(masterCSV: master)
            defer { Task { await asterisk.stop() } }
            let amiSecret = try folder.write("ami.secret", text: "s3cret")
            let tail = """
                [cdr_tail]
                files = ["\(master.path)"]
                format = "asterisk"
                poll_seconds = 0.1
                """
            let live = try Self.serve(
                "edge-live", database: name, folder: folder,
                toml: """
                    [cluster]
                    node = "edge-live"
                    role = "edge"
                    ship_interval_ms = 100
                    [[ami]]
                    name = "ast-east"
                    port = \(asterisk.port)
                    secret_file = "\(amiSecret)"
                    silence_timeout_seconds = 300

                    """ + tail)
            let second = try Self.serve(
                "edge-csv", database: name, folder: folder,
                toml: """
                    [cluster]
                    node = "edge-csv"
                    role = "edge"
                    switch = "ast-east"
                    ship_interval_ms = 100

                    """ + tail)
            var writer = AsteriskEventWriter()
            let events = writer.stream([Self.calls(endingAt: Date().addingTimeInterval(-60))[0]])

            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for serve in [live, second] { group.addTask { try await serve.run() } }
                    try await asterisk.waitForLogins()
                    try await asterisk.replay(events)
                    #expect(asterisk.cdrsDelivered == 1)
                    // Each edge's own store holds it once: the live edge took the event and the
                    // row (one a duplicate), the other the row; each shipped its one call.
                    #expect(
                        try await poll(upTo: 120) {
                            live.stats.duplicates.load(ordering: .relaxed) == 1
                                && live.shipping?.snapshot.held == 1 && second.shipping?.snapshot.held == 1
                        },
                        "\(String(describing: live.shipping?.snapshot)) \(String(describing: second.shipping?.snapshot))"
                    )
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            let (a, b) = (try #require(live.shipping?.snapshot), try #require(second.shipping?.snapshot))
            #expect(a.inserted + b.inserted == 1 && a.duplicates + b.duplicates == 1)
            try await TestPostgres.withStore(database: name) { store async throws -> Void in
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls", store) == 1)
                #expect(
                    try await TestPostgres.number("SELECT count(*) FROM calls WHERE switch_name = 'ast-east'", store)
                        == 1)
            }
            await TestPostgres.dropDatabase(name)
        }
    }
}

/// The port a `serve` bound its HTTP side to (0 until it has).
final class BoundPort: Sendable {
    let port = Mutex(0)
}
