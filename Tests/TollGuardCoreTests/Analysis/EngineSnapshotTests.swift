import Foundation
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// An engine restored from a snapshot goes on as the engine it was taken of: a cluster's new
/// leader starts from the last one instead of replaying weeks of calls.
@Suite struct EngineSnapshotTests {
    /// Four days of a site where every analyzer has something to remember: honest calls, bursts,
    /// long calls up across the cuts, premium spend, scans, pumping, one-ring calls and callbacks.
    static func site() -> [ObservedCall] {
        var factory = CallFactory()
        var random = SeededGenerator(seed: 25)
        var calls: [ObservedCall] = []
        let accounts = (1...12).map { "10\(String(format: "%02d", $0))" }
        let addresses = ["198.51.100.7", "203.0.113.9", "10.0.0.5"]
        for day in 0..<4 {
            let base = Double(day) * 86_400
            for _ in 0..<500 {
                let account = accounts.randomElement(using: &random) ?? "1001"
                let at = base + Double.random(in: 0..<86_400, using: &random)
                let destination: TestDestination
                switch Int.random(in: 0..<20, using: &random) {
                case 0:
                    destination = .premium(Int.random(in: 0..<30, using: &random), hotspot: Bool.random(using: &random))
                case 1:
                    destination = .international(
                        "+2499\(Int.random(in: 10_000_000..<10_000_040, using: &random))", region: "SD")
                case 2: destination = .caribbean("18765550\(Int.random(in: 100..<140, using: &random))")
                case 3:
                    destination = .international("+882\(Int.random(in: 1000..<1010, using: &random))", region: "001")
                case 4: destination = .invalid("011\(Int.random(in: 100..<999, using: &random))")
                default: destination = .national(Int.random(in: 0..<400, using: &random))
                }
                calls.append(
                    factory.call(
                        account, to: destination, at: at, talk: Int.random(in: 5..<2400, using: &random),
                        answered: Int.random(in: 0..<4, using: &random) != 0,
                        ip: addresses.randomElement(using: &random), trunk: day % 2 == 0 ? "gw-a" : "gw-b"))
            }
            // A burst of international attempts to one range, from one account.
            for index in 0..<40 {
                calls.append(
                    factory.call(
                        "1003", to: .international("+4420794600\(String(format: "%02d", index % 12))"),
                        at: base + 40_000 + Double(index) * 7, talk: 30, answered: index % 2 == 0, ip: "198.51.100.7"))
            }
            // One-ring calls into the public context, then a callback.
            for index in 0..<12 {
                calls.append(
                    factory.call(
                        "", to: .national(90), at: base + 50_000 + Double(index) * 40, answered: false,
                        context: "public", caller: "+1876555" + String(format: "%04d", index), ring: 3))
            }
            calls.append(factory.call("1005", to: .caribbean("18765550002"), at: base + 53_000, talk: 120))
            // Six long calls at once.
            for index in 0..<6 {
                calls.append(
                    factory.call("1020", to: .national(index), at: base + 60_000 + Double(index) * 60, talk: 3000))
            }
            // A scan: failed attempts with varied dial prefixes from one address.
            for index in 0..<25 {
                let prefix = ["9011", "011", "00", "+"][index % 4]
                calls.append(
                    factory.call(
                        "1021", to: .international("+4930\(1000 + index)", region: "DE", dialedPrefix: prefix),
                        at: base + 62_000 + Double(index) * 15, answered: false, ip: "192.0.2.66"))
            }
            // Premium numbers one after another: the rates add up.
            for index in 0..<10 {
                calls.append(
                    factory.call("1022", to: .premium(100 + index), at: base + 64_000 + Double(index) * 30, talk: 20))
            }
            // A slow drip from the second day: new Caribbean countries, one every twenty minutes.
            if day >= 2 {
                let areas =
                    day == 2
                    ? [("1809", "DO"), ("1268", "AG"), ("1473", "GD"), ("1758", "LC")]
                    : [("1242", "BS"), ("1345", "KY"), ("1649", "TC"), ("1284", "VG")]
                for (index, area) in areas.enumerated() {
                    calls.append(
                        factory.call(
                            "1023",
                            to: .caribbean(area.0 + "555\(String(format: "%04d", 100 + index))", region: area.1),
                            at: base + 66_000 + Double(index) * 1200, talk: 240))
                }
            }
        }
        return calls.sorted { ($0.startedAt, $0.key) < ($1.startedAt, $1.key) }
    }

    static let settings: AnalysisSettings = {
        var settings = AnalysisSettings()
        settings.historyDays = 3
        settings.minHistoryDays = 1
        return settings
    }()

    static func engine() -> AnalysisEngine {
        AnalysisEngine.standard(settings: settings, timeZone: .named("America/New_York"))
    }

    /// What a finding says, to compare two runs.
    static func described(_ findings: [Finding]) -> [String] {
        findings.map { finding in
            "\(finding.rule.rawValue) \(finding.severity) \(finding.subject) \(finding.time.timeIntervalSince1970) "
                + "\(finding.headline) \(finding.windowKey ?? "-") "
                + finding.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                + " [" + finding.calls.map { "\($0.key):\($0.costMicros):\($0.costKnown)" }.joined(separator: ",") + "]"
        }
    }

    /// Where the snapshot is taken (seconds into the third day, in the midst of an episode) and
    /// the rule that episode raises after it.
    static let cuts: [(seconds: Double, rule: AnalysisRule)] = [
        (40_140, .velocityInternational), (40_140, .pumping), (50_200, .wangiriCallback),
        (60_150, .concurrentCalls), (62_150, .routeScan), (64_150, .fraudScore), (67_500, .slowDrip),
        (43_200, .dailyQuota), (0, .newCountry),
    ]

    @Test(arguments: cuts.indices)
    func anEngineRestoredFromASnapshotFindsWhatTheOneItWasTakenOfFinds(cut: Int) throws {
        let (seconds, rule) = Self.cuts[cut]
        let calls = Self.site()
        let at = CallFactory().origin.addingTimeInterval(2 * 86_400 + seconds)
        let split = calls.firstIndex { $0.startedAt >= at } ?? calls.endIndex
        var running = Self.engine()
        for call in calls[..<split] { _ = running.replay(call) }
        var restored = Self.engine()
        try restored.restore(try running.snapshot())

        func rest(_ engine: inout AnalysisEngine) -> [Finding] {
            var findings: [Finding] = []
            for call in calls[split...] { findings += engine.replay(call) }
            return findings + engine.finish()
        }
        let expected = rest(&running)
        let found = rest(&restored)
        // The episode cut in two goes on finding, or the comparison proves little.
        #expect(!expected.of(rule).isEmpty)
        #expect(found.count == expected.count)
        #expect(Self.described(found) == Self.described(expected))
    }

    @Test func aSnapshotOfOtherAnalyzersIsRefused() throws {
        var one = AnalysisEngine(
            analyzers: [VelocityAnalyzer()], resolver: PolicyResolver(settings: AnalysisSettings()))
        let snapshot = try Self.engine().snapshot()
        #expect(throws: DecodingError.self) { try one.restore(snapshot) }
        #expect(Self.engine().configuration != nil)
        var other = Self.settings
        other.historyDays = 5
        #expect(
            AnalysisEngine.standard(settings: other, timeZone: .named("America/New_York")).configuration
                != Self.engine().configuration)
    }
}
