import Foundation
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// Each analyzer with a positive and a negative case, driven by arrays of calls through the
/// standard engine (all twelve analyzers), so negatives also prove the rule stays quiet.
@Suite struct AnalyzerTests {
    @Test func velocityCountsAttemptsAndInternationalAttemptsInSlidingWindows() {
        var factory = CallFactory()
        let burst = (0..<12).map { factory.call(to: .national($0), at: Double($0) * 4, answered: false) }
        let national = AnalysisEngine.findings(burst).of(.velocity)
        #expect(national.first?.severity == .warning)
        #expect(national.first?.headline == "made 11 call attempts in 1 min (limit 10)")
        #expect(national.first?.metrics["limit_source"] == .text("analysis.account"))
        #expect(national.first?.calls.count == 11)

        let abroad = (0..<4).map { factory.call("1002", to: .international(), at: 3600 + Double($0) * 10, talk: 2) }
        let international = AnalysisEngine.findings(abroad).of(.velocityInternational)
        #expect(international.highestSeverity == .high)
        #expect(international.first?.metrics["window"] == .text("1 min"))

        let steady = (0..<40).map { factory.call("1003", to: .national($0), at: 7200 + Double($0) * 90, talk: 30) }
        let quiet = AnalysisEngine.findings(steady)
        #expect(quiet.of(.velocity).isEmpty)
        #expect(quiet.of(.velocityInternational).isEmpty)
    }

    @Test func concurrencyComesFromStartAndEndOverlap() {
        var factory = CallFactory()
        let overlapping = (0..<5).map { factory.call(to: .national($0), at: Double($0) * 10, talk: 600) }
        let found = AnalysisEngine.findings(overlapping).of(.concurrentCalls)
        #expect(found.first?.headline == "had 5 calls at once (limit 4)")
        #expect(found.first?.calls.count == 5)

        let abroad = (0..<3).map { factory.call("1002", to: .international(), at: Double($0) * 10, talk: 600) }
        #expect(AnalysisEngine.findings(abroad).of(.concurrentInternational).highestSeverity == .high)

        // Back to back: each call ends exactly when the next starts.
        let sequential = (0..<8).map { factory.call("1003", to: .national($0), at: Double($0) * 65, talk: 60) }
        let quiet = AnalysisEngine.findings(sequential)
        #expect(quiet.of(.concurrentCalls).isEmpty)
        #expect(quiet.of(.concurrentInternational).isEmpty)
    }

    @Test func dailyQuotaWarnsThenBreachesPerLocalDay() {
        var factory = CallFactory()
        // $1.50 a minute: 20 minutes = $30 per call against the default $50 quota.
        let calls = (0..<4).map { factory.call(to: .premium($0), at: 36_000 + Double($0) * 3600, talk: 1200) }
        var settings = AnalysisSettings()
        settings.account.allowedClasses = DestinationClass.allCases
        let quota = AnalysisEngine.findings(calls, settings: settings).of(.dailyQuota)
        #expect(quota.map(\.severity) == [.high, .high, .critical])
        #expect(quota.first?.windowKey == "2026-11-16")
        #expect(quota.first?.metrics["limit_source"] == .text("analysis.account"))

        // A quota from the quota table wins over the default: $100 leaves $60 quiet, then 80 % warns.
        let fromTable = AnalysisEngine.findings(
            Array(calls.prefix(2)), settings: settings, quotas: ["1001": 100_000_000])
        #expect(fromTable.of(.dailyQuota).isEmpty)
        let warned = AnalysisEngine.findings(Array(calls.prefix(3)), settings: settings, quotas: ["1001": 100_000_000])
            .of(.dailyQuota)
        #expect(warned.map(\.severity) == [.warning])
        #expect(warned.first?.metrics["limit_source"] == .text("quota table"))

        // $30 before and $30 after local midnight in Berlin are two days under quota, though one UTC day.
        let aroundMidnight = [
            factory.call("1002", to: .premium(1), at: 22 * 3600 + 600 - 3600, talk: 1200),
            factory.call("1002", to: .premium(2), at: 23 * 3600 + 300, talk: 1200),
        ]
        let berlin = AnalysisEngine.findings(aroundMidnight, settings: settings, timeZone: .named("Europe/Berlin"))
        #expect(berlin.of(.dailyQuota).isEmpty)
        let utc = AnalysisEngine.findings(aroundMidnight, settings: settings)
        #expect(utc.of(.dailyQuota).highestSeverity == .high)
    }

    /// A quota raised until midnight is the quota of its day only; the next day the standing one holds.
    @Test func aQuotaRaisedForADayHoldsThatDayOnly() {
        var factory = CallFactory()
        // $30 a call, four calls on 2026-11-16 and four on the 17th, against the default $50.
        let calls = (0..<8).map {
            factory.call(to: .premium($0 % 4), at: Double($0 / 4) * 86_400 + 36_000 + Double($0 % 4) * 3600, talk: 1200)
        }
        var settings = AnalysisSettings()
        settings.account.allowedClasses = DestinationClass.allCases
        let sixteenth = CivilTime.daysFromCivil(year: 2026, month: 11, day: 16)
        func findings(raisedTo micros: Int64) -> [Finding] {
            var engine = AnalysisEngine.standard(
                settings: settings, timeZone: .named("UTC"), raises: ["1001": [sixteenth: micros]])
            return engine.findings(replaying: calls).of(.dailyQuota)
        }
        // Raised to $200: the $120 of the 16th stays quiet; the 17th breaches the standing $50.
        let high = findings(raisedTo: 200_000_000)
        #expect(high.map(\.windowKey) == ["2026-11-17", "2026-11-17", "2026-11-17"])
        #expect(high.map(\.severity) == [.high, .high, .critical], "$60, $90, then $120 against $50")
        #expect(high.first?.metrics["limit_source"] == .text("analysis.account"))
        // Raised to $100: the 16th warns at $90 and breaches at $120, measured against the raise.
        let sixteenthFindings = findings(raisedTo: 100_000_000).filter { $0.windowKey == "2026-11-16" }
        #expect(sixteenthFindings.map(\.severity) == [.warning, .high])
        #expect(sixteenthFindings.first?.metrics["limit_value"] == .money(100_000_000))
        #expect(sixteenthFindings.first?.metrics["limit_source"] == .text("raised for the day"))
    }

    @Test func destinationClassesFollowEachAccountsPolicyAndHotspotsRaiseSeverity() throws {
        var factory = CallFactory()
        let premium = AnalysisEngine.findings([factory.call(to: .premium(), at: 0)])
        #expect(premium.of(.destinationClass).first?.severity == .high)
        #expect(premium.of(.destinationClass).first?.metrics["class"] == .text("premium"))

        let hotspot = AnalysisEngine.findings([factory.call(to: .premium(1, hotspot: true), at: 0)])
        #expect(hotspot.of(.destinationClass).first?.severity == .critical)

        // "International not allowed unless granted": the default denies it, one account is granted it.
        let loaded = try ConfigurationLoader.decode(
            """
            [analysis.account]
            allowed_classes = ["internal", "national", "mobile"]
            [analysis.accounts."1002"]
            allowed_classes = ["internal", "national", "mobile", "international"]
            """)
        let settings = loaded.configuration.analysis
        let denied = AnalysisEngine.findings([factory.call(to: .international(), at: 0)], settings: settings)
        #expect(
            denied.of(.destinationClass).first?.headline.contains("international destination it is not allowed") == true
        )
        let granted = AnalysisEngine.findings([factory.call("1002", to: .international(), at: 0)], settings: settings)
        #expect(granted.of(.destinationClass).isEmpty)

        // A hotspot alone alerts nothing: an allowed international call into one stays quiet.
        let allowedHotspot = AnalysisEngine.findings([
            factory.call(to: .international("+5372345678", region: "CU", hotspot: "53"), at: 0)
        ])
        #expect(allowedHotspot.of(.destinationClass).isEmpty)
        #expect(allowedHotspot.of(.premiumDestination).isEmpty)
    }

    @Test func knownFraudListsMatchDestinationsAndSourceIPs() {
        var factory = CallFactory()
        let (list, _) = FraudList.parse(name: "irsf", text: "+37190000007\n198.51.100.0/24\n", source: "test")
        let lists = FraudLists([list])
        let listed = AnalysisEngine.findings(
            [factory.call(to: .premium(7), at: 0), factory.call("1002", to: .national(), at: 60, ip: "198.51.100.23")],
            lists: lists)
        #expect(listed.of(.fraudListDestination).first?.severity == .critical)
        #expect(listed.of(.fraudListDestination).first?.subject == Subject(.account, "1001"))
        #expect(listed.of(.fraudListSourceIP).first?.subject == Subject(.ip, "198.51.100.23"))

        let unlisted = AnalysisEngine.findings(
            [factory.call(to: .premium(8), at: 0), factory.call("1002", to: .national(), at: 60, ip: "198.51.101.23")],
            lists: lists)
        #expect(unlisted.of(.fraudListDestination).isEmpty)
        #expect(unlisted.of(.fraudListSourceIP).isEmpty)
    }

    @Test func destinationRulesDenyPrefixesAndLongNumbers() throws {
        var factory = CallFactory()
        let settings = try ConfigurationLoader.decode(
            """
            [analysis.account]
            denied_prefixes = ["00", "+"]
            max_number_length = 16
            [analysis.accounts."1002"]
            allowed_prefixes = ["9"]
            """
        ).configuration.analysis
        let calls = [
            factory.call(to: .international(dialedPrefix: "00"), at: 0),
            factory.call(to: .invalid("9011442079460000123456"), at: 60),
            factory.call("1002", to: .international(dialedPrefix: "011"), at: 120),
        ]
        let broken = AnalysisEngine.findings(calls, settings: settings).of(.destinationRule)
        #expect(
            broken.map(\.headline) == [
                "dialled 00442079460000, denied prefix 00", "dialled 22 digits (limit 16)",
                "dialled 011442079460000, outside the allowed prefixes",
            ])
        #expect(broken.allSatisfy { $0.severity == .high })

        let compliant = [factory.call(to: .international(), at: 0), factory.call("1002", to: .national(), at: 60)]
        #expect(AnalysisEngine.findings(compliant, settings: settings).of(.destinationRule).isEmpty)
    }

    @Test func pumpingFindsOneNumberOrOneNarrowRangeCalledOverAndOver() {
        var factory = CallFactory()
        let sameNumber = (0..<9).map { factory.call(to: .premium(5), at: Double($0) * 300, talk: 30) }
        let pumped = AnalysisEngine.findings(sameNumber).of(.pumping)
        #expect(pumped.first?.headline == "called +37190000005 9 times in 1 h (limit 8)")
        #expect(pumped.first?.severity == .high)

        let range = (0..<11).map { factory.call("1002", to: .premium($0), at: Double($0) * 200, talk: 30) }
        #expect(
            AnalysisEngine.findings(range).of(.pumping).first?.headline
                == "called 11 numbers in range +371900000xx in 1 h (limit 10)")

        let spread =
            (0..<7).map { factory.call("1003", to: .premium(5), at: Double($0) * 500, talk: 30) }
            + (0..<9).map { factory.call("1004", to: .national($0 * 1000), at: Double($0) * 200) }
        #expect(AnalysisEngine.findings(spread).of(.pumping).isEmpty)
    }

    @Test func routeScanningIsFailedProbesWithVariedDialPrefixes() {
        var factory = CallFactory()
        let prefixes = ["9011", "00", "011", "+"]
        let probes = (0..<12).map { index in
            factory.call(
                to: .international("+53\(72_345_600 + index)", region: "CU", dialedPrefix: prefixes[index % 4]),
                at: Double(index) * 20, answered: false)
        }
        let scan = AnalysisEngine.findings(probes).of(.routeScan)
        #expect(scan.first?.severity == .high)
        #expect(scan.first?.metrics["prefixes"] == .list(["+53", "005", "011", "901"]))

        let unanswered = (0..<12).map { factory.call("1002", to: .national($0), at: Double($0) * 20, answered: false) }
        #expect(AnalysisEngine.findings(unanswered).of(.routeScan).isEmpty)
    }

    @Test func behaviourChangeIsMeasuredAgainstTheAccountsOwnHistory() {
        var factory = CallFactory()
        var history: [ObservedCall] = []
        for day in 0..<10 {
            for call in 0..<4 {
                let offset = Double(day) * 86_400 + 9 * 3600 + Double(call) * 3600
                history.append(factory.call(to: .international(), at: offset, talk: 300))
            }
        }
        // Day 10, 03:00: Cuba, never called, at an hour never active; then a day's spend far above the median.
        let night = (0..<3).map {
            factory.call(
                to: .international("+5372345678", region: "CU", rate: 1.2),
                at: 10 * 86_400 + 3 * 3600 + Double($0) * 900, talk: 600)
        }
        let findings = AnalysisEngine.findings(history + night)
        #expect(findings.of(.newCountry).count == 3)
        #expect(findings.of(.newCountry).first?.headline.hasPrefix("called CU (+5372345678)") == true)
        #expect(findings.of(.unusualHour).count == 3)
        #expect(findings.of(.spendSpike).highestSeverity == .high)
        #expect(findings.of(.spendSpike).first?.windowKey == "2026-11-26")

        // Without history the same night is no behaviour change.
        let fresh = AnalysisEngine.findings(night)
        #expect(fresh.of(.newCountry).isEmpty)
        #expect(fresh.of(.unusualHour).isEmpty)
        #expect(fresh.of(.spendSpike).isEmpty)
    }

    @Test func fraudScoreSumsTheRatesOfDestinationsCalled() {
        var factory = CallFactory()
        let expensive = (0..<4).map { factory.call(to: .premium($0 * 100), at: Double($0) * 60, talk: 30) }
        var settings = AnalysisSettings()
        settings.account.allowedClasses = DestinationClass.allCases
        let score = AnalysisEngine.findings(expensive, settings: settings).of(.fraudScore)
        #expect(score.first?.headline == "called destinations worth 6.00/min in 5 min (limit 5.00/min)")
        #expect(score.first?.severity == .high)

        let cheap = (0..<30).map { factory.call("1002", to: .international(), at: Double($0) * 100, talk: 30) }
        #expect(AnalysisEngine.findings(cheap, settings: settings).of(.fraudScore).isEmpty)
    }

    @Test func publicContextCallsToExternalDestinationsAreLeaks() {
        var factory = CallFactory()
        let leak = factory.call(
            "", to: .international("+5372345678", region: "CU"), at: 0, ip: "203.0.113.9", trunk: "carrier-in",
            context: "public")
        let found = AnalysisEngine.findings([leak]).of(.publicContext)
        #expect(found.map(\.severity) == [.high, .critical])
        #expect(found.first?.subject == Subject(.trunk, "carrier-in"))

        // An inbound call to a DID looks national: it is no leak, with or without own numbers configured.
        let inbound = factory.call("", to: .national(), at: 60, trunk: "carrier-in", context: "public")
        #expect(AnalysisEngine.findings([inbound]).of(.publicContext).isEmpty)
        var settings = AnalysisSettings()
        settings.ownNumberPrefixes = ["1202555"]
        #expect(AnalysisEngine.findings([inbound], settings: settings).of(.publicContext).isEmpty)
        // With the site's numbers named, a national destination outside them is a leak too.
        let outbound = factory.call("", to: .national(), at: 60, trunk: "carrier-in", context: "public")
        settings.ownNumberPrefixes = ["1312"]
        #expect(AnalysisEngine.findings([outbound], settings: settings).of(.publicContext).count == 2)
    }

    /// A call that came into a public context with no account of its own has its caller ID as
    /// account, and whoever placed it chose that: a forged "1004" is `caller 1004`, apart from
    /// extension 1004 — neither its spend, its quota nor its suspension.
    @Test func aCallerIDInAPublicContextIsNotTheAccountOfTheSameName() {
        var factory = CallFactory()
        var settings = AnalysisSettings()
        settings.account.allowedClasses = DestinationClass.allCases
        // $30 each ($1.50 a minute, 20 minutes) against the $50 default quota.
        let own = factory.call("1004", to: .premium(1), at: 36_000, talk: 1200, caller: "1004")
        let forged = (0..<2).map {
            factory.call(
                "1004", to: .premium(2 + $0), at: 36_000 + 3600 * Double(1 + $0), talk: 1200, trunk: "carrier-in",
                context: "public", caller: "1004")
        }
        // The quota table's $1,000 for extension 1004 is not the forged caller's either.
        let quota = AnalysisEngine.findings(
            [own] + forged, settings: settings, quotas: ["1004": 1_000_000_000]
        ).of(.dailyQuota)
        #expect(!quota.isEmpty)
        #expect(quota.allSatisfy { $0.subject == Subject(.caller, "1004") })
        #expect(quota.highestSeverity == .high)  // $60 of $50
        #expect(quota.first?.metrics["limit_source"] == .text("analysis.account"))
        #expect(
            !SuspensionPolicy().suspends(rule: "daily_quota", severity: .critical, subject: Subject(.caller, "1004")))
        #expect(
            SuspensionPolicy().suspends(rule: "daily_quota", severity: .critical, subject: Subject(.account, "1004")))

        // The same public context with an accountcode of its own, or the caller's number in an
        // internal context, is an account.
        let withAccountcode = factory.call(
            "carrier-acct", to: .premium(5), at: 0, trunk: "carrier-in", context: "public", caller: "1004")
        #expect(
            AnalysisEngine.findings([withAccountcode]).of(.destinationClass).first?.subject
                == Subject(.account, "carrier-acct"))
        let fromExtension = factory.call("1004", to: .premium(6), at: 0, caller: "1004")
        #expect(
            AnalysisEngine.findings([fromExtension]).of(.destinationClass).first?.subject == Subject(.account, "1004"))
    }

    @Test func longCallsAreJudgedByDestinationClass() {
        var factory = CallFactory()
        let long = AnalysisEngine.findings([factory.call(to: .international(), at: 0, talk: 150 * 60)]).of(.longCall)
        #expect(long.first?.severity == .warning)
        let veryLong = AnalysisEngine.findings([factory.call(to: .international(), at: 0, talk: 250 * 60)]).of(
            .longCall)
        #expect(veryLong.first?.severity == .high)
        let national = AnalysisEngine.findings([factory.call(to: .national(), at: 0, talk: 150 * 60)])
        #expect(national.of(.longCall).isEmpty)
    }

    /// An honest outbound call centre: 40 agents, 8 hours, 90 national calls an hour each, a third
    /// unanswered, to numbers from a call list, all through one trunk and one IP.
    ///
    /// Loud, but nothing at `high` or above —
    /// with the built-in limits, and silent once configured as a group.
    @Test func anHonestCallCentreRaisesNothingHigh() async throws {
        // 28,800 calls through the engine twice: off the cooperative pool, which other suites' network tests need.
        let (defaults, configured) = try await onOwnThread { try Self.callCentreFindings() }
        #expect(defaults.filter { $0.severity >= .high }.isEmpty)
        #expect(configured.isEmpty)
    }

    /// The call centre's findings with the built-in limits, and with its group configured.
    static func callCentreFindings() throws -> (defaults: [Finding], configured: [Finding]) {
        var factory = CallFactory()
        var random = SeededGenerator(seed: 7)
        var calls: [ObservedCall] = []
        for agent in 0..<40 {
            for index in 0..<(8 * 90) {
                let offset = 8 * 3600 + Double(index) * 40 + Double(agent)
                calls.append(
                    factory.call(
                        "20\(String(format: "%02d", agent))",
                        to: .national(Int.random(in: 0..<7_000_000, using: &random)),
                        at: offset,
                        talk: 25, answered: index % 3 != 0, ip: "10.20.0.5", trunk: "cc-gateway"))
            }
        }
        let defaults = AnalysisEngine.findings(calls)
        let settings = try ConfigurationLoader.decode(
            """
            [analysis.groups.callcentre]
            accounts = ["20*"]
            ips = ["10.20.0.0/16"]
            trunks = ["cc-gateway"]
            velocity_attempts_1m = 120
            velocity_attempts_10m = 1000
            velocity_attempts_1h = 6000
            velocity_answered_1m = 80
            velocity_answered_10m = 700
            velocity_answered_1h = 4000
            concurrent_calls = 60
            """
        ).configuration.analysis
        return (defaults, AnalysisEngine.findings(calls, settings: settings))
    }
}
