import Foundation
import TollGuardCore

/// Where a test call goes: classified by hand, so analyzer tests state exactly what they feed.
package struct TestDestination: Sendable {
    package var dialed: String
    package var scope: CallScope
    package var e164: String?
    package var region: String?
    package var numberType: NumberType?
    package var risk: RiskFlags = []
    package var hotspot: String?
    package var ratePerMinuteMicros: Int64

    package static func extensionNumber(_ number: String) -> TestDestination {
        TestDestination(dialed: number, scope: .internal, ratePerMinuteMicros: 0)
    }

    /// A US national fixed line (the site is in the US), 1 cent a minute.
    package static func national(_ index: Int = 0) -> TestDestination {
        let number = String(2_025_550_100 + index)
        return TestDestination(
            dialed: "9" + number, scope: .national, e164: "+1" + number, region: "US", numberType: .fixedLineOrMobile,
            ratePerMinuteMicros: 10_000)
    }

    /// An international number: `+44 20 7946 0000`-style by default, 3 cents a minute.
    package static func international(
        _ e164: String = "+442079460000", region: String = "GB", rate: Double = 0.03, hotspot: String? = nil,
        dialedPrefix: String = "9011"
    ) -> TestDestination {
        TestDestination(
            dialed: dialedPrefix + e164.dropFirst(), scope: .international, e164: e164, region: region,
            numberType: .fixedLine, risk: hotspot == nil ? [] : .irsfHotspot, hotspot: hotspot,
            ratePerMinuteMicros: Money.micros(rate))
    }

    /// A premium-rate number in Latvia (+371 90…), a classic IRSF destination, $1.50 a minute.
    package static func premium(_ index: Int = 0, hotspot: Bool = false) -> TestDestination {
        let e164 = "+3719000\(String(format: "%04d", index))"
        return TestDestination(
            dialed: "9011" + e164.dropFirst(), scope: .international, e164: e164, region: "LV",
            numberType: .premiumRate,
            risk: hotspot ? [.premiumRate, .irsfHotspot] : .premiumRate, hotspot: hotspot ? "3719" : nil,
            ratePerMinuteMicros: 1_500_000)
    }

    /// A Caribbean NANP number (`18765550007`, Jamaica), dialled from the US like a national one, 21 cents a minute.
    package static func caribbean(_ digits: String, region: String = "JM") -> TestDestination {
        TestDestination(
            dialed: digits, scope: .sameCodeOtherRegion, e164: "+" + digits, region: region, numberType: .mobile,
            risk: .nanpOtherRegion, ratePerMinuteMicros: 210_000)
    }

    /// A string that is no valid number anywhere.
    package static func invalid(_ dialed: String) -> TestDestination {
        TestDestination(dialed: dialed, scope: .invalid, ratePerMinuteMicros: 0)
    }
}

/// Builds `ObservedCall`s on a timeline for analyzer tests.
package struct CallFactory: Sendable {
    /// Time zero of the test's timeline.
    package var origin: Date
    private var serial = 0

    /// `origin` defaults to Monday 2026-11-16 00:00 UTC.
    package init(
        origin: Date = Date(
            timeIntervalSince1970: Double(CivilTime.daysFromCivil(year: 2026, month: 11, day: 16) * 86_400))
    ) {
        self.origin = origin
    }

    /// A call starting `at` seconds after the origin, talking `talk` seconds when answered
    /// (after 5 s of ringing), or ringing `ring` seconds (20) and failing.
    package mutating func call(
        _ account: String = "1001", to destination: TestDestination = .national(), at offset: Double, talk: Int = 60,
        answered: Bool = true, ip: String? = nil, trunk: String? = nil, context: String = "default",
        caller: String = "", ring: Double = 20
    ) -> ObservedCall {
        serial += 1
        let start = origin.addingTimeInterval(offset)
        let answer = answered ? start.addingTimeInterval(5) : nil
        let end = answered ? start.addingTimeInterval(5 + Double(talk)) : start.addingTimeInterval(ring)
        let billsec = answered ? talk : 0
        let billedMinutes = (billsec + 59) / 60
        return ObservedCall(
            key: "test-\(serial)", account: account, callerNumber: caller, sourceIP: ip, trunk: trunk, context: context,
            dialed: destination.dialed, scope: destination.scope, e164: destination.e164, region: destination.region,
            numberType: destination.numberType, risk: destination.risk, hotspot: destination.hotspot,
            ratePerMinuteMicros: destination.ratePerMinuteMicros,
            costMicros: destination.ratePerMinuteMicros * Int64(billedMinutes), startedAt: start, answeredAt: answer,
            endedAt: end, billsec: billsec, disposition: answered ? .answered : .noAnswer)
    }
}

extension AnalysisEngine {
    /// Replays `calls` (any order; sorted by start here) and returns every finding.
    package mutating func findings(replaying calls: [ObservedCall]) -> [Finding] {
        var findings: [Finding] = []
        for call in calls.sorted(by: { ($0.startedAt, $0.key) < ($1.startedAt, $1.key) }) {
            findings += replay(call)
        }
        return findings + finish()
    }

    /// The standard engine over `calls`, in UTC unless told, with default settings unless given.
    package static func findings(
        _ calls: [ObservedCall], settings: AnalysisSettings = AnalysisSettings(), timeZone: TimeZone = .named("UTC"),
        lists: FraudLists = .none, quotas: [String: Int64] = [:]
    ) -> [Finding] {
        var engine = AnalysisEngine.standard(settings: settings, timeZone: timeZone, fraudLists: lists, quotas: quotas)
        return engine.findings(replaying: calls)
    }
}

extension Array where Element == Finding {
    /// The findings of one rule.
    package func of(_ rule: AnalysisRule) -> [Finding] { filter { $0.rule == rule } }

    /// The highest severity among them, if any.
    package var highestSeverity: Severity? { map(\.severity).max() }
}
