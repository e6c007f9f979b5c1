import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// The suspension policy acts on the right alerts only, once, in enforce and report-only mode.
@Suite struct SuspensionPolicyTests {
    static func settings(
        mode: SuspensionPolicy.Mode = .enforce, rules: [String: Severity], exempt: [String] = [],
        hooks: [HookSettings] = [AlertSeeds.programHook("pbx")]
    ) -> ActionSettings {
        var policy = SuspensionPolicy()
        policy.mode = mode
        policy.rules = rules
        policy.exempt = exempt
        return ActionSettings(policy: policy, hooks: hooks, currency: "USD")
    }

    static func events(_ database: TollGuardDatabase) throws -> [(hook: String, event: HookEvent)] {
        try database.outbox().map { entry in
            let payload = try database.hookEventPayload(id: entry.eventID)
            return (entry.hook, try HookEvent.decode(try #require(payload)))
        }
    }

    @Test func thePolicySuspendsOnTheRulesAndSeveritiesItNamesOnly() throws {
        let database = try TollGuardDatabase.inMemory()
        let quota = try AlertSeeds.store(
            database, rule: .dailyQuota, severity: .high, subject: Subject(.account, "1001"))
        try AlertSeeds.store(database, rule: .dailyQuota, severity: .warning, subject: Subject(.account, "1002"))
        try AlertSeeds.store(database, rule: .velocity, severity: .critical, subject: Subject(.account, "1003"))
        try AlertSeeds.store(
            database, rule: .fraudListSourceIP, severity: .critical, subject: Subject(.ip, "198.51.100.7"))
        try AlertSeeds.store(database, rule: .fraudListDestination, severity: .high, subject: Subject(.account, "9001"))
        let listed = try AlertSeeds.store(
            database, rule: .fraudListDestination, severity: .high, subject: Subject(.account, "1004"))

        let report = try ActionDecider(
            database: database,
            settings: Self.settings(
                rules: ["daily_quota": .high, "fraud_list_destination": .high, "fraud_list_ip": .high],
                exempt: ["9*"])
        ).actOnNewAlerts(now: AlertSeeds.start)

        #expect(report.alerts == 6)
        #expect(report.suspended.map(\.account) == ["1001", "1004"])
        let active = try database.suspensions()
        #expect(Set(active.map(\.account)) == ["1001", "1004"])
        #expect(active.first { $0.account == "1001" }?.alertIDs == [try #require(quota)])
        #expect(active.first { $0.account == "1004" }?.alertIDs == [try #require(listed)])
        #expect(active.allSatisfy { $0.actor == "policy" && $0.enforced && $0.until == nil })
        let events = try Self.events(database)
        #expect(events.map(\.event.type) == [.suspend, .suspend])
        let first = try #require(events.first?.event)
        #expect(first.account == "1001")
        #expect(first.mode == "enforce")
        #expect(first.severity == .high)
        #expect(first.alerts.map(\.rule) == ["daily_quota"])
        #expect(first.figures?.calls == 2)
        #expect(first.figures?.costMicros == 3_000_000)
        #expect(first.figures?.cost == "3.00")
        #expect(first.figures?.destinations == ["+37190000001"])
        #expect(first.figures?.countries == ["LV"])
        #expect(first.reason.hasPrefix("daily_quota high: 1001 tripped daily_quota"))
    }

    @Test func theDefaultPolicySuspendsAQuotaBreachAndAStarCoversUnnamedRules() throws {
        let database = try TollGuardDatabase.inMemory()
        try AlertSeeds.store(database, rule: .dailyQuota, severity: .high, subject: Subject(.account, "1001"))
        try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1002"))
        let defaults = ActionSettings(TollGuardConfiguration())
        #expect(
            try ActionDecider(database: database, settings: defaults).actOnNewAlerts().suspended.map(\.account) == [
                "1001"
            ])

        try AlertSeeds.store(
            database, rule: .velocity, severity: .critical, subject: Subject(.account, "1003"),
            at: AlertSeeds.start.addingTimeInterval(60))
        let star = try ActionDecider(database: database, settings: Self.settings(rules: ["*": .critical]))
            .actOnNewAlerts()
        #expect(star.suspended.map(\.account) == ["1003"])
    }

    @Test func reportOnlySuspendsNothingButTellsTheSuspendHooksItWould() throws {
        let database = try TollGuardDatabase.inMemory()
        try AlertSeeds.store(database, rule: .dailyQuota, severity: .critical, subject: Subject(.account, "1001"))
        let hooks = [
            AlertSeeds.programHook("blocker", events: [.suspend]),
            AlertSeeds.programHook("unblocker", events: [.unsuspend]),
        ]
        let report = try ActionDecider(
            database: database, settings: Self.settings(mode: .reportOnly, rules: ["daily_quota": .high], hooks: hooks)
        ).actOnNewAlerts()

        #expect(report.suspended.isEmpty)
        #expect(report.wouldSuspend.map(\.account) == ["1001"])
        #expect(try database.suspensions().isEmpty)
        #expect(try database.activeSuspension(account: "1001") == nil)
        let history = try database.suspensions(includeHistory: true)
        #expect(history.map(\.state) == ["report-only"])
        let events = try Self.events(database)
        #expect(events.map(\.hook) == ["blocker"])
        #expect(events.first?.event.type == .wouldSuspend)
        #expect(events.first?.event.mode == "report-only")
        #expect(events.first?.event.suspension?.enforced == false)

        let off = try TollGuardDatabase.inMemory()
        try AlertSeeds.store(off, rule: .dailyQuota, severity: .critical, subject: Subject(.account, "1001"))
        let nothing = try ActionDecider(
            database: off, settings: Self.settings(mode: .off, rules: ["daily_quota": .high], hooks: hooks)
        ).actOnNewAlerts()
        #expect(nothing.suspended.isEmpty && nothing.wouldSuspend.isEmpty)
        #expect(try off.outbox().isEmpty)
    }

    @Test func aSuspendedAccountIsNotSuspendedTwiceAndUnsuspendingRunsTheUnsuspendHooks() throws {
        let database = try TollGuardDatabase.inMemory()
        let settings = Self.settings(rules: ["daily_quota": .high])
        guard
            case .suspended(let made) = try ActionDecider(database: database, settings: settings).suspend(
                account: "1001", reason: "caller reported fraud", until: nil, actor: "alice")
        else {
            Issue.record("the first suspend did not suspend")
            return
        }
        #expect(made.actor == "alice")
        guard
            case .alreadySuspended(let same) = try ActionDecider(database: database, settings: settings).suspend(
                account: "1001", reason: "again", until: nil, actor: "bob")
        else {
            Issue.record("the second suspend suspended again")
            return
        }
        #expect(same.id == made.id)
        // A policy alert on the suspended account joins the suspension, no new event.
        let alert = try #require(
            try AlertSeeds.store(database, rule: .dailyQuota, severity: .high, subject: Subject(.account, "1001")))
        let report = try ActionDecider(database: database, settings: settings).actOnNewAlerts()
        #expect(report.suspended.isEmpty)
        #expect(report.joinedExisting == 1)
        #expect(try database.activeSuspension(account: "1001")?.alertIDs == [alert])
        #expect(try Self.events(database).map(\.event.type) == [.suspend])

        let lifted = try #require(
            try ActionDecider(database: database, settings: settings).unsuspend(
                account: "1001", comment: "new password set", actor: "alice"))
        #expect(lifted.state == "lifted")
        #expect(
            try ActionDecider(database: database, settings: settings).unsuspend(
                account: "1001", comment: nil, actor: "alice") == nil)
        let events = try Self.events(database).map(\.event)
        #expect(events.map(\.type) == [.suspend, .unsuspend])
        #expect(events.last?.reason == "new password set")
        #expect(events.last?.alerts.map(\.id) == [alert])
        #expect(try database.suspensions().isEmpty)
        #expect(try database.suspensions(includeHistory: true).count == 1)
    }

    @Test func anAlertIsActedOnOnceAndAgainOnlyWhenItEscalates() throws {
        let database = try TollGuardDatabase.inMemory()
        var settings = Self.settings(rules: ["velocity": .critical])
        var alertHook = AlertSeeds.programHook("ops", events: [.alert])
        alertHook.minSeverity = .warning
        settings.hooks.append(alertHook)
        let subject = Subject(.account, "1001")
        try AlertSeeds.store(database, rule: .velocity, severity: .warning, subject: subject)
        let first = try ActionDecider(database: database, settings: settings).actOnNewAlerts()
        #expect(first.deliveries[.alert] == 1)
        #expect(first.suspended.isEmpty)
        #expect(try ActionDecider(database: database, settings: settings).actOnNewAlerts().alerts == 0)

        // The same pattern continues at critical: the stored alert escalates.
        try AlertSeeds.store(
            database, rule: .velocity, severity: .critical, subject: subject,
            at: AlertSeeds.start.addingTimeInterval(120))
        #expect(try database.alerts().count == 1)
        let escalated = try ActionDecider(database: database, settings: settings).actOnNewAlerts()
        #expect(escalated.alerts == 1)
        #expect(escalated.deliveries[.alert] == 1)
        #expect(escalated.suspended.map(\.account) == ["1001"])
        #expect(try ActionDecider(database: database, settings: settings).actOnNewAlerts().alerts == 0)
    }

    @Test func aQuotaWarningGoesToItsSubscribersOnce() throws {
        let database = try TollGuardDatabase.inMemory()
        let settings = Self.settings(
            rules: ["daily_quota": .high], hooks: [AlertSeeds.programHook("mail", events: [.quotaWarning])])
        try AlertSeeds.store(database, rule: .dailyQuota, severity: .warning, subject: Subject(.account, "1001"))
        #expect(
            try ActionDecider(database: database, settings: settings).actOnNewAlerts().deliveries == [.quotaWarning: 1])
        let event = try #require(try Self.events(database).first?.event)
        #expect(event.type == .quotaWarning)
        #expect(event.account == "1001")
    }

    @Test func automaticSuspensionsExpireAndRunTheUnsuspendHooks() throws {
        let database = try TollGuardDatabase.inMemory()
        var settings = Self.settings(rules: ["daily_quota": .high])
        settings.policy.expireAfterHours = 1
        try AlertSeeds.store(database, rule: .dailyQuota, severity: .high, subject: Subject(.account, "1001"))
        let start = AlertSeeds.start
        let made = try #require(
            try ActionDecider(database: database, settings: settings).actOnNewAlerts(now: start).suspended.first)
        #expect(made.until == start.addingTimeInterval(3600))
        #expect(
            try ActionDecider(database: database, settings: settings).liftExpiredSuspensions(
                now: start.addingTimeInterval(1800)
            ).isEmpty)
        let expired = try ActionDecider(database: database, settings: settings).liftExpiredSuspensions(
            now: start.addingTimeInterval(3601))
        #expect(expired.map(\.state) == ["expired"])
        #expect(try database.activeSuspension(account: "1001") == nil)
        #expect(try Self.events(database).map(\.event.type) == [.suspend, .unsuspend])
        #expect(try Self.events(database).last?.event.actor == "expiry")
    }

    @Test func policySettingsAreValidated() throws {
        var policy = SuspensionPolicy()
        policy.rules = ["daily_quota": .high, "no_such_rule": .high, "*": .critical]
        policy.exempt = ["*"]
        policy.expireAfterHours = -1
        let errors = policy.validationErrors()
        #expect(errors.count == 3)
        #expect(errors.contains { $0.contains("\"no_such_rule\" is not a rule") })
        policy.exempt = ["10*", "2001"]
        #expect(policy.isExempt("1099") && policy.isExempt("2001") && !policy.isExempt("20011"))
    }
}
