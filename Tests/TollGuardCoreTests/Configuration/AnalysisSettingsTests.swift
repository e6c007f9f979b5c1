import Foundation
import Testing
import TollGuardCore

/// Every threshold has a default, can be set per subject kind, per group and per account, and
/// says where its value came from.
@Suite struct AnalysisSettingsTests {
    @Test func limitsResolveFromDefaultsKindGroupsAccountAndQuotaTable() throws {
        let loaded = try ConfigurationLoader.decode(
            """
            [analysis]
            history_days = 21
            [analysis.account]
            velocity_attempts_1m = 12
            daily_quota = 40
            [analysis.trunk]
            concurrent_calls = 90
            [analysis.groups.callcentre]
            accounts = ["2001", "21*"]
            trunks = ["cc-gw"]
            velocity_attempts_1m = 100
            concurrent_calls = 30
            [analysis.accounts."2001"]
            velocity_attempts_1m = 150
            allowed_classes = ["internal", "national"]
            """)
        #expect(loaded.unknownKeys.isEmpty)
        let settings = loaded.configuration.analysis
        #expect(settings.validationErrors().isEmpty)
        #expect(settings.historyDays == 21)
        var resolver = PolicyResolver(settings: settings, quotas: ["2150": 5_000_000])

        let plain = resolver.policy(for: Subject(.account, "1001"))
        #expect(plain[.velocityAttempts1m] == 12)
        #expect(plain.origin(of: .velocityAttempts1m) == "analysis.account")
        #expect(plain[.velocityAttempts10m] == 40)
        #expect(plain[.dailyQuota] == 40)
        #expect(plain.allowedClasses == [.internal, .national, .mobile, .international])

        let agent = resolver.policy(for: Subject(.account, "2150"))
        #expect(agent.groups == ["callcentre"])
        #expect(agent[.velocityAttempts1m] == 100)
        #expect(agent.origin(of: .velocityAttempts1m) == "group callcentre")
        #expect(agent[.dailyQuota] == 5)
        #expect(agent.origin(of: .dailyQuota) == "quota table")

        let own = resolver.policy(for: Subject(.account, "2001"))
        #expect(own[.velocityAttempts1m] == 150)
        #expect(own.origin(of: .velocityAttempts1m) == "account 2001")
        #expect(own[.concurrentCalls] == 30)
        #expect(own.allowedClasses == [.internal, .national])

        let trunk = resolver.policy(for: Subject(.trunk, "other-gw"))
        #expect(trunk[.concurrentCalls] == 90)
        #expect(trunk[.velocityAttempts1m] == 60)
        #expect(resolver.policy(for: Subject(.trunk, "cc-gw"))[.concurrentCalls] == 30)
    }

    @Test func aMistypedLimitIsAnErrorNamingIt() {
        #expect {
            try ConfigurationLoader.decode("[analysis.account]\nvelocity_atempts_1m = 5\n")
        } throws: { error in
            "\(error)".contains("velocity_atempts_1m") && "\(error)".contains("not an analysis setting")
        }
        var settings = AnalysisSettings()
        settings.disabledRules = ["velocity", "speed"]
        settings.accounts["1001"] = AnalysisProfile()
        settings.accounts["1001"]?.ips = ["10.0.0.1"]
        settings.groups["bad"] = AnalysisProfile(limits: [.concurrentCalls: -1])
        settings.groups["bad"]?.ips = ["10.0.0.300"]
        let errors = settings.validationErrors()
        #expect(errors.contains { $0.hasPrefix("analysis.disabled_rules: \"speed\" is not a rule") })
        #expect(
            errors.contains { $0.hasPrefix("analysis.accounts.\"1001\": accounts, ips and trunks list the members") })
        #expect(errors.contains("analysis.groups.bad.concurrent_calls must be a number of zero or more"))
        #expect(errors.contains("analysis.groups.bad.ips: \"10.0.0.300\" is not an IP address or CIDR range"))
    }

    @Test func theDumpedConfigurationReadsBackTheSame() throws {
        let loaded = try ConfigurationLoader.decode(
            """
            [analysis.groups.callcentre]
            accounts = ["20*"]
            velocity_attempts_1h = 4000
            [analysis.accounts."1001"]
            daily_quota = 12.5
            """)
        let dumped = try ConfigurationLoader.dump(loaded.configuration)
        #expect(dumped.contains("velocity_attempts_1m = 10"))
        let reread = try ConfigurationLoader.decode(dumped)
        #expect(reread.configuration == loaded.configuration)
        #expect(reread.unknownKeys.isEmpty)
    }
}
