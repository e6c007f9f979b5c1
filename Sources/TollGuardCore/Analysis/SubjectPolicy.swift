/// The limits and destination policy in force for one subject, resolved from the built-in
/// defaults, its kind's profile, its groups, its own entry and the quota table.
package final class SubjectPolicy: Sendable {
    package let subject: Subject
    /// A dense number for the subject, unique within one resolver: analyzers keep their
    /// per-subject state in arrays indexed by it instead of hashing the subject per event.
    package let ordinal: Int
    private let values: [Double]
    private let origins: [String]
    /// Classes the subject may call without an alert; emergency is always allowed.
    package let allowedClasses: Set<DestinationClass>
    /// Dial prefixes that are never allowed (`00`, `+`).
    package let deniedPrefixes: [String]
    /// When not empty, external calls must start with one of these.
    package let allowedPrefixes: [String]
    /// The groups the subject is in, by name.
    package let groups: [String]
    /// An account's daily quota raised for single local days (days since 1970 in the site's
    /// zone), in micro-units: a person's raise until midnight.
    package let quotaRaises: [Int: Int64]

    package init(
        subject: Subject, ordinal: Int, values: [Double], origins: [String], allowedClasses: Set<DestinationClass>,
        deniedPrefixes: [String], allowedPrefixes: [String], groups: [String], quotaRaises: [Int: Int64] = [:]
    ) {
        self.subject = subject
        self.ordinal = ordinal
        self.values = values
        self.origins = origins
        self.allowedClasses = allowedClasses
        self.deniedPrefixes = deniedPrefixes
        self.allowedPrefixes = allowedPrefixes
        self.groups = groups
        self.quotaRaises = quotaRaises
    }

    /// The daily quota on local `day` in micro-units: that day's raise, else the standing quota;
    /// nil when there is neither.
    package func dailyQuotaMicros(onDay day: Int) -> Int64? {
        quotaRaises[day] ?? active(.dailyQuota).map(Money.micros)
    }

    /// The value of `limit`; `0` means the limit is off.
    package subscript(limit: AnalysisLimit) -> Double { values[limit.rawValue] }

    /// Where the value of `limit` came from: `default`, `analysis.account`, `group callcentre`, `account 1001`, `quota table`.
    package func origin(of limit: AnalysisLimit) -> String { origins[limit.rawValue] }

    /// The limit with its value and origin, for an alert's metrics.
    package func metrics(for limit: AnalysisLimit) -> [String: MetricValue] {
        let value = values[limit.rawValue]
        let shown: MetricValue =
            switch limit.unit {
            case .money, .moneyPerMinute: .money(Money.micros(value))
            case .count, .digits, .minutes: .count(Int(value))
            case .share, .multiple: .number(value)
            }
        return ["limit": .text(limit.name), "limit_value": shown, "limit_source": .text(origins[limit.rawValue])]
    }

    /// `limit` when it is on (greater than zero).
    package func active(_ limit: AnalysisLimit) -> Double? {
        let value = values[limit.rawValue]
        return value > 0 ? value : nil
    }
}
