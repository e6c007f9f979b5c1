import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TollGuardCore
import TollGuardHTTP
import TollGuardHooks
import TollGuardTestSupport

/// Live updates: the store's alert changes since a mark, one watcher telling every open page,
/// and the event stream a page reads.
@Suite struct ConsoleUpdatesTests {
    @Test func theChangesSinceAMarkAreTheNewAlertsAndThoseChangedAfterIt() throws {
        let database = try TollGuardDatabase.inMemory()
        let old = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001")))
        let mark = try database.alertChangeMark()
        #expect(try database.alertsChanged(since: mark).0.isEmpty)
        let raised = try #require(
            try AlertSeeds.store(database, rule: .dailyQuota, severity: .warning, subject: Subject(.account, "1002")))
        let later = Date().addingTimeInterval(5)  // a later second than the alerts' own
        _ = try database.assignAlert(id: old, to: "rob", actor: "rob", now: later)
        let (changes, next) = try database.alertsChanged(since: mark)
        #expect(changes.map(\.alert.id).sorted() == [old, raised].sorted())
        #expect(changes.first { $0.alert.id == raised }?.isNew == true)
        #expect(changes.first { $0.alert.id == old }?.isNew == false)
        // Asked again from the new mark: nothing, though the last change is at the mark's second.
        #expect(try database.alertsChanged(since: next).0.isEmpty)
        _ = try database.assignAlert(id: raised, to: "rob", actor: "rob", now: later.addingTimeInterval(1))
        #expect(try database.alertsChanged(since: next).0.map(\.alert.id) == [raised])
    }

    /// An analysis writes thousands of alerts within one second; a person's change after it must
    /// still be seen (the benchmark's store of 11,889 alerts once hid every later change).
    @Test func aChangeAfterMoreAlertsThanOneAnswerHoldsInOneSecondIsSeen() throws {
        let database = try TollGuardDatabase.inMemory()
        var ids: [Int64] = []
        for index in 0..<250 {
            ids.append(
                try #require(
                    try AlertSeeds.store(
                        database, rule: .velocity, severity: .high, subject: Subject(.account, "\(1000 + index)"))))
        }
        let mark = try database.alertChangeMark()
        _ = try database.assignAlert(id: ids[7], to: "rob", actor: "rob", now: AlertSeeds.start.addingTimeInterval(5))
        #expect(try database.alertsChanged(since: mark, limit: 200).0.map(\.alert.id) == [ids[7]])
    }

    @Test func oneWatcherTellsEveryOpenPageAndEndsTheirStreamsWhenItStops() async throws {
        let database = try TollGuardDatabase.inMemory()
        let updates = ConsoleUpdates(
            database: database, interval: .milliseconds(20), heartbeat: .seconds(60), logger: ConsoleTests.logger)
        let pages = (0..<3).map { _ in updates.subscribe() }
        #expect(updates.listenerCount == 3)
        let watcher = Task { try await updates.run() }
        // The watcher takes its first look before the alert is raised.
        #expect(try await poll(upTo: 300) { updates.isWatching })
        let id = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .critical, subject: Subject(.account, "<b>x</b>"))
        )
        for page in pages {
            var iterator = page.makeAsyncIterator()
            guard case .update(let update) = await iterator.next() else {
                Issue.record("no update")
                continue
            }
            #expect(update.alerts.map(\.id) == [id])
            #expect(update.alerts.first?.isNew == true)
            #expect(update.counts["open"] == 1)
            #expect(update.eventText.hasPrefix("event: alerts\ndata: {"))
            #expect(update.eventText.hasSuffix("}\n\n") && !update.eventText.dropLast(2).contains("\n\n"))
        }
        watcher.cancel()
        _ = try? await watcher.value
        for page in pages {
            var rest = 0
            for await _ in page { rest += 1 }
            #expect(rest == 0)
        }
        #expect(updates.listenerCount == 0)
    }

    @Test func thePagesEventStreamCarriesTheUpdatesForASignedInUserOnly() async throws {
        let database = try TollGuardDatabase.inMemory()
        let hashing = PasswordHashing(cost: 4)
        try database.addUser(name: "vera", role: .viewer, passwordHash: hashing.hash(ConsoleTests.password), actor: "t")
        let updates = ConsoleUpdates(
            database: database, interval: .milliseconds(20), heartbeat: .seconds(60), logger: ConsoleTests.logger)
        let routes = HTTPRoutes(
            health: { HealthStatus(healthy: true, reason: "ok") }, metrics: { "" },
            console: try ConsoleRoute(
                actions: ActionLayer(
                    database: database, configuration: TollGuardConfiguration(), logger: ConsoleTests.logger),
                updates: updates, passwords: hashing, logger: ConsoleTests.logger))
        let application = buildApplication(
            HTTPServerSettings(host: "127.0.0.1", port: 0), routes: routes, logger: ConsoleTests.logger)
        let watcher = Task { try await updates.run() }
        try await application.test(.router) { client in
            try await client.execute(uri: "/console/events", method: .get) { #expect($0.status == .unauthorized) }
            let cookie = try await ConsoleTests.logIn(client, "vera")
            let page = try await ConsoleTests.page(client, "/console", cookie)
            #expect(page.contains("<script src=\"/console/console.js\" defer></script>"))
            #expect(page.contains("<meta name=\"tollguard-newest-alert\" content=\"0\">"))
            // Raised after the page was made, before its stream connected: the stream starts with it.
            let missed = try #require(
                try AlertSeeds.store(database, rule: .dailyQuota, severity: .warning, subject: Subject(.account, "7")))
            let stream = Task {
                try await client.execute(uri: "/console/events?since=0", method: .get, headers: [.cookie: cookie]) {
                    ($0.headers[.contentType], String(buffer: $0.body))
                }
            }
            #expect(try await poll(upTo: 300) { updates.listenerCount == 1 })
            #expect(try await poll(upTo: 300) { updates.isWatching })
            let id = try #require(
                try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001")))
            // The stream ends when the watcher stops: then its whole body can be read.
            #expect(try await poll(upTo: 300) { updates.newestAlertTold == id })
            watcher.cancel()
            let (type, body) = try await stream.value
            #expect(type == "text/event-stream; charset=utf-8")
            #expect(body.hasPrefix("retry: 5000\n"))
            #expect(body.contains("event: alerts\ndata: {\"alerts\":[{\"headline\":"))
            let missedAt = try #require(body.range(of: "\"id\":\(missed)"))
            let raisedAt = try #require(body.range(of: "\"id\":\(id)"))
            #expect(missedAt.lowerBound < raisedAt.lowerBound)
        }
        _ = try? await watcher.value
    }
}
