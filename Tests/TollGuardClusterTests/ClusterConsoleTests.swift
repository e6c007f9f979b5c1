import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardHTTP
import TollGuardHooks
import TollGuardTestSupport

extension PostgresServerTests {
    /// The review console of a node of a cluster: the cluster's alerts, people, quotas and
    /// suspensions in PostgreSQL, the same on every node.
    @Suite struct ClusterConsoleTests {
        static let hashing = PasswordHashing(cost: 4)
        static let password = "correct horse battery"
        static let summarizer = AlertSummarizer(timeZone: .gmt, currency: "USD", countryNames: [:])
        static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

        /// A node's console: its own (empty) SQLite store beside the cluster store `primary` finds.
        static func node(_ primary: ClusterPrimary, hooks: [HookSettings] = []) throws -> some ApplicationProtocol {
            let local = try TollGuardDatabase.inMemory()
            let store = ClusterConsoleStore(
                primary: primary, summarizer: summarizer, timeZone: .gmt,
                actions: { ActionSettings(hooks: hooks, falsePositiveQuiet: 3600) })
            let routes = HTTPRoutes(
                health: { HealthStatus(healthy: true, reason: "ok") }, metrics: { "" },
                console: try ConsoleRoute(
                    actions: ActionLayer(
                        database: local, configuration: TollGuardConfiguration(), logger: TestPostgres.logger),
                    store: store, passwords: hashing, logger: TestPostgres.logger))
            return buildApplication(
                HTTPServerSettings(host: "127.0.0.1", port: 0), routes: routes, logger: TestPostgres.logger)
        }

        static func primary(database: String, patience: Duration = .seconds(5)) throws -> ClusterPrimary {
            ClusterPrimary(
                connector: ClusterConnector(
                    url: try TestPostgres.url(database: database), password: nil, applicationName: "console test",
                    logger: TestPostgres.logger),
                patience: patience, logger: TestPostgres.logger)
        }

        static func form(_ fields: [String: String]) -> ByteBuffer {
            let allowed = CharacterSet.alphanumerics
            return ByteBuffer(
                string: fields.sorted { $0.key < $1.key }.map {
                    "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
                }.joined(separator: "&"))
        }

        static func logIn(_ client: some TestClientProtocol, _ name: String) async throws -> String {
            try await client.execute(
                uri: "/console/login", method: .post, headers: formHeaders,
                body: form(["name": name, "password": password])
            ) { response in
                #expect(response.status == .seeOther, "login of \(name)")
                return String(try #require(response.headers[.setCookie]).split(separator: ";")[0])
            }
        }

        static func page(_ client: some TestClientProtocol, _ uri: String, _ cookie: String) async throws -> String {
            try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok, "\(uri)")
                return String(buffer: response.body)
            }
        }

        static func post(
            _ client: some TestClientProtocol, _ uri: String, _ cookie: String, _ fields: [String: String]
        ) async throws -> HTTPResponse.Status {
            let token = try csrf(in: try await page(client, "/console", cookie))
            return try await client.execute(
                uri: uri, method: .post, headers: formHeaders + [.cookie: cookie],
                body: form(fields.merging(["csrf": token]) { $1 })
            ) { $0.status }
        }

        static func csrf(in page: String) throws -> String {
            let marker = "name=\"csrf\" value=\""
            let start = try #require(page.range(of: marker)).upperBound
            return String(page[start...].prefix { $0 != "\"" })
        }

        /// Where alert `id`'s link first shows on `page` (nil: not listed).
        static func position(of id: Int64, in page: String) -> Int? {
            page.range(of: "/console/alerts/\(id)\"").map { page.distance(from: page.startIndex, to: $0.lowerBound) }
        }

        /// Two nodes' consoles on one cluster store are one console.
        ///
        /// A login made on one works on the other, both list the cluster's alerts in the single box's queue order (the account past its quota
        /// over every switch first), and what a person does on one — triage, a quota raise, a
        /// suspension, a logout — is the cluster's, seen on the other, journaled in the cluster and
        /// queued once for its hooks. Neither node's own store holds any of it.
        @Test func everyNodesConsoleShowsAndChangesTheClustersRecords() async throws {
            let name = try await TestPostgres.createDatabase()
            try await TestPostgres.withStore(database: name) { store in
                for (user, role) in [("ada", ConsoleRole.admin), ("rex", .reviewer)] {
                    try await store.addUser(
                        name: user, role: role, passwordHash: Self.hashing.hash(Self.password), actor: "setup")
                }
                await #expect(throws: UserChangeError.exists("ada")) {
                    try await store.addUser(name: "ada", role: .viewer, passwordHash: "x", actor: "setup")
                }
                typealias Review = ClusterAlertReviewTests
                // 1002: critical, no quota; 1001 (written after it): high, 10.00 over two switches
                // against a quota of 8.00.
                try await Review.insert(
                    store, rule: .velocity, account: "1002", severity: .critical, state: "open", hoursAgo: 0,
                    switches: ["fs-west"])
                try await Review.insert(
                    store, rule: .dailyQuota, account: "1001", severity: .high, state: "open", hoursAgo: 0,
                    switches: ["fs-west", "ast-east"])
                try await Review.insert(
                    store, rule: .velocity, account: "1003", severity: .warning, state: "acknowledged", hoursAgo: 1)
                try await Review.insert(
                    store, rule: .velocity, account: "1004", severity: .critical, state: "resolved", hoursAgo: 2)
                try await store.setQuota(
                    QuotaEntry(account: "1001", dailyMicros: 8_000_000, currency: "USD", setBy: "setup", setAt: Date()),
                    reason: nil)
                var clock = LocalClock(timeZone: .gmt)
                let today = LocalClock.dayText(clock.local(Date().timeIntervalSince1970).day)
                try await store.client.query(
                    """
                    INSERT INTO cluster_spend (account, day, calls, cost_micros)
                    VALUES ('1001', \(today)::date, 2, 10000000), ('1002', \(today)::date, 1, 5000000)
                    """, logger: TestPostgres.logger)
                let ids = Dictionary(
                    uniqueKeysWithValues: try await store.reviewedAlerts(AlertFilter(), summarizer: Self.summarizer)
                        .map { ($0.alert.subject.value, $0.alert.id) })
                let (quota, velocity) = (try #require(ids["1001"]), try #require(ids["1002"]))

                let (west, east) = (try Self.primary(database: name), try Self.primary(database: name))
                let noc = AlertSeeds.programHook("noc", events: [.alertChanged, .suspend])
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await west.run() }
                    group.addTask { try await east.run() }
                    defer { group.cancelAll() }
                    try await Self.node(west, hooks: [noc]).test(.router) { westClient in
                        try await Self.node(east, hooks: [noc]).test(.router) { eastClient in
                            let ada = try await Self.logIn(westClient, "ada")
                            // The session is the cluster's: the east node knows it.
                            let queue = try await Self.page(eastClient, "/console", ada)
                            let first = try #require(Self.position(of: quota, in: queue), "1001 listed")
                            let second = try #require(Self.position(of: velocity, in: queue), "1002 listed")
                            #expect(first < second, "past its quota over both switches first")
                            #expect(Self.position(of: ids["1003"] ?? 0, in: queue) == nil, "acknowledged: another tab")
                            #expect(Self.position(of: ids["1004"] ?? 0, in: queue) == nil, "resolved: closed")
                            #expect(queue.contains("10.00 USD of 8.00 USD"), "the spend over both switches")
                            let counts = try await store.reviewCounts(user: "ada", now: Date())
                            #expect(counts[.open] == 2 && counts[.acknowledged] == 1 && counts[.closed] == 1)

                            // Triage on the west node, seen on the east one.
                            #expect(
                                try await Self.post(
                                    westClient, "/console/alerts/\(velocity)", ada,
                                    ["action": "acknowledge", "comment": "calling the customer"]) == .seeOther)
                            let file = try await Self.page(eastClient, "/console/alerts/\(velocity)", ada)
                            #expect(file.contains("calling the customer"))
                            #expect(file.contains("fs-west"), "the evidence's switch")
                            // 1001's evidence called the same range: it is the case file's neighbour.
                            let neighbours = try await store.rangeNeighbours(
                                ofAlert: velocity, limit: 20, summarizer: Self.summarizer)
                            #expect(
                                neighbours.map(\.alert.id) == [quota] && neighbours.first?.range.prefix == "252612345")
                            let acknowledged = try await Self.page(eastClient, "/console?tab=acknowledged", ada)
                            #expect(Self.position(of: velocity, in: acknowledged) != nil)
                            // Snoozed until it gets worse: out of its tab, in the snoozed one.
                            #expect(
                                try await Self.post(
                                    westClient, "/console/alerts/\(velocity)", ada, ["action": "snooze_worse"])
                                    == .seeOther)
                            let afterSnooze = try await Self.page(eastClient, "/console?tab=acknowledged", ada)
                            #expect(Self.position(of: velocity, in: afterSnooze) == nil, "snoozed")
                            let snoozed = try await Self.page(eastClient, "/console?tab=snoozed", ada)
                            #expect(Self.position(of: velocity, in: snoozed) != nil)
                            let snoozedCounts = try await store.reviewCounts(user: "ada", now: Date())
                            #expect(snoozedCounts[.snoozed] == 1 && snoozedCounts[.acknowledged] == 1)
                            // The analyzer's next write: a call to a new country wakes it.
                            try await store.client.query(
                                """
                                UPDATE cluster_alerts SET evidence = evidence || jsonb_build_array(jsonb_build_object(
                                    'key', 'cu-1', 'time', 0, 'number', '5351234567', 'region', 'Cuba', 'cost', 0,
                                    'switchName', 'fs-west'))
                                WHERE id = \(velocity)
                                """, logger: TestPostgres.logger)
                            let woken = try await Self.page(eastClient, "/console?tab=acknowledged", ada)
                            #expect(Self.position(of: velocity, in: woken) != nil, "worse: a new country")
                            #expect(try await store.reviewCounts(user: "ada", now: Date())[.snoozed] == nil)

                            // A raise for today and a suspension, from the east node.
                            #expect(
                                try await Self.post(
                                    eastClient, "/console/accounts/quota", ada,
                                    ["action": "raise", "account": "1001", "amount": "40", "reason": "trade fair"])
                                    == .seeOther)
                            #expect(try await store.quotaRaises(onDay: today)["1001"]?.dailyMicros == 40_000_000)
                            #expect(
                                try await Self.post(
                                    eastClient, "/console/suspensions", ada,
                                    ["action": "suspend", "account": "1002", "reason": "velocity"]) == .seeOther)
                            #expect(try await store.suspensionsInForce().map(\.account) == ["1002"])
                            let suspensions = try await Self.page(westClient, "/console/suspensions", ada)
                            #expect(suspensions.contains("velocity"))

                            // The journal is the cluster's, on both nodes.
                            let journal = try await store.latestJournal(actor: "ada", limit: 50).map(\.action)
                            #expect(
                                Array(journal.reversed()) == [
                                    "session.started", "alert.acknowledged", "alert.snoozed", "quota.raised",
                                ], "\(journal)")
                            let westJournal = try await Self.page(westClient, "/console/journal", ada)
                            #expect(westJournal.contains("quota.raised") && westJournal.contains("alert.acknowledged"))
                            let events = try await ClusterOutbox(store: store).events()
                            #expect(
                                events.map(\.type).sorted { $0.rawValue < $1.rawValue } == [
                                    .alertChanged, .alertChanged, .suspend,
                                ])

                            // A logout on the east node ends the session on the west one.
                            let token = try Self.csrf(in: try await Self.page(eastClient, "/console", ada))
                            try await eastClient.execute(
                                uri: "/console/logout", method: .post, headers: Self.formHeaders + [.cookie: ada],
                                body: Self.form(["csrf": token])
                            ) { #expect($0.status == .seeOther) }
                            try await westClient.execute(uri: "/console", method: .get, headers: [.cookie: ada]) {
                                #expect($0.status == .seeOther, "logged out everywhere")
                            }
                        }
                    }
                }
                #expect(try await store.user(named: "ada").map(\.role) == .admin)
            }
            await TestPostgres.dropDatabase(name)
        }

        /// A case file's range neighbours are the newest alerts whose evidence called one of its
        /// ranges, each with the range it shares, itself and other ranges left out.
        @Test func aCaseFileShowsTheNewestAlertsOfItsRanges() async throws {
            try await TestPostgres.withStore { store in
                typealias Review = ClusterAlertReviewTests
                // 1000 called two ranges of Somalia; 2001-2005 one of them each, 2004 the other;
                // 3001 a range of its own. Oldest first by account number within each group.
                let ranges = ["252612345", "252699999"]
                for (account, hours, number) in [
                    ("1000", 0.0, ranges[0] + "000"), ("2001", 5, ranges[0] + "111"), ("2002", 4, ranges[0] + "222"),
                    ("2003", 3, ranges[0] + "333"), ("2005", 1, ranges[0] + "555"), ("2004", 2, ranges[1] + "444"),
                    ("3001", 0.5, "252677777777"),
                ] {
                    try await Review.insert(
                        store, rule: .velocity, account: account, severity: .high, state: "open", hoursAgo: hours,
                        switches: ["fs-west"], number: number)
                }
                // 1000's second range, as its evidence's second call.
                try await store.client.query(
                    """
                    UPDATE cluster_alerts SET evidence = evidence || jsonb_build_array(jsonb_set(
                        evidence->0, '{number}', to_jsonb(\(ranges[1] + "000"))))
                    WHERE subject = '1000'
                    """, logger: TestPostgres.logger)
                let ids = Dictionary(
                    uniqueKeysWithValues: try await store.reviewedAlerts(AlertFilter(), summarizer: Self.summarizer)
                        .map { ($0.alert.subject.value, $0.alert.id) })
                let neighbours = try await store.rangeNeighbours(
                    ofAlert: try #require(ids["1000"]), limit: 3, summarizer: Self.summarizer)
                #expect(neighbours.map(\.alert.subject.value) == ["2005", "2004", "2003"])
                #expect(neighbours.map(\.range.prefix) == [ranges[0], ranges[1], ranges[0]])
                let all = try await store.rangeNeighbours(
                    ofAlert: try #require(ids["1000"]), limit: 20, summarizer: Self.summarizer)
                #expect(all.map(\.alert.subject.value) == ["2005", "2004", "2003", "2002", "2001"])
            }
        }

        /// The cluster's alerts reach open console pages as they change: each change told once,
        /// a change committed after a later one was seen too, and a burst larger than one look
        /// does not hide what follows it.
        @Test func theClustersAlertChangesReachOpenPagesOnce() async throws {
            try await TestPostgres.withStore { store in
                typealias Review = ClusterAlertReviewTests
                for account in ["1001", "1002"] {
                    try await Review.insert(
                        store, rule: .velocity, account: account, severity: .high, state: "open", hoursAgo: 0)
                }
                let told = { (mark: AlertChangeMark?, limit: Int) in
                    try await store.alertsChanged(since: mark, limit: limit, summarizer: Self.summarizer)
                }
                var mark = try await store.alertChangeMark()
                #expect(try await told(mark, 200).0.isEmpty, "what was there before the first look is no change")
                let ids = try await store.reviewedAlerts(AlertFilter(), summarizer: Self.summarizer)
                    .map(\.alert.id).sorted()
                // A person's change, then a new alert: one look tells both, the new one as new.
                _ = try await store.changeAlerts(
                    [ids[0]], .acknowledge, actor: "ada", comment: nil, suppressFor: 3600, hooks: [],
                    summarizer: Self.summarizer)
                try await Review.insert(
                    store, rule: .dailyQuota, account: "1003", severity: .critical, state: "open", hoursAgo: 0)
                var (changes, next) = try await told(mark, 200)
                #expect(changes.map(\.alert.subject.value).sorted() == ["1001", "1003"])
                #expect(changes.first { $0.alert.subject.value == "1003" }?.isNew == true)
                #expect(changes.first { $0.alert.subject.value == "1001" }?.alert.state == .acknowledged)
                mark = next
                #expect(try await told(mark, 200).0.isEmpty, "told once")
                // A change whose transaction began before the last look and committed after it.
                try await store.client.query(
                    "UPDATE cluster_alerts SET updated_utc = now() - interval '5 seconds', state = 'acknowledged' WHERE id = \(ids[1])",
                    logger: TestPostgres.logger)
                (changes, next) = try await told(mark, 200)
                #expect(changes.map(\.alert.id) == [ids[1]], "committed late, still told")
                mark = next
                // A burst of more changes than one look takes: each told once, over several looks.
                for account in 2_000..<2_007 {
                    try await Review.insert(
                        store, rule: .velocity, account: String(account), severity: .high, state: "open", hoursAgo: 0)
                }
                var burst: [String] = []
                for _ in 0..<5 {
                    (changes, next) = try await told(mark, 3)
                    burst += changes.map(\.alert.subject.value)
                    mark = next
                }
                #expect(burst.sorted() == (2_000..<2_007).map(String.init), "\(burst)")
            }
        }

        /// A node's watcher of the cluster's alerts tells its open pages of an alert the leader raised.
        @Test func aNodesOpenPagesHearOfTheClustersNewAlert() async throws {
            let name = try await TestPostgres.createDatabase()
            try await TestPostgres.withStore(database: name) { store in
                let primary = try Self.primary(database: name)
                let updates = ConsoleUpdates(
                    feed: ClusterConsoleStore(
                        primary: primary, summarizer: Self.summarizer, timeZone: .gmt, actions: { ActionSettings() }),
                    interval: .milliseconds(50), heartbeat: .seconds(60), logger: TestPostgres.logger)
                let page = updates.subscribe()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await primary.run() }
                    group.addTask { try await updates.run() }
                    defer { group.cancelAll() }
                    #expect(try await poll(upTo: 300) { updates.isWatching })
                    try await ClusterAlertReviewTests.insert(
                        store, rule: .dailyQuota, account: "1001", severity: .critical, state: "open", hoursAgo: 0,
                        switches: ["fs-west", "ast-east"])
                    var iterator = page.makeAsyncIterator()
                    guard case .update(let update) = await iterator.next() else {
                        Issue.record("no update")
                        return
                    }
                    #expect(update.alerts.map(\.subject) == ["account 1001"] && update.alerts.first?.isNew == true)
                    #expect(update.counts["open"] == 1)
                }
            }
            await TestPostgres.dropDatabase(name)
        }

        /// The cluster's people: the last admin keeps the role, a new password ends the sessions,
        /// a wrong login is journaled in the cluster.
        @Test func theClustersPeopleAreChangedAsTheSingleBoxs() async throws {
            try await TestPostgres.withStore { store in
                try await store.addUser(name: "ada", role: .admin, passwordHash: "h1", actor: "setup")
                try await store.addUser(name: "rex", role: .reviewer, passwordHash: "h2", actor: "setup")
                await #expect(throws: UserChangeError.lastAdmin("ada")) {
                    try await store.setRole(name: "ada", role: .viewer, actor: "rex")
                }
                await #expect(throws: UserChangeError.noSuchUser("zed")) {
                    try await store.setRole(name: "zed", role: .viewer, actor: "rex")
                }
                await #expect(throws: UserChangeError.invalidName("a b")) {
                    try await store.addUser(name: "a b", role: .viewer, passwordHash: "h", actor: "setup")
                }
                try await store.setRole(name: "rex", role: .admin, actor: "ada")
                try await store.setRole(name: "ada", role: .viewer, actor: "rex")
                #expect(
                    try await store.users().map { "\($0.name) \($0.role.rawValue)" } == ["ada viewer", "rex admin"])

                let now = Date()
                try await store.startSession(
                    user: "rex", tokenHash: "t1", csrfToken: "c1", expires: now.addingTimeInterval(60), now: now)
                try await store.startSession(
                    user: "rex", tokenHash: "old", csrfToken: "c0", expires: now.addingTimeInterval(-1), now: now)
                #expect(try await store.session(tokenHash: "t1", now: now)?.csrfToken == "c1")
                #expect(try await store.session(tokenHash: "old", now: now) == nil, "ended")
                #expect(try await store.markQueueSeen(user: "rex", upTo: 7) == 0)
                #expect(try await store.markQueueSeen(user: "rex", upTo: 5) == 7)
                #expect(try await store.markQueueSeen(user: "rex", upTo: 9) == 7)
                try await store.setPassword(name: "rex", passwordHash: "h3", actor: "rex")
                #expect(try await store.session(tokenHash: "t1", now: now) == nil, "a new password ends sessions")
                #expect(try await store.user(named: "rex")?.passwordHash == "h3")
                #expect(
                    try await store.latestJournal(subjectType: "user", subject: "rex", limit: 10).map(\.action)
                        .reversed() == [
                            "user.added", "user.role_set", "session.started", "session.started",
                            "user.password_set",
                        ])
            }
        }

        /// A console whose cluster store cannot be reached says so, with 503, on every page that
        /// needs it: never an empty queue, never a refused login that reads like a wrong password.
        @Test func aConsoleWithoutItsClusterStoreSaysSo() async throws {
            let primary = ClusterPrimary(
                connector: ClusterConnector(
                    url: PostgresURL(
                        hosts: [.socket(path: "/nonexistent/.s.PGSQL.5432")], user: "tollguard", database: "none",
                        tls: .disable),
                    password: nil, applicationName: "console test", logger: TestPostgres.logger),
                patience: .milliseconds(300), logger: TestPostgres.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await primary.run() }
                defer { group.cancelAll() }
                try await Self.node(primary).test(.router) { client in
                    try await client.execute(uri: "/console/login", method: .get) { #expect($0.status == .ok) }
                    try await client.execute(
                        uri: "/console/login", method: .post, headers: Self.formHeaders,
                        body: Self.form(["name": "ada", "password": Self.password])
                    ) { response in
                        #expect(response.status == .serviceUnavailable)
                        let text = String(buffer: response.body)
                        #expect(text.contains("the cluster store at") && text.contains("is not reachable"), "\(text)")
                        #expect(text.contains("No such file or directory"), "what the connection met: \(text)")
                    }
                    try await client.execute(
                        uri: "/console", method: .get, headers: [.cookie: "tollguard_session=abc"]
                    ) { #expect($0.status == .serviceUnavailable) }
                }
            }
        }
    }
}
