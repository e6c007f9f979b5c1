import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TollGuardCore
import TollGuardHTTP
import TollGuardHooks
import TollGuardTestSupport

/// The case file's wider view: the account's 30 days of spend against its quota, where its calls
/// went, the alerts about the addresses it called from and about the same number ranges, and its
/// calls up now.
@Suite struct ConsoleCaseFileTests {
    static let day: TimeInterval = 86_400
    /// The alert's day, 12:00 UTC.
    static let alertTime = AlertSeeds.start

    /// Account 1001 (quota 20 USD) spent 25 two days before the alert, 5 the day before and 30 on
    /// its day (the alert's call), from 198.51.100.9, which the SIP watcher also caught; 2002 called the same
    /// thousand numbers, 3003 the next thousand.
    static func seed(_ database: TollGuardDatabase) throws -> (alert: Int64, sip: Int64, neighbour: Int64, other: Int64)
    {
        try database.setQuota(account: "1001", dailyMicros: 20_000_000, currency: "USD", setBy: "test")
        let rowIDs = try [(2.0, Int64(25_000_000)), (1, 5_000_000), (0, 30_000_000)].enumerated().map {
            index, spent in
            try AlertSeeds.storeCall(
                database, key: "c\(index)", account: "1001", at: alertTime.addingTimeInterval(-spent.0 * day),
                costMicros: spent.1, sourceIP: "198.51.100.9")
        }
        // Another account's call from another address in the same hours: not 1001's.
        try AlertSeeds.storeCall(
            database, key: "x", account: "2002", at: alertTime, costMicros: 99_000_000, sourceIP: "203.0.113.50")
        let alert = try #require(
            try AlertSeeds.store(
                database, rule: .destinationClass, severity: .high, subject: Subject(.account, "1001"),
                at: alertTime, number: "+88213520123", region: "XS", costMicros: 4_000_000,
                callRowIDs: [rowIDs[2]]))
        let sip = try #require(
            try AlertSeeds.storeSIPAttack(
                database, address: "198.51.100.9", lines: ["NOTICE: failed for '198.51.100.9:5060' - Wrong password"]))
        let neighbour = try #require(
            try AlertSeeds.store(
                database, rule: .destinationClass, severity: .warning, subject: Subject(.account, "2002"),
                at: alertTime, number: "+88213520999", region: "XS"))
        let other = try #require(
            try AlertSeeds.store(
                database, rule: .destinationClass, severity: .warning, subject: Subject(.account, "3003"),
                at: alertTime, number: "+88213521000", region: "XS"))
        return (alert, sip, neighbour, other)
    }

    static func app(_ database: TollGuardDatabase, live: LiveCallsSnapshot?) throws -> some ApplicationProtocol {
        try database.addUser(
            name: "vera", role: .viewer, passwordHash: ConsoleTests.hashing.hash(ConsoleTests.password), actor: "t")
        var settings = ConsoleSettings()
        if let live { settings.liveCalls = { live } }
        return try ConsoleTests.app(database, settings: settings)
    }

    static func liveCall(_ uuid: String, account: String) -> LiveCallsSnapshot.Call {
        LiveCallsSnapshot.Call(
            uuid: uuid, account: account, callerNumber: account, number: "+88213520555", region: "XS",
            sourceIP: "198.51.100.9", startedAt: alertTime, answeredAt: alertTime, ratePerMinuteMicros: 2_000_000,
            runningCostMicros: 6_000_000)
    }

    static func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    /// A long case file lists the latest calls and links to all of them.
    @Test func theCaseFileListsTheLatestCallsAndLinksToAll() async throws {
        let database = try TollGuardDatabase.inMemory()
        let id = try #require(
            try AlertSeeds.store(
                database, rule: .velocity, severity: .high, subject: Subject(.account, "1001"), calls: 40))
        let shown = ConsoleRoute.callsShown
        try await Self.app(database, live: nil).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "vera")
            let page = try await ConsoleTests.page(client, "/console/alerts/\(id)", cookie)
            let calls = try Self.callsTable(page)
            #expect(Self.occurrences(of: "<tr><td>", in: calls) == shown)
            // The latest: the last call (second 39) is listed, the first (second 0) is not.
            #expect(calls.contains(StoredTime.text(AlertSeeds.start.addingTimeInterval(39))))
            #expect(!calls.contains(StoredTime.text(AlertSeeds.start)))
            #expect(page.contains("The latest \(shown) of 40 calls"))
            let all = try Self.callsTable(
                try await ConsoleTests.page(client, "/console/alerts/\(id)?calls=all", cookie))
            #expect(Self.occurrences(of: "<tr><td>", in: all) == 40)
        }
    }

    /// A day whose quota was raised is over only past the raise; the line stays the standing quota.
    @Test func theChartMeasuresARaisedDayAgainstItsRaise() async throws {
        let database = try TollGuardDatabase.inMemory()
        let ids = try Self.seed(database)
        var clock = LocalClock(timeZone: .gmt)
        let twoDaysBefore = LocalClock.dayText(clock.local(Self.alertTime.timeIntervalSince1970 - 2 * Self.day).day)
        try database.raiseQuota(
            QuotaRaise(
                account: "1001", day: twoDaysBefore, dailyMicros: 40_000_000, currency: "USD",
                reason: "conference", setBy: "ada", setAt: Self.alertTime),
            analysis: AnalysisSettings())
        try await Self.app(database, live: nil).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "vera")
            let page = try await ConsoleTests.page(client, "/console/alerts/\(ids.alert)", cookie)
            #expect(Self.occurrences(of: "class=\"day-bar over\"", in: page) == 1, "25 USD is under the raise to 40")
            #expect(page.contains("25.00 USD in 1 calls, quota raised to 40.00 USD"))
            #expect(page.contains("quota 20.00 USD"))
        }
    }

    @Test func theCaseFileChartsThirtyDaysAgainstTheQuotaAndLinksWhatIsRelated() async throws {
        let database = try TollGuardDatabase.inMemory()
        let ids = try Self.seed(database)
        let live = LiveCallsSnapshot(
            at: Self.alertTime,
            calls: [Self.liveCall("up-1001", account: "1001"), Self.liveCall("up-2002", account: "2002")])
        try await Self.app(database, live: live).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "vera")
            let page = try await ConsoleTests.page(client, "/console/alerts/\(ids.alert)", cookie)
            // Thirty days, two of them past the 20 USD quota (25 and 30), each with its figure.
            #expect(Self.occurrences(of: "class=\"day-bar", in: page) == 30)
            #expect(Self.occurrences(of: "class=\"day-bar over\"", in: page) == 2)
            #expect(page.contains("class=\"quota-line\""))
            #expect(page.contains("25.00 USD in 1 calls"))
            #expect(page.contains("passed on 2 of them"))
            #expect(page.contains("60.00 USD over 30 days"))
            // Where the calls went.
            #expect(page.contains("<td>XS</td>"))
            // The address 1001 called from, and the SIP watcher's alert on it; not 2002's address.
            let addresses = try #require(page.range(of: "id=\"addresses\""))
            #expect(page[addresses.upperBound...].contains("198.51.100.9"))
            #expect(!page.contains("203.0.113.50"))
            let addressAlerts = try Self.section(page, "address-alerts")
            #expect(addressAlerts.contains("/console/alerts/\(ids.sip)\""))
            // The same thousand numbers: 2002's alert, not 3003's next range.
            let ranges = try Self.section(page, "range-alerts")
            #expect(ranges.contains("+88213520xxx"))
            #expect(ranges.contains("/console/alerts/\(ids.neighbour)\""))
            #expect(!ranges.contains("/console/alerts/\(ids.other)\""))
            // 1001's call up now, not 2002's.
            #expect(page.contains("data-call=\"up-1001\""))
            #expect(!page.contains("data-call=\"up-2002\""))

            try await client.execute(
                uri: "/api/v1/alerts/\(ids.alert)", method: .get, headers: [.cookie: cookie]
            ) { response in
                #expect(response.status == .ok)
                let body = Data(String(buffer: response.body).utf8)
                let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
                let spend = try #require(json["daily_spend"] as? [[String: Any]])
                #expect(spend.count == 30)
                #expect(spend.last?["spent_micros"] as? Int == 30_000_000)
                #expect(json["daily_quota_micros"] as? Int == 20_000_000)
                #expect(json["source_addresses"] as? [String] == ["198.51.100.9"])
                let rangeAlerts = try #require(json["range_alerts"] as? [[String: Any]])
                #expect(
                    rangeAlerts.compactMap { ($0["alert"] as? [String: Any])?["id"] as? Int } == [Int(ids.neighbour)])
            }
        }
    }

    /// Without live sources the case file says nothing of live calls, and a subject that is no
    /// account has no spend chart.
    @Test func anAddressAlertHasNoChartAndNoLiveCalls() async throws {
        let database = try TollGuardDatabase.inMemory()
        let ids = try Self.seed(database)
        try await Self.app(database, live: nil).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "vera")
            let page = try await ConsoleTests.page(client, "/console/alerts/\(ids.sip)", cookie)
            #expect(!page.contains("spend-chart"))
            #expect(!page.contains("Calls up now"))
            let account = try await ConsoleTests.page(client, "/console/alerts/\(ids.alert)", cookie)
            #expect(account.contains("spend-chart"))
            #expect(!account.contains("Calls up now"))
        }
    }

    /// The evidence calls' table.
    static func callsTable(_ page: String) throws -> String {
        let start = try #require(page.range(of: "<table class=\"calls\">"))
        let end = try #require(page.range(of: "</table>", range: start.upperBound..<page.endIndex))
        return String(page[start.upperBound..<end.lowerBound])
    }

    /// The text of the element with `id` up to its end tag.
    static func section(_ page: String, _ id: String) throws -> Substring {
        let start = try #require(page.range(of: "id=\"\(id)\""))
        let end = try #require(page.range(of: "</ul>", range: start.upperBound..<page.endIndex))
        return page[start.upperBound..<end.lowerBound]
    }
}
