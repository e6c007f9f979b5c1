/// Every numeric threshold the analyzers use, with its default per subject kind.
///
/// Set in `[analysis.account]`, `[analysis.ip]` and `[analysis.trunk]` by name, overridden in
/// `[analysis.groups.NAME]` and `[analysis.accounts."ID"]`; an alert's metrics name the
/// limit it crossed and where that value came from.
package enum AnalysisLimit: Int, Sendable, Hashable, CaseIterable {
    case velocityAttempts1m, velocityAttempts10m, velocityAttempts1h
    case velocityAnswered1m, velocityAnswered10m, velocityAnswered1h
    case velocityInternational1m, velocityInternational10m, velocityInternational1h
    case concurrentCalls, concurrentInternational
    case dailyQuota, quotaWarningShare
    case maxNumberLength
    case pumpingSameNumber1h, pumpingRange1h, pumpingRangeDigits
    case scanFailed10m, scanDistinctPrefixes
    case fraudScore5m, fraudScore60m
    case spendSpikeMultiple, spendSpikeMinimum
    case longCallInternal, longCallNational, longCallMobile, longCallInternational, longCallPremium
    case slowDripCountries, slowDripNumbers

    /// What a limit's number means.
    package enum Unit: Sendable {
        case count, money, moneyPerMinute, share, digits, multiple, minutes
    }

    /// The configuration key.
    package var name: String { Self.table[rawValue].name }
    package var unit: Unit { Self.table[rawValue].unit }
    /// One line for the README and `config dump`.
    package var help: String { Self.table[rawValue].help }

    /// The built-in value for a subject kind.
    ///
    /// `0` switches a limit off.
    package func defaultValue(for kind: Subject.Kind) -> Double {
        let entry = Self.table[rawValue]
        switch kind {
        case .account, .caller: return entry.account
        case .ip, .trunk: return entry.shared
        }
    }

    /// The limit named `name`, as written in the configuration.
    package init?(name: String) {
        guard let index = Self.table.firstIndex(where: { $0.name == name }) else { return nil }
        self.init(rawValue: index)
    }

    /// The long-call limit of a destination class, if it has one.
    package static func longCall(for destinationClass: DestinationClass) -> AnalysisLimit? {
        switch destinationClass {
        case .internal: .longCallInternal
        case .national: .longCallNational
        case .mobile: .longCallMobile
        case .international: .longCallInternational
        case .premium: .longCallPremium
        case .emergency, .invalid: nil
        }
    }

    /// Name, unit, account default, IP/trunk default, help; in case order.
    private static let table: [(name: String, unit: Unit, account: Double, shared: Double, help: String)] = [
        ("velocity_attempts_1m", .count, 10, 60, "call attempts in any 1 minute"),
        ("velocity_attempts_10m", .count, 40, 300, "call attempts in any 10 minutes"),
        ("velocity_attempts_1h", .count, 150, 1500, "call attempts in any hour"),
        ("velocity_answered_1m", .count, 6, 40, "answered calls in any 1 minute"),
        ("velocity_answered_10m", .count, 25, 200, "answered calls in any 10 minutes"),
        ("velocity_answered_1h", .count, 100, 1000, "answered calls in any hour"),
        ("velocity_international_1m", .count, 3, 10, "international and premium attempts in any 1 minute"),
        ("velocity_international_10m", .count, 10, 40, "international and premium attempts in any 10 minutes"),
        ("velocity_international_1h", .count, 30, 150, "international and premium attempts in any hour"),
        ("concurrent_calls", .count, 4, 40, "calls in progress at once"),
        ("concurrent_international", .count, 2, 10, "international and premium calls in progress at once"),
        (
            "daily_quota", .money, 50, 0,
            "spend per day in the site's time zone (0: none); `tollguard quota set` overrides"
        ),
        ("quota_warning_share", .share, 0.8, 0.8, "share of the daily quota that raises a warning"),
        ("max_number_length", .digits, 18, 18, "digits in a dialled number (mod_cti's maximum length)"),
        ("pumping_same_number_1h", .count, 8, 12, "calls to one number in any hour"),
        ("pumping_range_1h", .count, 10, 20, "distinct numbers called in one number range in any hour"),
        ("pumping_range_digits", .digits, 2, 2, "trailing digits that vary inside a number range"),
        ("scan_failed_10m", .count, 10, 20, "failed external attempts in any 10 minutes (route scanning)"),
        ("scan_distinct_prefixes", .count, 3, 3, "distinct dial prefixes among them that make it a scan"),
        ("fraud_score_5m", .moneyPerMinute, 5, 20, "sum of per-minute rates of destinations called in any 5 minutes"),
        ("fraud_score_60m", .moneyPerMinute, 20, 100, "sum of per-minute rates of destinations called in any hour"),
        (
            "spend_spike_multiple", .multiple, 5, 5,
            "a day's spend against the median of the account's days in the history"
        ),
        ("spend_spike_min", .money, 10, 10, "a day's spend below this is never a spike"),
        ("long_call_minutes_internal", .minutes, 480, 480, "longest internal call"),
        ("long_call_minutes_national", .minutes, 240, 240, "longest national call"),
        ("long_call_minutes_mobile", .minutes, 240, 240, "longest mobile call"),
        ("long_call_minutes_international", .minutes, 120, 120, "longest international call"),
        ("long_call_minutes_premium", .minutes, 30, 30, "longest premium-rate call"),
        (
            "slow_drip_countries", .count, 3, 0,
            "distinct unusual high-risk countries an account calls in a day (slow drip; 0: off)"
        ),
        ("slow_drip_numbers", .count, 4, 0, "distinct high-risk numbers among those calls"),
    ]
}
