import Foundation
import TollGuardCore

/// Stores alerts exactly as analysis would (drafts applied to the store), so the action layer
/// can be tested on chosen rules, severities and subjects.
package enum AlertSeeds {
    package static let start = Date(timeIntervalSince1970: 1_795_000_000)

    /// Stores one alert with `calls` evidence calls to `number` (one cent each...
    ///
    /// or `cost`); returns its id.
    @discardableResult
    package static func store(
        _ database: TollGuardDatabase, rule: AnalysisRule, severity: Severity, subject: Subject,
        at time: Date = start, calls: Int = 2, number: String = "+37190000001", region: String = "LV",
        costMicros: Int64 = 1_500_000, now: Date = start
    ) throws -> Int64? {
        let evidence = (0..<calls).map { index in
            EvidenceCall(
                key: "\(subject.value)-\(rule.rawValue)-\(time.timeIntervalSince1970)-\(index)", rowID: nil,
                time: time.addingTimeInterval(Double(index)), number: number, region: region, costMicros: costMicros)
        }
        var aggregator = AlertAggregator(evidenceLimit: 100)
        aggregator.add(
            Finding(
                rule: rule, severity: severity, subject: subject, time: time,
                headline: "tripped \(rule.rawValue)", calls: evidence))
        let changes = try database.apply(
            aggregator.drafts, summarizer: AlertSummarizer(timeZone: .gmt, currency: "USD", countryNames: [:]),
            evidenceLimit: 100, raisedBy: "analyze", now: now)
        return changes.newIDs.first
    }

    /// A program hook named `name` subscribed to `events`.
    package static func programHook(
        _ name: String, path: String = "/bin/true", events: [HookEventType] = [.suspend, .unsuspend]
    ) -> HookSettings {
        var hook = HookSettings(name: name, kind: .program)
        hook.path = path
        hook.events = events
        return hook
    }
}
