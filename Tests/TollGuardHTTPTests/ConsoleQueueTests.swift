import Foundation
import Hummingbird
import HummingbirdTesting
import Mustache
import Testing
import TollGuardCore
import TollGuardTestSupport

@testable import TollGuardHTTP

/// The queue of a busy night: more alerts than one page holds, and tab counts that agree with
/// the tabs.
@Suite struct ConsoleQueueTests {
    /// `count` alerts on accounts `q0`…, each costing a different amount; the first `spenders`
    /// accounts also spent on the day, against a quota.
    static func busyNight(_ count: Int, spenders: Int = 0) throws -> (TollGuardDatabase, [Int64]) {
        let database = try TollGuardDatabase.inMemory()
        var ids: [Int64] = []
        for index in 0..<count {
            let account = "q\(index)"
            ids.append(
                try #require(
                    try AlertSeeds.store(
                        database, rule: .velocity, severity: index % 3 == 0 ? .critical : .high,
                        subject: Subject(.account, account), at: AlertSeeds.start.addingTimeInterval(Double(index)),
                        costMicros: Int64((index * 7_919) % 997) * 1_000)))
            if index < spenders {
                try database.setQuota(account: account, dailyMicros: 50_000_000, currency: "USD", setBy: "test")
                _ = try AlertSeeds.storeCall(
                    database, key: "spend-\(index)", account: account, at: AlertSeeds.start,
                    costMicros: Int64(index + 1) * 9_000_000)
            }
        }
        return (database, ids)
    }

    @Test func theQueueIsInMoneyAtRiskOrderAcrossItsPages() throws {
        let (database, ids) = try Self.busyNight(230, spenders: 8)
        let whole = try database.reviewQueue(.open)
        #expect(Set(whole.ids) == Set(ids))
        #expect(whole.entries.map(\.alert.id) == whole.ids)
        for (earlier, later) in zip(whole.entries, whole.entries.dropFirst()) {
            let keys = [earlier, later].map { ($0.quotaFraction ?? -1, $0.atRiskMicros, $0.alert.severity) }
            #expect(
                keys[0].0 > keys[1].0
                    || (keys[0].0 == keys[1].0
                        && (keys[0].1 > keys[1].1 || (keys[0].1 == keys[1].1 && keys[0].2 >= keys[1].2))),
                "\(earlier.alert.id) before \(later.alert.id)")
        }
        // The accounts past or nearest their quotas lead: 8 spent 72 of 50, 7 spent 63 of 50 ….
        #expect(whole.entries.prefix(8).map(\.alert.subject.value) == (0..<8).reversed().map { "q\($0)" })
        #expect(whole.entries[0].daySpendMicros == 72_000_000)
        var paged: [Int64] = []
        for offset in stride(from: 0, to: 230, by: 100) {
            let page = try database.reviewQueue(.open, offset: offset, limit: 100)
            #expect(page.total == 230)
            #expect(page.offset == offset)
            #expect(page.entries == Array(whole.entries[offset..<min(230, offset + 100)]))
            paged += page.entries.map(\.alert.id)
        }
        #expect(paged == whole.ids)
        #expect(try database.reviewQueue(.open, offset: 500, limit: 100).entries.isEmpty)
    }

    @Test func theQueuePageLinksToTheNextAndKeepsItsNewMarks() async throws {
        let (database, _) = try Self.busyNight(230)
        let order = try database.reviewQueue(.open).ids
        let size = ReviewQueue.pageSize
        try await ConsoleTests.console(database).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "rob")
            var address: String? = "/console?severity=high"
            var shown: [Int64] = []
            var pages: [String] = []
            while let next = address {
                let page = try await ConsoleTests.page(client, next, cookie)
                #expect(next == "/console?severity=high" || next.contains("severity=high"), "the filter stays")
                #expect(page.contains("Alerts \(shown.count + 1)–\(min(230, shown.count + size)) of 230"))
                #expect(page.contains("new since your last visit"), "every page of the visit marks what is new")
                shown += order.filter { page.contains("data-alert=\"\($0)\"") }
                pages.append(page)
                address = Self.link(rel: "next", in: page)
            }
            #expect(pages.count == (230 + size - 1) / size)
            #expect(shown == order, "each alert on one page, in queue order")
            #expect(pages[0].contains("id=\"new-count\">230<"))
            #expect(pages[0].contains("all 230 alerts of this tab and filter"))
            #expect(Self.link(rel: "prev", in: pages[0]) == nil)
            #expect(Self.link(rel: "prev", in: try #require(pages.last))?.contains("page=\(pages.count - 1)") == true)
            // A later visit has nothing new.
            #expect(!(try await ConsoleTests.page(client, "/console", cookie)).contains("new since your last visit"))
        }
    }

    @Test func theAPIPagesTheQueueAsThePageDoes() async throws {
        let (database, _) = try Self.busyNight(230)
        let order = try database.reviewQueue(.open).ids
        try await ConsoleTests.console(database).test(.router) { client in
            let token = try ConsoleAPITests.token(database, "rob")
            let size = ReviewQueue.pageSize
            let headers = ConsoleAPITests.bearer(token)
            try await client.execute(uri: "/api/v1/alerts?page=2", method: .get, headers: headers) {
                let object = try ConsoleAPITests.json($0)
                #expect(object["total"] as? Int == 230)
                #expect(object["count"] as? Int == size)
                #expect(object["page"] as? Int == 2)
                #expect(object["page_size"] as? Int == size)
                let alerts = try #require(object["alerts"] as? [[String: Any]])
                let ids = alerts.compactMap { ($0["alert"] as? [String: Any])?["id"] as? Int }.map(Int64.init)
                #expect(ids == Array(order[size..<(2 * size)]))
            }
        }
    }

    /// "Everything the filter shows" is every alert of the filter, not the page's.
    @Test func aChangeOnTheWholeFilterReachesAlertsBeyondThePage() async throws {
        let (database, ids) = try Self.busyNight(150)
        try await ConsoleTests.console(database).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "rob")
            let token = try ConsoleTests.csrf(in: try await ConsoleTests.page(client, "/console", cookie))
            try await client.execute(
                uri: "/console/alerts", method: .post, headers: ConsoleTests.formHeaders + [.cookie: cookie],
                body: ConsoleTests.form(["csrf": token, "scope": "filter", "tab": "open", "action": "acknowledge"])
            ) { #expect($0.status == .seeOther) }
        }
        let states = try ids.map { try #require(try database.alert(id: $0)).state }
        #expect(states.allSatisfy { $0 == .acknowledged }, "\(states.filter { $0 != .acknowledged }.count) left open")
    }

    /// The header's counts come from indexes; the tabs from the queue; the snooze from Swift's
    /// `isSnoozed` — three ways that must agree.
    @Test func theTabCountsAgreeWithTheTabsAndWithTheSnoozeRule() throws {
        let (database, ids) = try Self.busyNight(40)
        let now = AlertSeeds.start.addingTimeInterval(600)
        for (index, id) in ids.enumerated() {
            switch index % 8 {
            case 1:
                _ = try database.setAlertState(id: id, to: .acknowledged, actor: "rob", comment: nil, suppressFor: 0)
            case 2: _ = try database.setAlertState(id: id, to: .resolved, actor: "rob", comment: nil, suppressFor: 0)
            case 3:
                _ = try database.setAlertState(id: id, to: .falsePositive, actor: "rob", comment: nil, suppressFor: 0)
            case 4:
                _ = try database.snoozeAlert(
                    id: id, SnoozeRequest(until: now.addingTimeInterval(3_600)), actor: "rob", comment: nil, now: now)
            case 5: _ = try database.snoozeAlert(id: id, .untilWorse, actor: "rob", comment: nil, now: now)
            case 6:
                _ = try database.snoozeAlert(
                    id: id, SnoozeRequest(until: now.addingTimeInterval(-60)), actor: "rob", comment: nil, now: now)
            default: break
            }
            if index % 5 == 0 {
                _ = try database.assignAlert(id: id, to: index % 10 == 0 ? "rob" : "ann", actor: "rob")
            }
            if index % 8 == 1 && index % 3 == 0 {
                _ = try database.snoozeAlert(id: id, .untilWorse, actor: "rob", comment: nil, now: now)
            }
        }
        let alerts = try database.alerts(AlertFilter())
        for at in [now, now.addingTimeInterval(7_200)] {
            let counts = try database.reviewCounts(user: "rob", now: at)
            for tab in ReviewTab.allCases {
                let expected = alerts.filter { alert in
                    guard tab.states.contains(alert.state) else { return false }
                    switch tab {
                    case .closed: return true
                    case .snoozed: return alert.isSnoozed(at: at)
                    case .mine: return alert.assignee == "rob" && !alert.isSnoozed(at: at)
                    case .open, .acknowledged: return !alert.isSnoozed(at: at)
                    }
                }
                #expect(counts[tab] ?? 0 == expected.count, "\(tab) at \(at)")
                #expect(
                    Set(try database.reviewQueue(tab, user: "rob", now: at).ids) == Set(expected.map(\.id)), "\(tab)")
            }
            #expect((counts[.snoozed] ?? 0) > 0 && (counts[.mine] ?? 0) > 0 && (counts[.closed] ?? 0) > 0)
        }
    }

    /// The pages render from dictionaries made once (`TemplateContext`), not by swift-mustache's
    /// own reflection; what they render must not change.
    @Test func aFlattenedPageRendersAsTheStructItself() throws {
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all { library.register(try MustacheTemplate(string: text), named: name) }
        let pages = try ConsolePages()
        for mayTriage in [true, false] {
            let rows = (0..<3).map { (index: Int) -> ConsolePages.QueueRow in
                let stateBy: String? = index == 2 ? "rob" : nil
                let assignee: String? = index == 0 ? "ann" : nil
                return ConsolePages.QueueRow(
                    id: Int64(index), severity: "high", subject: "account <b>\(index)</b>", headline: "h\(index)",
                    rule: "velocity", atRisk: "1.00 USD", quota: index != 1, quotaText: "1 of 2", quotaClass: "warn",
                    quotaPercent: 50, lastSeen: "2026-12-03 10:00", state: "open", stateBy: stateBy,
                    assignee: assignee, snooze: nil, isNew: index == 0)
            }
            var header = PageHeader(title: "Open alerts", signedIn: true, userName: "rob", csrf: "token")
            header.openCount = 3
            let page = ConsolePages.QueuePage(
                header: header, heading: "Open alerts", entries: rows, hasEntries: true, count: 230, newCount: 1,
                hasNew: true, tab: "open", rules: [Option(value: "velocity", label: "velocity", selected: true)],
                severities: [Option(value: "high", label: "high and above")], subject: "", filtered: true,
                here: "/console?tab=open", csvLink: "/console/alerts.csv?tab=open", mayTriage: mayTriage,
                csrf: "token", dispositions: ConsolePages.dispositions(), reasons: ConsolePages.reasons(),
                paging: ConsolePages.Paging(first: 1, last: 100, total: 230, previous: nil, next: "/console?page=2"))
            let mirrored = try #require(library.render(page, withTemplate: "queue"))
            #expect(pages.render(page, "queue") == mirrored)
            #expect(mirrored.contains("rel=\"next\"") && !mirrored.contains("rel=\"prev\""))
        }
    }

    /// The address of the page link `rel` (`next`, `prev`), unescaped.
    static func link(rel: String, in page: String) -> String? {
        guard let start = page.range(of: "rel=\"\(rel)\" href=\""),
            let end = page[start.upperBound...].firstIndex(of: "\"")
        else { return nil }
        return String(page[start.upperBound..<end]).replacingOccurrences(of: "&amp;", with: "&")
    }
}
