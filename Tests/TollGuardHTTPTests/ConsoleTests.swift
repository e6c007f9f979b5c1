import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TollGuardCore
import TollGuardHTTP
import TollGuardHooks
import TollGuardTestSupport

/// The review console in process: logins, roles, the form token, the queue's order, triage and
/// the journal, and hostile text shown as text.
@Suite struct ConsoleTests {
    static let logger = Logger(label: "test.console")
    static let password = "correct horse battery"

    /// A store with three users (one of each role) and the console's routes over it.
    static func console(
        _ database: TollGuardDatabase, throttle: LoginThrottle = LoginThrottle(),
        configuration: TollGuardConfiguration = TollGuardConfiguration()
    ) throws -> some ApplicationProtocol {
        for (name, role) in [("vera", ConsoleRole.viewer), ("rob", .reviewer), ("ada", .admin)] {
            try database.addUser(name: name, role: role, passwordHash: hashing.hash(password), actor: "test")
        }
        return try app(database, throttle: throttle, configuration: configuration)
    }

    /// Quick password hashes for tests.
    static let hashing = PasswordHashing(cost: 4)

    /// The console's routes over `database` with `settings`, its users as they are.
    static func app(
        _ database: TollGuardDatabase, settings: ConsoleSettings = ConsoleSettings(),
        throttle: LoginThrottle = LoginThrottle(), configuration: TollGuardConfiguration = TollGuardConfiguration()
    ) throws -> some ApplicationProtocol {
        let routes = HTTPRoutes(
            health: { HealthStatus(healthy: true, reason: "ok") }, metrics: { "" },
            console: try ConsoleRoute(
                actions: ActionLayer(database: database, configuration: configuration, logger: logger),
                settings: settings, passwords: hashing, throttle: throttle, logger: logger))
        return buildApplication(HTTPServerSettings(host: "127.0.0.1", port: 0), routes: routes, logger: logger)
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        let allowed = CharacterSet.alphanumerics
        let body = fields.sorted { $0.key < $1.key }.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        return ByteBuffer(string: body)
    }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Logs `name` in; returns the session cookie (`name=value`).
    static func logIn(_ client: some TestClientProtocol, _ name: String, password: String = password) async throws
        -> String
    {
        try await client.execute(
            uri: "/console/login", method: .post, headers: formHeaders,
            body: form(["name": name, "password": password])
        ) { response in
            #expect(response.status == .seeOther)
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            return String(cookie.split(separator: ";")[0])
        }
    }

    /// The page at `uri` for the session `cookie`.
    static func page(_ client: some TestClientProtocol, _ uri: String, _ cookie: String) async throws -> String {
        try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { response in
            #expect(response.status == .ok)
            return String(buffer: response.body)
        }
    }

    /// The form token a page carries.
    static func csrf(in page: String) throws -> String {
        let marker = "name=\"csrf\" value=\""
        let start = try #require(page.range(of: marker)).upperBound
        return String(page[start...].prefix { $0 != "\"" })
    }

    @Test func nothingIsShownWithoutALoginAndAWrongPasswordIsRefusedAndJournaled() async throws {
        let database = try TollGuardDatabase.inMemory()
        try await Self.console(database).test(.router) { client in
            for uri in ["/console", "/console/alerts/1", "/console/journal"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .seeOther, "\(uri)")
                    #expect(response.headers[.location] == "/console/login")
                }
            }
            try await client.execute(
                uri: "/console/login", method: .post, headers: Self.formHeaders,
                body: Self.form(["name": "rob", "password": "guess"])
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.setCookie] == nil)
            }
            // A forged cookie is no session.
            try await client.execute(uri: "/console", method: .get, headers: [.cookie: "tollguard_session=forged"]) {
                #expect($0.status == .seeOther)
            }
        }
        #expect(try database.journal().contains { $0.action == "login.failed" && $0.subject == "rob" })
    }

    @Test func repeatedFailuresAreSlowedDownEvenForTheRightPassword() async throws {
        let database = try TollGuardDatabase.inMemory()
        try await Self.console(database, throttle: LoginThrottle(freeFailures: 3, firstWait: 600, longestWait: 3_600))
            .test(.router) {
                client in
                for _ in 0..<3 {
                    try await client.execute(
                        uri: "/console/login", method: .post, headers: Self.formHeaders,
                        body: Self.form(["name": "ada", "password": "wrong one"])
                    ) { #expect($0.status == .unauthorized) }
                }
                try await client.execute(
                    uri: "/console/login", method: .post, headers: Self.formHeaders,
                    body: Self.form(["name": "ada", "password": Self.password])
                ) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(response.headers[.setCookie] == nil)
                }
            }
    }

    @Test func theQueuePutsTheAccountPastItsQuotaFirstAndShowsHostileTextAsText() async throws {
        let database = try TollGuardDatabase.inMemory()
        let hostile = "<img src=x onerror=alert(1)>"
        let critical = try #require(
            try AlertSeeds.store(
                database, rule: .velocity, severity: .critical, subject: Subject(.account, hostile),
                costMicros: 100_000))
        let overQuota = try #require(
            try AlertSeeds.store(
                database, rule: .velocity, severity: .warning, subject: Subject(.account, "1002"), costMicros: 100_000))
        // Account 1002 spent 30 on the alert's day against a quota of 20.
        try database.setQuota(account: "1002", dailyMicros: 20_000_000, currency: "USD", setBy: "test")
        try AlertSeeds.storeCall(database, key: "k1", account: "1002", at: AlertSeeds.start, costMicros: 30_000_000)
        try await Self.console(database).test(.router) { client in
            let cookie = try await Self.logIn(client, "vera")
            try await client.execute(uri: "/console", method: .get, headers: [.cookie: cookie]) { response in
                let csp = try #require(response.headers[.contentSecurityPolicy])
                #expect(csp.contains("default-src 'self'"))
                #expect(!csp.contains("unsafe-inline"))
                let page = String(buffer: response.body)
                #expect(!page.contains(hostile))
                #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"))
                let first = try #require(page.range(of: "data-alert=\"\(overQuota)\""))
                let second = try #require(page.range(of: "data-alert=\"\(critical)\""))
                #expect(first.lowerBound < second.lowerBound, "the account past its quota comes first")
                #expect(page.contains("30.00 USD of 20.00 USD"))
            }
        }
    }

    /// Most sites set one default quota in the configuration, not one per account in the table.
    @Test func theQueueMeasuresAgainstTheConfiguredQuotaWhenTheTableHasNone() throws {
        let database = try TollGuardDatabase.inMemory()
        let id = try #require(
            try AlertSeeds.store(
                database, rule: .dailyQuota, severity: .warning, subject: Subject(.account, "1003"),
                costMicros: 100_000))
        var analysis = AnalysisSettings()
        analysis.account.limits[.dailyQuota] = 40
        let entry = try #require(try database.reviewQueue(.open, analysis: analysis).entries.first)
        #expect(entry.alert.id == id)
        #expect(entry.quotaMicros == 40_000_000)
        try database.setQuota(account: "1003", dailyMicros: 15_000_000, currency: "USD", setBy: "test")
        #expect(try database.reviewQueue(.open, analysis: analysis).entries.first?.quotaMicros == 15_000_000)
    }

    /// A quota counts the site's day: an evening alert in New York is on the next UTC day.
    @Test func theQueueCountsTheSpendOfTheSitesDay() throws {
        let database = try TollGuardDatabase.inMemory()
        let evening = Date(timeIntervalSince1970: 1_795_057_200)  // 2026-11-19 03:00 UTC, 22:00 in New York on the 18th
        let morning = Date(timeIntervalSince1970: 1_795_014_000)  // 2026-11-18 15:00 UTC, 10:00 in New York
        _ = try #require(
            try AlertSeeds.store(
                database, rule: .dailyQuota, severity: .high, subject: Subject(.account, "1018"), at: evening,
                costMicros: 100_000))
        try AlertSeeds.storeCall(
            database, key: "m1", account: "1018", at: morning, billsec: 60, costMicros: 12_000_000)
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        #expect(try database.reviewQueue(.open, timeZone: newYork).entries.first?.daySpendMicros == 12_000_000)
        #expect(try database.reviewQueue(.open, timeZone: .gmt).entries.first?.daySpendMicros == 0)
    }

    @Test func aViewerMayNotChangeAnAlertEvenByAForgedRequest() async throws {
        let database = try TollGuardDatabase.inMemory()
        let id = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001")))
        try await Self.console(database).test(.router) { client in
            let cookie = try await Self.logIn(client, "vera")
            let page = try await Self.page(client, "/console/alerts/\(id)", cookie)
            #expect(!page.contains("value=\"acknowledge\""), "a viewer is offered no action")
            try await client.execute(
                uri: "/console/alerts/\(id)", method: .post, headers: Self.formHeaders + [.cookie: cookie],
                body: Self.form(["csrf": try Self.csrf(in: page), "action": "acknowledge"])
            ) { #expect($0.status == .forbidden) }
        }
        #expect(try database.alert(id: id)?.state == .open)
    }

    @Test func aReviewerWorksAnAlertOnlyWithTheFormTokenAndFromThisSite() async throws {
        let database = try TollGuardDatabase.inMemory()
        let id = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001")))
        try await Self.console(database).test(.router) { client in
            let cookie = try await Self.logIn(client, "rob")
            let page = try await Self.page(client, "/console/alerts/\(id)", cookie)
            let token = try Self.csrf(in: page)
            try await client.execute(
                uri: "/console/alerts/\(id)", method: .post, headers: Self.formHeaders + [.cookie: cookie],
                body: Self.form(["action": "acknowledge"])
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/console/alerts/\(id)", method: .post,
                headers: Self.formHeaders + [.cookie: cookie, .origin: "https://evil.example"],
                body: Self.form(["csrf": token, "action": "acknowledge"])
            ) { #expect($0.status == .forbidden) }
            #expect(try database.alert(id: id)?.state == .open)
            try await client.execute(
                uri: "/console/alerts/\(id)", method: .post, headers: Self.formHeaders + [.cookie: cookie],
                body: Self.form(["csrf": token, "action": "false_positive", "comment": "no reason given"])
            ) { #expect($0.status == .badRequest) }
            try await client.execute(
                uri: "/console/alerts/\(id)", method: .post, headers: Self.formHeaders + [.cookie: cookie],
                body: Self.form([
                    "csrf": token, "action": "false_positive", "reason": "expected_traffic",
                    "comment": "the <b>boss</b> abroad",
                ])
            ) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/console/alerts/\(id)")
            }
            let after = try await Self.page(client, "/console/alerts/\(id)", cookie)
            #expect(after.contains("alert.false_positive (open → false_positive (expected traffic))"))
            #expect(after.contains("the &lt;b&gt;boss&lt;/b&gt; abroad"))
            #expect(after.contains("value=\"reopen\""))
        }
        #expect(try database.alert(id: id)?.state == .falsePositive)
        let entry = try #require(try database.journal(subjectType: "alert", subject: String(id)).first)
        #expect(entry.actor == "rob")
        #expect(entry.before == "open")
        #expect(entry.after == "false_positive (expected traffic)")
    }

    @Test func onlyAnAdminChangesAQuotaAndOnlyWithAReasonEachChangeJournaled() async throws {
        let database = try TollGuardDatabase.inMemory()
        let hostile = "<script>alert(2)</script>"
        try database.setQuota(account: hostile, dailyMicros: 5_000_000, currency: "USD", setBy: "test")
        try database.setQuota(account: "1001", dailyMicros: 10_000_000, currency: "USD", setBy: "test")
        try await Self.console(database).test(.router) { client in
            let reviewer = try await Self.logIn(client, "rob")
            let reviewerPage = try await Self.page(client, "/console/accounts", reviewer)
            #expect(!reviewerPage.contains("form class=\"quota\""), "a reviewer is offered no quota form")
            #expect(reviewerPage.contains("&lt;script&gt;alert(2)&lt;/script&gt;"))
            #expect(!reviewerPage.contains(hostile))
            try await client.execute(
                uri: "/console/accounts/quota", method: .post, headers: Self.formHeaders + [.cookie: reviewer],
                body: Self.form([
                    "csrf": try Self.csrf(in: reviewerPage), "account": "1001", "amount": "99", "reason": "x",
                ])
            ) { #expect($0.status == .forbidden) }

            let admin = try await Self.logIn(client, "ada")
            let token = try Self.csrf(in: try await Self.page(client, "/console/accounts", admin))
            try await client.execute(
                uri: "/console/accounts/quota", method: .post, headers: Self.formHeaders + [.cookie: admin],
                body: Self.form(["csrf": token, "account": "1001", "amount": "40", "reason": " "])
            ) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("needs a reason"))
            }
            try await client.execute(
                uri: "/console/accounts/quota", method: .post, headers: Self.formHeaders + [.cookie: admin],
                body: Self.form(["csrf": token, "account": "1001", "amount": "40", "reason": "trade fair week"])
            ) { #expect($0.status == .seeOther) }
        }
        #expect(try await database.quotaTable()["1001"] == 40_000_000)
        let change = try #require(try database.journal(subjectType: "account", subject: "1001").first)
        #expect(change.action == "quota.set")
        #expect(change.actor == "ada")
        #expect(change.before == "10.00 USD")
        #expect(change.after == "40.00 USD")
        #expect(change.note == "trade fair week")
    }

    /// On a node of a cluster every page says what the console shows: the cluster's records, the
    /// same on every node, and what stays the node's own.
    @Test func aClusterNodesConsoleSaysWhatItShows() async throws {
        let database = try TollGuardDatabase.inMemory()
        try database.addUser(name: "ada", role: .admin, passwordHash: Self.hashing.hash(Self.password), actor: "test")
        var settings = ConsoleSettings()
        settings.clusterNotice = ConsoleSettings.clusterNotice(
            node: "analyzer-<b>1</b>", store: "postgres://tollguard@db.example/tollguard")
        try await Self.app(database, settings: settings).test(.router) { client in
            let admin = try await Self.logIn(client, "ada")
            for uri in ["/console", "/console/accounts", "/console/suspensions", "/console/journal"] {
                let page = try await Self.page(client, uri, admin)
                #expect(page.contains("id=\"cluster-notice\""), "\(uri)")
                #expect(page.contains("the cluster&#39;s alerts from every switch"), "\(uri)")
                #expect(page.contains("postgres://tollguard@db.example/tollguard"), "\(uri)")
                #expect(page.contains("node analyzer-&lt;b&gt;1&lt;/b&gt;&#39;s own"), "\(uri)")
                #expect(!page.contains("<b>1</b>"), "escaped: \(uri)")
            }
        }
        // A single box says nothing of a cluster.
        try await Self.app(database, settings: ConsoleSettings()).test(.router) { client in
            let page = try await Self.page(client, "/console", try await Self.logIn(client, "ada"))
            #expect(!page.contains("cluster-notice"))
        }
    }

    /// A raise until midnight: admins only, with a reason, journaled; the accounts page and the
    /// queue measure the day against it, the API raises the same way.
    @Test func anAdminRaisesAQuotaUntilMidnightWithAReason() async throws {
        let database = try TollGuardDatabase.inMemory()
        try database.setQuota(account: "1001", dailyMicros: 20_000_000, currency: "USD", setBy: "test")
        let now = Date()
        try AlertSeeds.storeCall(database, key: "today", account: "1001", at: now, costMicros: 30_000_000)
        _ = try #require(
            try AlertSeeds.store(
                database, rule: .dailyQuota, severity: .high, subject: Subject(.account, "1001"), at: now, now: now))
        try await Self.console(database).test(.router) { client in
            let reviewer = try await Self.logIn(client, "rob")
            let reviewerPage = try await Self.page(client, "/console/accounts", reviewer)
            #expect(!reviewerPage.contains("value=\"raise\""), "a reviewer is offered no raise")
            try await client.execute(
                uri: "/console/accounts/quota", method: .post, headers: Self.formHeaders + [.cookie: reviewer],
                body: Self.form([
                    "csrf": try Self.csrf(in: reviewerPage), "account": "1001", "amount": "99", "reason": "x",
                    "action": "raise",
                ])
            ) { #expect($0.status == .forbidden) }

            let admin = try await Self.logIn(client, "ada")
            let page = try await Self.page(client, "/console/accounts", admin)
            #expect(page.contains("value=\"raise\""))
            let token = try Self.csrf(in: page)
            try await client.execute(
                uri: "/console/accounts/quota", method: .post, headers: Self.formHeaders + [.cookie: admin],
                body: Self.form(["csrf": token, "account": "1001", "amount": "60", "reason": "", "action": "raise"])
            ) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("needs a reason"))
            }
            let none = try await database.quotaRaises()
            #expect(none.isEmpty)
            try await client.execute(
                uri: "/console/accounts/quota", method: .post, headers: Self.formHeaders + [.cookie: admin],
                body: Self.form([
                    "csrf": token, "account": "1001", "amount": "60", "reason": "board meeting abroad",
                    "action": "raise",
                ])
            ) { #expect($0.status == .seeOther) }
            let raised = try await Self.page(client, "/console/accounts", admin)
            #expect(raised.contains("60.00 USD"))
            #expect(raised.contains("raised until midnight by ada: board meeting abroad"))
            // A day other than today offers no raise.
            #expect(
                !(try await Self.page(client, "/console/accounts?date=2020-01-01", admin)).contains("value=\"raise\""))
        }
        // The standing quota is untouched; the queue measures today against the raise.
        #expect(try await database.quotaTable()["1001"] == 20_000_000)
        #expect(try database.reviewQueue(.open, now: now).entries.first?.quotaMicros == 60_000_000)
        let change = try #require(try database.journal(subjectType: "account", subject: "1001").first)
        #expect(change.action == "quota.raised")
        #expect(change.before == "20.00 USD")
        #expect(change.note == "board meeting abroad")
    }

    @Test func anAlertSnoozedUntilWorseComesBackWhenItsAccountSpendsMore() async throws {
        let database = try TollGuardDatabase.inMemory()
        let subject = Subject(.account, "1001")
        let id = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: subject, calls: 2))
        try await Self.console(database).test(.router) { client in
            let cookie = try await Self.logIn(client, "rob")
            let page = try await Self.page(client, "/console/alerts/\(id)", cookie)
            for action in ["assign_me", "snooze_worse"] {
                try await client.execute(
                    uri: "/console/alerts/\(id)", method: .post, headers: Self.formHeaders + [.cookie: cookie],
                    body: Self.form(["csrf": try Self.csrf(in: page), "action": action, "comment": "watching it"])
                ) { #expect($0.status == .seeOther, "\(action)") }
            }
            #expect(!(try await Self.page(client, "/console", cookie)).contains("data-alert=\"\(id)\""))
            #expect(try await Self.page(client, "/console?tab=snoozed", cookie).contains("data-alert=\"\(id)\""))
            #expect(try await Self.page(client, "/console?tab=snoozed", cookie).contains("id=\"count-snoozed\">1<"))
            // The account calls again: analysis adds calls and money to the same alert.
            _ = try AlertSeeds.store(
                database, rule: .velocity, severity: .high, subject: subject,
                at: AlertSeeds.start.addingTimeInterval(60),
                calls: 3)
            let open = try await Self.page(client, "/console", cookie)
            #expect(open.contains("data-alert=\"\(id)\""), "worse: back in the queue")
            #expect(try await Self.page(client, "/console?tab=mine", cookie).contains("data-alert=\"\(id)\""))
        }
        let actions = try database.journal(subjectType: "alert", subject: String(id)).map(\.action)
        #expect(actions.contains("alert.snoozed"))
        #expect(actions.contains("alert.assigned"))
    }

    @Test func anAlertSnoozedUntilATimeStaysOutOfTheQueueUntilThen() throws {
        let database = try TollGuardDatabase.inMemory()
        let id = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001")))
        let now = Date()
        _ = try database.snoozeAlert(
            id: id, SnoozeRequest(until: now.addingTimeInterval(3_600)), actor: "rob", comment: nil, now: now)
        #expect(try database.reviewQueue(.open, now: now).entries.isEmpty)
        #expect(try database.reviewQueue(.snoozed, now: now).entries.map(\.alert.id) == [id])
        #expect(try database.reviewCounts(now: now)[.snoozed] == 1)
        let later = now.addingTimeInterval(3_601)
        #expect(try database.reviewQueue(.open, now: later).entries.map(\.alert.id) == [id])
        #expect(try database.reviewCounts(now: later)[.open] == 1)
        #expect(try database.reviewCounts(now: later)[.snoozed] == nil)
        // A person's decision ends the snooze.
        _ = try database.setAlertState(id: id, to: .resolved, actor: "rob", comment: nil, suppressFor: 0)
        #expect(try database.alert(id: id)?.snooze == nil)
    }

    @Test func loggingOutEndsTheSession() async throws {
        let database = try TollGuardDatabase.inMemory()
        try await Self.console(database).test(.router) { client in
            let cookie = try await Self.logIn(client, "ada")
            let page = try await Self.page(client, "/console", cookie)
            try await client.execute(
                uri: "/console/logout", method: .post, headers: Self.formHeaders + [.cookie: cookie],
                body: Self.form(["csrf": try Self.csrf(in: page)])
            ) { #expect($0.status == .seeOther) }
            try await client.execute(uri: "/console", method: .get, headers: [.cookie: cookie]) {
                #expect($0.status == .seeOther)
            }
        }
    }
}

extension HTTPFields {
    fileprivate static func + (left: HTTPFields, right: HTTPFields) -> HTTPFields {
        var merged = left
        merged.append(contentsOf: right)
        return merged
    }
}
