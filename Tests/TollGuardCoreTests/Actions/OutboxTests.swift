import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// The outbox keeps every delivery until it is delivered or given up, in order per hook and subject.
@Suite struct OutboxTests {
    static let hooks = [AlertSeeds.programHook("pbx")]
    static let settings = ActionSettings(hooks: hooks)

    @Test func aHookGetsAnAccountsUnsuspendOnlyAfterItsSuspend() async throws {
        let database = try TollGuardDatabase.inMemory()
        let now = AlertSeeds.start
        _ = try ActionDecider(database: database, settings: Self.settings).suspend(
            account: "1001", reason: "r", until: nil, actor: "a", now: now)
        _ = try ActionDecider(database: database, settings: Self.settings).unsuspend(
            account: "1001", comment: nil, actor: "a", now: now)
        _ = try ActionDecider(database: database, settings: Self.settings).suspend(
            account: "1002", reason: "r", until: nil, actor: "a", now: now)

        let claimed = try await database.claimDueDeliveries(now: now, lease: 60, limit: 10)
        #expect(claimed.map(\.eventType) == [.suspend, .suspend])
        #expect(claimed.map(\.subject.value) == ["1001", "1002"])
        // Claimed deliveries are leased: another process gets none of them.
        #expect(try await database.claimDueDeliveries(now: now, lease: 60, limit: 10).isEmpty)

        var delivery = HookDeliverySettings()
        delivery.retrySeconds = 30
        let failed = DeliveryAttempt(outcome: .failed, status: 1, duration: .milliseconds(5), error: "exited 1")
        try await database.record(failed, for: claimed[0], settings: delivery, now: now)
        try await database.record(
            DeliveryAttempt(outcome: .delivered, status: 0, duration: .milliseconds(5)), for: claimed[1],
            settings: delivery, now: now)
        // 1001's suspend waits for its retry; its unsuspend waits behind it.
        #expect(try await database.claimDueDeliveries(now: now.addingTimeInterval(10), lease: 60, limit: 10).isEmpty)
        let retried = try await database.claimDueDeliveries(now: now.addingTimeInterval(31), lease: 60, limit: 10)
        #expect(retried.map(\.eventType) == [.suspend])
        #expect(retried.first?.attempts == 1)
        try await database.record(
            DeliveryAttempt(outcome: .delivered, status: 0, duration: .milliseconds(5)), for: retried[0],
            settings: delivery, now: now.addingTimeInterval(31))
        let last = try await database.claimDueDeliveries(now: now.addingTimeInterval(31), lease: 60, limit: 10)
        #expect(last.map(\.eventType) == [.unsuspend])

        let entries = try database.outbox()
        #expect(entries.map(\.status) == [.delivered, .pending, .delivered])
        #expect(entries.first?.attempts == 2)
        #expect(entries.first?.lastStatus == 0)
    }

    @Test func failuresBackOffExponentiallyThenGiveUpAndRetryResends() async throws {
        var delivery = HookDeliverySettings()
        delivery.maxAttempts = 3
        delivery.retrySeconds = 10
        delivery.maxRetrySeconds = 25
        #expect([1, 2, 3, 4].map(delivery.backoff(afterAttempts:)) == [10, 20, 25, 25])

        let database = try TollGuardDatabase.inMemory()
        var now = AlertSeeds.start
        _ = try ActionDecider(database: database, settings: Self.settings).suspend(
            account: "1001", reason: "r", until: nil, actor: "a", now: now)
        let failure = DeliveryAttempt(outcome: .failed, status: nil, duration: .seconds(1), error: "refused")
        for wait in [0.0, 10, 20] {
            now = now.addingTimeInterval(wait)
            let claimed = try #require(try await database.claimDueDeliveries(now: now, lease: 60).first)
            try await database.record(failure, for: claimed, settings: delivery, now: now)
        }
        #expect(try database.outbox().map(\.status) == [.failed])
        #expect(try database.outbox().first?.lastError == "refused")
        #expect(try await database.claimDueDeliveries(now: now.addingTimeInterval(3600), lease: 60).isEmpty)
        #expect(try await database.outboxCounts() == [.failed: 1])

        #expect(try database.requeueDeliveries(now: now) == 1)
        #expect(try await database.claimDueDeliveries(now: now, lease: 60).count == 1)

        // A refusal for good is failed at once.
        _ = try ActionDecider(database: database, settings: Self.settings).suspend(
            account: "1002", reason: "r", until: nil, actor: "a", now: now)
        let claimed = try #require(try await database.claimDueDeliveries(now: now, lease: 60).first)
        try await database.record(
            DeliveryAttempt(outcome: .rejected, status: 404, duration: .zero, error: "HTTP 404"), for: claimed,
            settings: delivery, now: now)
        #expect(try database.outbox().last?.status == .failed)
    }

    @Test func eventsNoHookReceivesAreNotStored() async throws {
        let database = try TollGuardDatabase.inMemory()
        _ = try ActionDecider(
            database: database, settings: ActionSettings(hooks: [AlertSeeds.programHook("ops", events: [.alert])])
        ).suspend(account: "1001", reason: "r", until: nil, actor: "a")
        #expect(try database.outbox().isEmpty)
        #expect(try database.activeSuspension(account: "1001") != nil)
    }
}
