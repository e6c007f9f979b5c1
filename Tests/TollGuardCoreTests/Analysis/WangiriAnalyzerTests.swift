import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// Wangiri: one-ring calls from a number block, then staff calling those numbers back.
@Suite struct WangiriAnalyzerTests {
    /// Jamaica, dialled from the US like a national number.
    static func jamaica(_ suffix: Int) -> TestDestination {
        .caribbean("1876555" + String(format: "%04d", suffix))
    }

    /// `count` one-ring calls from +1 876 555 00xx to the site's number, ringing `ring` seconds.
    static func oneRings(_ factory: inout CallFactory, count: Int, ring: Double = 3, at start: Double = 0)
        -> [ObservedCall]
    {
        (0..<count).map { index in
            factory.call(
                "", to: .national(90), at: start + Double(index) * 40, answered: false, context: "public",
                caller: "+1876555" + String(format: "%04d", index), ring: ring)
        }
    }

    @Test func aCallbackToACampaignNumberIsHighThenCriticalWhenAnswered() {
        var factory = CallFactory()
        var calls = Self.oneRings(&factory, count: 12)
        calls.append(factory.call("1003", to: Self.jamaica(7), at: 3600, talk: 120))
        let findings = AnalysisEngine.findings(calls).of(.wangiriCallback)
        #expect(findings.map(\.severity) == [.high, .critical])
        #expect(findings.allSatisfy { $0.subject == Subject(.account, "1003") })
        #expect(findings.first?.metrics["one_ring_calls"] == .count(12))
        #expect(findings.first?.headline.contains("+18765550007") == true)
    }

    @Test func theNumberMatchesHoweverItIsWritten() {
        var factory = CallFactory()
        var calls = Self.oneRings(&factory, count: 5)
        // Called back as 011-less ten digits against a caller id written with +1.
        var destination = Self.jamaica(2)
        destination.dialed = "8765550002"
        calls.append(factory.call("1003", to: destination, at: 600, answered: false))
        #expect(AnalysisEngine.findings(calls).of(.wangiriCallback).map(\.severity) == [.high])
    }

    @Test func aLoneShortMissedCallCalledBackIsOnlyAWarning() {
        var factory = CallFactory()
        var calls = Self.oneRings(&factory, count: 1)
        calls.append(factory.call("1003", to: Self.jamaica(0), at: 600, answered: false))
        #expect(AnalysisEngine.findings(calls).of(.wangiriCallback).map(\.severity) == [.warning])
    }

    @Test func nationalCallbacksLongRingsAndOldOneRingsAreNotWangiri() {
        var factory = CallFactory()
        // A national customer who rang once, called back: what people do.
        var calls = [
            factory.call(
                "", to: .national(90), at: 0, answered: false, context: "public", caller: "+12025550104", ring: 2),
            factory.call("1003", to: .national(4), at: 300),
        ]
        // A Caribbean caller who let it ring 25 s: a person, not a one-ring robot.
        calls += Self.oneRings(&factory, count: 6, ring: 25, at: 1000)
        calls.append(factory.call("1004", to: Self.jamaica(3), at: 2000))
        // One-ring calls three days before the callback: forgotten (wangiri_memory_hours 48).
        calls += Self.oneRings(&factory, count: 6, at: 10_000).map { call in
            var call = call
            call.callerNumber = "+1876666" + call.callerNumber.suffix(4)
            return call
        }
        calls.append(factory.call("1005", to: .caribbean("18766660001"), at: 10_000 + 3 * 86_400))
        #expect(AnalysisEngine.findings(calls).of(.wangiriCallback).isEmpty)
    }

    @Test func onlyHotspotsNamedByEnoughSourcesRaiseSeverity() {
        var factory = CallFactory()
        var settings = AnalysisSettings()
        settings.account.allowedClasses = [.internal, .national, .mobile]
        // Calling the UK (+44, named by two sources) when international is not allowed.
        let uk = factory.call("1001", to: .international(hotspot: "44"), at: 0)
        func severity(strong: Set<String>?) -> Severity? {
            var engine = AnalysisEngine.standard(settings: settings, timeZone: .named("UTC"), strongHotspots: strong)
            return engine.findings(replaying: [uk]).of(.destinationClass).highestSeverity
        }
        #expect(severity(strong: nil) == .critical)
        #expect(severity(strong: ["53", "371"]) == .high)
        #expect(severity(strong: ["44"]) == .critical)
        // The shipped data: +44 has two sources, +53 (Cuba) more than three.
        let strong = try? NumberingPlan.builtIn.get().hotspots.prefixes(
            namedByAtLeast: AnalysisSettings().hotspotMinSources)
        #expect(strong?.contains("44") == false)
        #expect(strong?.contains("53") == true)
    }
}
