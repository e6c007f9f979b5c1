import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// Slow drip: a few calls an hour to several unusual high-risk countries, under every other
/// limit, is `high` the same afternoon; a traveller's new countries, a callback to a missed call
/// and a call centre's dialling are not.
@Suite struct SlowDripAnalyzerTests {
    static let day = 86_400.0

    /// Caribbean and hotspot destinations the site never calls, one number each.
    static func drip(_ index: Int) -> TestDestination {
        switch index % 4 {
        case 0: .caribbean("1876555" + String(format: "%04d", index), region: "JM")
        case 1: .caribbean("1809555" + String(format: "%04d", index), region: "DO")
        case 2: .international("+5357\(String(format: "%06d", index))", region: "CU", rate: 1.2, hotspot: "53")
        default: .international("+2327\(String(format: "%06d", index))", region: "SL", rate: 1.1, hotspot: "232")
        }
    }

    /// A week of an office: ten accounts calling national numbers and the UK (a hotspot prefix
    /// the site calls every day), so the site has a baseline.
    static func office(_ factory: inout CallFactory, days: Int = 7) -> [ObservedCall] {
        var calls: [ObservedCall] = []
        for day in 0..<days {
            for account in 1001...1010 {
                let start = Double(day) * Self.day + 9 * 3600 + Double(account - 1001) * 600
                calls.append(factory.call(String(account), to: .national(account), at: start))
                calls.append(
                    factory.call(
                        String(account), to: .international(hotspot: "44"), at: start + 3600, talk: 240))
            }
        }
        return calls
    }

    /// An afternoon of the drip from `account` on `day`: a call every 40 minutes, 3 minutes each.
    static func afternoon(_ factory: inout CallFactory, account: String, day: Int, calls count: Int = 7)
        -> [ObservedCall]
    {
        (0..<count).map { index in
            factory.call(
                account, to: drip(index), at: Double(day) * Self.day + 13 * 3600 + Double(index) * 2400, talk: 180)
        }
    }

    @Test func aNewExtensionDrippingToHighRiskCountriesIsHighTheSameAfternoon() throws {
        var factory = CallFactory()
        var calls = Self.office(&factory)
        let drip = Self.afternoon(&factory, account: "1099", day: 5)
        calls += drip
        let findings = AnalysisEngine.findings(calls)
        // Nothing else sees it: no window, concurrency, quota or score is reached.
        #expect(
            findings.filter { $0.subject == Subject(.account, "1099") && $0.severity >= .high }.map(\.rule)
                .allSatisfy { $0 == .slowDrip })
        let slow = findings.of(.slowDrip)
        let first = try #require(slow.first)
        #expect(first.severity == .high)
        #expect(first.subject == Subject(.account, "1099"))
        // Three countries and four numbers: the fourth call.
        #expect(first.calls.count == 4)
        #expect(first.time == drip[3].startedAt)
        #expect(first.metrics["baseline"] == .text("site"))
        #expect(first.headline.contains("countries the site does not call"))
        #expect(slow.allSatisfy { $0.windowKey == first.windowKey })
    }

    @Test func anEstablishedAccountIsJudgedByItsOwnHistory() {
        var factory = CallFactory()
        var calls = Self.office(&factory, days: 9)
        calls += Self.afternoon(&factory, account: "1003", day: 8)
        let slow = AnalysisEngine.findings(calls).of(.slowDrip)
        #expect(slow.first?.severity == .high)
        #expect(slow.first?.metrics["baseline"] == .text("account"))
        // Twice the countries is critical.
        var more = CallFactory()
        var busier = Self.office(&more, days: 9)
        busier += (0..<6).map { index in
            more.call(
                "1003",
                to: .international(
                    "+\(230 + index)70000\(index)", region: ["MU", "GM", "SN", "MR", "ML", "GN"][index], rate: 0.9,
                    hotspot: "\(230 + index)"),
                at: 8 * Self.day + 13 * 3600 + Double(index) * 2400, talk: 180)
        }
        #expect(AnalysisEngine.findings(busier).of(.slowDrip).map(\.severity).last == .critical)
    }

    @Test func honestNeighboursStayBelowHigh() {
        // A traveller calling two new high-risk countries.
        var factory = CallFactory()
        var calls = Self.office(&factory)
        calls += (0..<4).map { index in
            factory.call("1004", to: Self.drip(index % 2), at: 5 * Self.day + 13 * 3600 + Double(index) * 2400)
        }
        // Callbacks to numbers that rang the PBX first (missed calls from the islands).
        for index in 0..<5 {
            let destination = Self.drip(10 + index)
            let caller = destination.e164 ?? ""
            calls.append(
                factory.call(
                    "", to: .national(90), at: 5 * Self.day + 9 * 3600 + Double(index) * 60, answered: false,
                    context: "public", caller: caller, ring: 25))
            calls.append(
                factory.call("1005", to: destination, at: 5 * Self.day + 14 * 3600 + Double(index) * 1800, talk: 200))
        }
        // A call centre agent dialling national numbers all day.
        for index in 0..<400 {
            calls.append(
                factory.call("2001", to: .national(index), at: 5 * Self.day + 8 * 3600 + Double(index) * 70, talk: 40))
        }
        let findings = AnalysisEngine.findings(calls)
        #expect(findings.of(.slowDrip).isEmpty, "\(findings.of(.slowDrip).map(\.headline))")
    }

    @Test func theFirstDayOfASiteHasNoBaselineAndRaisesNothing() {
        var factory = CallFactory()
        let calls = Self.afternoon(&factory, account: "1099", day: 0)
        #expect(AnalysisEngine.findings(calls).of(.slowDrip).isEmpty)
    }

    @Test func countriesTheSiteCallsAreNotUnusual() {
        var factory = CallFactory()
        var calls = Self.office(&factory)
        // Two office accounts call Jamaica and Cuba every day: the site's habit.
        for day in 0..<5 {
            calls.append(factory.call("1001", to: Self.drip(0), at: Double(day) * Self.day + 15 * 3600))
            calls.append(factory.call("1002", to: Self.drip(4), at: Double(day) * Self.day + 15 * 3600 + 60))
            calls.append(factory.call("1001", to: Self.drip(2), at: Double(day) * Self.day + 16 * 3600))
            calls.append(factory.call("1002", to: Self.drip(6), at: Double(day) * Self.day + 16 * 3600 + 60))
        }
        // A new extension calling Jamaica, Cuba and the Dominican Republic: one unusual country.
        calls += [0, 2, 1, 4, 6].enumerated().map { offset, index in
            factory.call("1099", to: Self.drip(index), at: 5 * Self.day + 13 * 3600 + Double(offset) * 2400)
        }
        #expect(AnalysisEngine.findings(calls).of(.slowDrip).isEmpty)
    }
}
