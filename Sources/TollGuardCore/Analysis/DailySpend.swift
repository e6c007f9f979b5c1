/// One account's spend on one local day, the calls behind it, and the highest severity
/// already reported about it: the day's calls go with the first finding at each level,
/// later findings carry only their own call.
package struct DailySpend: Sendable, Codable {
    /// Evidence kept per account and day.
    package static let evidenceLimit = 200

    /// Days since 1970-01-01 in the site's time zone.
    package let day: Int
    package private(set) var micros: Int64 = 0
    package private(set) var calls: [EvidenceCall] = []
    private var reported: Severity?

    package init(day: Int) { self.day = day }

    /// Adds a priced call.
    package mutating func add(_ call: ObservedCall) {
        micros += call.costMicros
        if calls.count < Self.evidenceLimit { calls.append(call.evidence) }
    }

    /// The evidence for a finding at `severity` about the day, triggered by `triggers` (the call
    /// that ended, or the calls up with their cost so far): the day's calls with them the first
    /// time the level is reached, then only them.
    package mutating func evidence(at severity: Severity, for triggers: [EvidenceCall]) -> [EvidenceCall] {
        defer { reported = max(reported ?? severity, severity) }
        if reported.map({ $0 >= severity }) == true { return triggers }
        let keys = Set(calls.map(\.key))
        return calls + triggers.filter { !keys.contains($0.key) }
    }
}
