import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TollGuardCore
import TollGuardHTTP
import TollGuardHooks
import TollGuardTestSupport

/// Triage beyond one button: false positives that close their matching alerts, changes on a
/// selection or on a whole filter, filters in the address and their CSV export, suspensions with
/// their hooks' answers, and hooks hearing of every person's change.
@Suite struct ConsoleTriageTests {
    /// A form body with repeated names (`ids=1&ids=2`).
    static func form(_ pairs: [(String, String)]) -> ByteBuffer {
        let allowed = CharacterSet.alphanumerics
        return ByteBuffer(
            string: pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
                .joined(separator: "&"))
    }

    static let day: TimeInterval = 86_400

    @Test func aFalsePositiveClosesTheMatchingOpenAlertsOnlyWhenAsked() async throws {
        let database = try TollGuardDatabase.inMemory()
        let start = AlertSeeds.start
        let subject = Subject(.account, "1001")
        let first = try #require(try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: subject))
        let second = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: subject, at: start + 3 * Self.day)
        )
        let third = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: subject, at: start + 6 * Self.day)
        )
        let otherRule = try #require(
            try AlertSeeds.store(database, rule: .dailyQuota, severity: .high, subject: subject))
        let otherAccount = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1002")))
        try await ConsoleTests.console(database).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "rob")
            let token = try ConsoleTests.csrf(
                in: try await ConsoleTests.page(client, "/console/alerts/\(first)", cookie))
            // Without the box ticked, only the alert itself closes.
            try await client.execute(
                uri: "/console/alerts/\(first)", method: .post, headers: ConsoleTests.formHeaders + [.cookie: cookie],
                body: Self.form([("csrf", token), ("action", "false_positive"), ("reason", "test_calls")])
            ) { #expect($0.status == .seeOther) }
            #expect(try database.alert(id: second)?.state == .open)
            try await client.execute(
                uri: "/console/alerts/\(first)", method: .post, headers: ConsoleTests.formHeaders + [.cookie: cookie],
                body: Self.form([("csrf", token), ("action", "reopen")])
            ) { #expect($0.status == .seeOther) }
            try await client.execute(
                uri: "/console/alerts/\(first)", method: .post, headers: ConsoleTests.formHeaders + [.cookie: cookie],
                body: Self.form([
                    ("csrf", token), ("action", "false_positive"), ("reason", "expected_traffic"),
                    ("close_matching", "on"), ("comment", "call centre"),
                ])
            ) { #expect($0.status == .seeOther) }
        }
        for id in [first, second, third] { #expect(try database.alert(id: id)?.state == .falsePositive) }
        #expect(try database.alert(id: otherRule)?.state == .open)
        #expect(try database.alert(id: otherAccount)?.state == .open)
        let closedWith = try #require(try database.journal(subjectType: "alert", subject: String(third)).first)
        #expect(closedWith.note == "closed with alert \(first): call centre")
        #expect(closedWith.after == "false_positive (expected traffic)")
    }

    @Test func aChangeAppliesToTheAlertsTickedOrToEverythingTheFilterShows() async throws {
        let database = try TollGuardDatabase.inMemory()
        let ids = try ["1001", "1002", "2001", "2002"].map { account in
            try #require(
                try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, account)))
        }
        try await ConsoleTests.console(database).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "rob")
            let queue = try await ConsoleTests.page(client, "/console", cookie)
            let token = try ConsoleTests.csrf(in: queue)
            #expect(queue.contains("name=\"ids\" value=\"\(ids[0])\""))
            try await client.execute(
                uri: "/console/alerts", method: .post, headers: ConsoleTests.formHeaders + [.cookie: cookie],
                body: Self.form([
                    ("csrf", token), ("scope", "selected"), ("ids", String(ids[0])), ("ids", String(ids[2])),
                    ("action", "acknowledge"),
                ])
            ) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/console?tab=open")
            }
            #expect(try ids.map { try database.alert(id: $0)?.state } == [.acknowledged, .open, .acknowledged, .open])
            // Everything the filter shows (subject contains "100", open tab): 1002 only now.
            try await client.execute(
                uri: "/console/alerts", method: .post, headers: ConsoleTests.formHeaders + [.cookie: cookie],
                body: Self.form([
                    ("csrf", token), ("scope", "filter"), ("tab", "open"), ("subject", "100"), ("action", "assign_me"),
                ])
            ) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/console?tab=open&subject=100")
            }
            #expect(try ids.map { try database.alert(id: $0)?.assignee } == [nil, "rob", nil, nil])
            // A viewer's forged bulk change is refused on the server.
            let viewer = try await ConsoleTests.logIn(client, "vera")
            let viewerToken = try ConsoleTests.csrf(in: try await ConsoleTests.page(client, "/console", viewer))
            try await client.execute(
                uri: "/console/alerts", method: .post, headers: ConsoleTests.formHeaders + [.cookie: viewer],
                body: Self.form([("csrf", viewerToken), ("ids", String(ids[1])), ("action", "resolve")])
            ) { #expect($0.status == .forbidden) }
        }
        #expect(try database.alert(id: ids[1])?.state == .open)
    }

    @Test func theFilterIsInTheAddressAndTheCSVExportsExactlyWhatItShows() async throws {
        let database = try TollGuardDatabase.inMemory()
        let kept = try #require(
            try AlertSeeds.store(
                database, rule: .velocity, severity: .high, subject: Subject(.account, "=HYPERLINK(1)")))
        let dropped = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .warning, subject: Subject(.account, "2002")))
        try await ConsoleTests.console(database).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "vera")
            let page = try await ConsoleTests.page(client, "/console?tab=open&severity=high", cookie)
            #expect(page.contains("data-alert=\"\(kept)\"") && !page.contains("data-alert=\"\(dropped)\""))
            #expect(page.contains("href=\"/console/alerts.csv?tab=open&amp;severity=high\""))
            let csv = try await client.execute(
                uri: "/console/alerts.csv?tab=open&severity=high", method: .get, headers: [.cookie: cookie]
            ) { response in
                #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
                return String(buffer: response.body)
            }
            let lines = csv.split(separator: "\r\n")
            #expect(lines.count == 2)
            #expect(lines.first?.hasPrefix("id,severity,rule,subject_type,subject") == true)
            // A subject a spreadsheet would run as a formula is quoted out.
            #expect(lines.last?.hasPrefix("\(kept),high,velocity,account,'=HYPERLINK(1),") == true, "\(csv)")
            // Everything, unfiltered: both.
            let all = try await client.execute(uri: "/console/alerts.csv", method: .get, headers: [.cookie: cookie]) {
                String(buffer: $0.body)
            }
            #expect(all.split(separator: "\r\n").count == 3)
        }
        let exports = try database.journal(limit: 10).filter { $0.action == "export.alerts" }
        #expect(exports.map(\.after) == ["2 alerts", "1 alerts"])
        #expect(exports.last?.subject == "tab=open&severity=high")
    }

    @Test func suspendAndUnsuspendFromTheConsoleRunTheHooksAndShowWhatTheyAnswered() async throws {
        let folder = try TemporaryDirectory()
        let script = try folder.writeExecutable(
            "hook.sh", text: "#!/bin/sh\necho \"pbx blocked $TOLLGUARD_ACCOUNT ($TOLLGUARD_EVENT)\"\n")
        var configuration = TollGuardConfiguration()
        configuration.hooks = [AlertSeeds.programHook("pbx", path: script)]
        let database = try TollGuardDatabase.inMemory()
        try await ConsoleTests.console(database, configuration: configuration).test(.router) { client in
            let viewer = try await ConsoleTests.logIn(client, "vera")
            let viewerPage = try await ConsoleTests.page(client, "/console/suspensions", viewer)
            #expect(!viewerPage.contains("value=\"suspend\""))
            try await client.execute(
                uri: "/console/suspensions", method: .post, headers: ConsoleTests.formHeaders + [.cookie: viewer],
                body: Self.form([
                    ("csrf", try ConsoleTests.csrf(in: viewerPage)), ("action", "suspend"), ("account", "1001"),
                    ("reason", "forged"),
                ])
            ) { #expect($0.status == .forbidden) }
            #expect(try database.activeSuspension(account: "1001") == nil)

            let cookie = try await ConsoleTests.logIn(client, "rob")
            let token = try ConsoleTests.csrf(in: try await ConsoleTests.page(client, "/console/suspensions", cookie))
            try await client.execute(
                uri: "/console/suspensions", method: .post, headers: ConsoleTests.formHeaders + [.cookie: cookie],
                body: Self.form([("csrf", token), ("action", "suspend"), ("account", "1001"), ("reason", "")])
            ) { #expect($0.status == .badRequest) }
            try await client.execute(
                uri: "/console/suspensions", method: .post, headers: ConsoleTests.formHeaders + [.cookie: cookie],
                body: Self.form([
                    ("csrf", token), ("action", "suspend"), ("account", "1001"), ("reason", "calls to Somalia"),
                    ("hours", "12"),
                ])
            ) { #expect($0.status == .seeOther) }
            let suspended = try await ConsoleTests.page(client, "/console/suspensions", cookie)
            #expect(suspended.contains("calls to Somalia"))
            #expect(suspended.contains("delivered"), "\(suspended)")
            #expect(suspended.contains("pbx blocked 1001 (suspend)"))
            try await client.execute(
                uri: "/console/suspensions", method: .post, headers: ConsoleTests.formHeaders + [.cookie: cookie],
                body: Self.form([
                    ("csrf", token), ("action", "unsuspend"), ("account", "1001"), ("reason", "password changed"),
                ])
            ) { #expect($0.status == .seeOther) }
            let lifted = try await ConsoleTests.page(client, "/console/suspensions", cookie)
            #expect(lifted.contains("pbx blocked 1001 (unsuspend)"))
            #expect(lifted.contains("No account is suspended."))
        }
        #expect(try database.activeSuspension(account: "1001") == nil)
        let journal = try database.journal(limit: 20).map(\.action)
        #expect(journal.contains("suspension.started") && journal.contains("suspension.lifted"))
    }

    @Test func everyPersonsChangeOfAnAlertReachesTheHooksAsAlertChanged() async throws {
        var configuration = TollGuardConfiguration()
        configuration.hooks = [AlertSeeds.programHook("ticketing", events: [.alertChanged])]
        let database = try TollGuardDatabase.inMemory()
        let id = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001")))
        try await ConsoleTests.console(database, configuration: configuration).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "rob")
            let token = try ConsoleTests.csrf(in: try await ConsoleTests.page(client, "/console/alerts/\(id)", cookie))
            for action in [("assign", "ada"), ("action", "acknowledge")] {
                var fields = [("csrf", token), ("action", action.0 == "assign" ? "assign" : action.1)]
                if action.0 == "assign" { fields.append(("assignee", action.1)) }
                try await client.execute(
                    uri: "/console/alerts/\(id)", method: .post, headers: ConsoleTests.formHeaders + [.cookie: cookie],
                    body: Self.form(fields)
                ) { #expect($0.status == .seeOther) }
            }
        }
        let deliveries = try database.outbox()
        #expect(deliveries.map(\.eventType) == ["alert_changed", "alert_changed"])
        #expect(deliveries.allSatisfy { $0.hook == "ticketing" && $0.subject == "1001" })
        let events = try deliveries.map {
            try HookEvent.decode(try #require(try database.hookEventPayload(id: $0.eventID)))
        }
        #expect(events.map { $0.change?.action } == ["alert.assigned", "alert.acknowledged"])
        #expect(events.map { $0.change?.after } == ["ada", "acknowledged"])
        #expect(events.allSatisfy { $0.actor == "rob" && $0.alerts.map(\.id) == [id] })
    }

    @Test func anAlertSnoozedUntilANewCountryWakesOnlyWhenItsCallsReachOne() throws {
        let database = try TollGuardDatabase.inMemory()
        let subject = Subject(.account, "1001")
        let id = try #require(try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: subject))
        _ = try database.snoozeAlert(id: id, SnoozeRequest(newCountry: true), actor: "rob", comment: nil)
        func asleep() throws -> Bool {
            let queued = try database.reviewQueue(.snoozed).entries.map(\.alert.id) == [id]
            let counted = try database.reviewCounts()[.snoozed] == 1
            #expect(queued == counted, "the queue and its count disagree")
            return queued
        }
        #expect(try asleep())
        // More calls, more money, the same country: still asleep.
        try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: subject, calls: 4)
        #expect(try database.alert(id: id)?.callCount == 4)
        #expect(try asleep())
        try AlertSeeds.store(
            database, rule: .velocity, severity: .high, subject: subject, calls: 5, number: "+252610000000",
            region: "SO")
        #expect(try database.alert(id: id)?.countryCount == 2)
        #expect(try !asleep())
        #expect(try database.reviewQueue(.open).entries.map(\.alert.id) == [id])
    }

    @Test func theQueueMarksTheAlertsNewSinceEachPersonsLastVisit() async throws {
        let database = try TollGuardDatabase.inMemory()
        let first = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001")))
        try await ConsoleTests.console(database).test(.router) { client in
            let rob = try await ConsoleTests.logIn(client, "rob")
            let vera = try await ConsoleTests.logIn(client, "vera")
            func newOnes(_ cookie: String) async throws -> [Int64] {
                let page = try await ConsoleTests.page(client, "/console", cookie)
                return page.components(separatedBy: "<tr ").dropFirst().filter { $0.contains("class=\"new-mark\"") }
                    .compactMap { row in
                        row.range(of: "data-alert=\"").flatMap { Int64(row[$0.upperBound...].prefix { $0 != "\"" }) }
                    }
            }
            #expect(try await newOnes(rob) == [first])  // a first visit: everything is new
            #expect(try await newOnes(rob).isEmpty)
            let second = try #require(
                try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1002")))
            #expect(try await newOnes(rob) == [second])
            #expect(try await newOnes(rob).isEmpty)
            // Each person has their own last visit.
            #expect(try await newOnes(vera).sorted() == [first, second].sorted())
        }
    }

    @Test func theSIPAttackersPageShowsEachAddressItsBansAndItsLinesAsText() async throws {
        let folder = try TemporaryDirectory()
        let banLog = folder.path("bans.log")
        try
            "2026-11-18T11:06:50Z tollguard ban ip=203.0.113.5 rule=sip_auth_failures count=3 seen=2026-11-18T11:06:42Z\n"
            .write(toFile: banLog, atomically: true, encoding: .utf8)
        let database = try TollGuardDatabase.inMemory()
        try AlertSeeds.storeSIPAttack(
            database, address: "203.0.113.5",
            lines: [
                "NOTICE: Registration from '<script>alert(3)</script>' failed for '203.0.113.5:5060' - Wrong password"
            ])
        try AlertSeeds.storeSIPAttack(
            database, address: "198.51.100.7", rule: .sipUserScan, lines: ["scan 1", "scan 2"])
        try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001"))
        var settings = ConsoleSettings()
        settings.banLog = { banLog }
        let hashing = PasswordHashing(cost: 4)
        try database.addUser(name: "vera", role: .viewer, passwordHash: hashing.hash(ConsoleTests.password), actor: "t")
        let routes = HTTPRoutes(
            health: { HealthStatus(healthy: true, reason: "ok") }, metrics: { "" },
            console: try ConsoleRoute(
                actions: ActionLayer(
                    database: database, configuration: TollGuardConfiguration(), logger: ConsoleTests.logger),
                settings: settings, passwords: hashing, logger: ConsoleTests.logger))
        try await buildApplication(
            HTTPServerSettings(host: "127.0.0.1", port: 0), routes: routes, logger: ConsoleTests.logger
        ).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "vera")
            let page = try await ConsoleTests.page(client, "/console/attackers", cookie)
            let rows = page.components(separatedBy: "<tr data-address=").dropFirst()
            #expect(rows.count == 2)
            let banned = try #require(rows.first { $0.hasPrefix("\"203.0.113.5\"") })
            #expect(banned.contains("yes (1)") && banned.contains("sip_auth_failures"))
            #expect(banned.contains("&lt;script&gt;alert(3)&lt;/script&gt;") && !page.contains("<script>alert(3)"))
            #expect(banned.contains("href=\"/console?tab=open&amp;subject=203.0.113.5\""))
            let scanner = try #require(rows.first { $0.hasPrefix("\"198.51.100.7\"") })
            #expect(scanner.contains("<td>no</td>"))
            // The latest line first, with its file and line number.
            let latest = try #require(scanner.range(of: "/var/log/asterisk/security:2: scan 2"))
            let earlier = try #require(scanner.range(of: "/var/log/asterisk/security:1: scan 1"))
            #expect(latest.lowerBound < earlier.lowerBound)
            let filtered = try await ConsoleTests.page(client, "/console/attackers?address=198.51", cookie)
            #expect(filtered.components(separatedBy: "<tr data-address=").count == 2)
        }
    }

    @Test func theLivePageShowsTheCallsUpPerAccountTheCostliestFirst() async throws {
        let now = AlertSeeds.start
        func call(
            _ uuid: String, _ account: String, cost: Int64, caller: String = "1001", switchName: String = "fs-west"
        ) -> LiveCallsSnapshot.Call {
            LiveCallsSnapshot.Call(
                uuid: uuid, account: account, callerNumber: caller, number: "+252610000000", region: "SO",
                sourceIP: "203.0.113.9", startedAt: now.addingTimeInterval(-600),
                answeredAt: now.addingTimeInterval(-590),
                ratePerMinuteMicros: 1_200_000, runningCostMicros: cost, switchName: switchName)
        }
        let snapshot = LiveCallsSnapshot(
            at: now,
            calls: [
                call("a1", "1001", cost: 1_000_000), call("b1", "2002", cost: 3_000_000),
                call("a2", "1001", cost: 2_500_000, caller: "<img src=x onerror=alert(5)>", switchName: "pbx-east"),
            ])
        let database = try TollGuardDatabase.inMemory()
        try database.addUser(
            name: "vera", role: .viewer, passwordHash: ConsoleTests.hashing.hash(ConsoleTests.password), actor: "t")
        func app(_ live: (@Sendable () -> LiveCallsSnapshot?)?) throws -> some ApplicationProtocol {
            var settings = ConsoleSettings()
            settings.liveCalls = live
            return try ConsoleTests.app(database, settings: settings)
        }
        try await app({ snapshot }).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "vera")
            let page = try await ConsoleTests.page(client, "/console/live", cookie)
            // 1001 has 3.50 running, 2002 has 3.00: 1001 first, its costlier call first.
            let first = try #require(page.range(of: "data-account=\"1001\""))
            let second = try #require(page.range(of: "data-account=\"2002\""))
            #expect(first.lowerBound < second.lowerBound)
            #expect(page.contains("3.50 USD"))
            let a2 = try #require(page.range(of: "data-call=\"a2\""))
            let a1 = try #require(page.range(of: "data-call=\"a1\""))
            #expect(a2.lowerBound < a1.lowerBound)
            #expect(page.contains("&lt;img src=x onerror=alert(5)&gt;") && !page.contains("<img src=x"))
            // Each call names the switch that carries it.
            let row = try #require(
                page.components(separatedBy: "data-call=\"a2\"").last?.components(separatedBy: "</tr>").first)
            #expect(row.contains("<td>pbx-east</td>"), "\(row)")
            let token = try ConsoleAPITests.token(database, "vera")
            try await client.execute(uri: "/api/v1/live", method: .get, headers: ConsoleAPITests.bearer(token)) {
                let calls = try #require(try ConsoleAPITests.json($0)["calls"] as? [[String: Any]])
                #expect(calls.compactMap { $0["uuid"] as? String } == ["b1", "a2", "a1"])
                #expect(calls.compactMap { $0["switch"] as? String } == ["fs-west", "pbx-east", "fs-west"])
            }
        }
        try await app(nil).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "vera")
            #expect(try await ConsoleTests.page(client, "/console/live", cookie).contains("has no live source"))
            let token = try ConsoleAPITests.token(database, "vera")
            try await client.execute(uri: "/api/v1/live", method: .get, headers: ConsoleAPITests.bearer(token)) {
                #expect($0.status == .notFound)
            }
        }
    }

    @Test func everyListExportsToCSVAsItsPageFiltersItAndTheJournalFiltersByWhoAndWhat() async throws {
        let database = try TollGuardDatabase.inMemory()
        let id = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001")))
        try AlertSeeds.storeCall(database, key: "k1", account: "1001", at: AlertSeeds.start, costMicros: 4_000_000)
        try AlertSeeds.storeSIPAttack(database, address: "203.0.113.5", lines: ["x"])
        try await ConsoleTests.console(database).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "rob")
            let token = try ConsoleTests.csrf(in: try await ConsoleTests.page(client, "/console/alerts/\(id)", cookie))
            try await client.execute(
                uri: "/console/alerts/\(id)", method: .post, headers: ConsoleTests.formHeaders + [.cookie: cookie],
                body: Self.form([("csrf", token), ("action", "comment"), ("comment", "=cmd|' /C calc'!A0")])
            ) { #expect($0.status == .seeOther) }
            try await client.execute(
                uri: "/console/suspensions", method: .post, headers: ConsoleTests.formHeaders + [.cookie: cookie],
                body: Self.form([
                    ("csrf", token), ("action", "suspend"), ("account", "1001"), ("reason", "night calls"),
                ])
            ) { #expect($0.status == .seeOther) }
            func csv(_ uri: String) async throws -> [Substring] {
                try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { response in
                    #expect(response.headers[.contentType] == "text/csv; charset=utf-8", "\(uri)")
                    return String(buffer: response.body).split(separator: "\r\n")
                }
            }
            let day = String(StoredTime.text(AlertSeeds.start).prefix(10))
            let accounts = try await csv("/console/accounts.csv?date=\(day)")
            #expect(accounts.first == "date,account,calls,spent,daily_quota,quota_from,currency")
            #expect(accounts.dropFirst().contains { $0.hasPrefix("\(day),1001,1,4.00,") })
            let suspensions = try await csv("/console/suspensions.csv")
            #expect(suspensions.count == 2 && suspensions.last?.contains(",1001,active,night calls,rob,") == true)
            let attackers = try await csv("/console/attackers.csv?address=203.0")
            #expect(attackers.count == 2 && attackers.last?.hasPrefix("203.0.113.5,sip_auth_failures,") == true)
            #expect(try await csv("/console/attackers.csv?address=10.").count == 1)
            // The journal, filtered to rob's alert changes: the comment, quoted out of formula reach.
            let page = try await ConsoleTests.page(client, "/console/journal?actor=rob&action=alert.", cookie)
            #expect(page.contains("alert.commented") && !page.contains("suspension.started"))
            #expect(page.contains("href=\"/console/journal.csv?actor=rob&amp;action=alert.\""))
            let journal = try await csv("/console/journal.csv?actor=rob&action=alert.")
            #expect(journal.count == 2)
            #expect(journal.last?.contains(",rob,alert.commented,alert,\(id),,,'=cmd|' /C calc'!A0") == true)
        }
        let exports = try database.journal(actionPrefix: "export.").map(\.action)
        #expect(Set(exports) == ["export.accounts", "export.suspensions", "export.attackers", "export.journal"])
    }
}
