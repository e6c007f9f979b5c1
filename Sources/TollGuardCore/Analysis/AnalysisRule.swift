/// The rules alerts are raised under.
///
/// One analyzer may raise several (velocity of all
/// attempts and of international ones); de-duplication is per rule and subject.
package enum AnalysisRule: String, Sendable, Hashable, CaseIterable, Codable {
    case velocity
    case velocityInternational = "velocity_international"
    case concurrentCalls = "concurrent_calls"
    case concurrentInternational = "concurrent_international"
    case dailyQuota = "daily_quota"
    case destinationClass = "destination_class"
    case premiumDestination = "premium_destination"
    case fraudListDestination = "fraud_list_destination"
    case fraudListSourceIP = "fraud_list_ip"
    case destinationRule = "destination_rule"
    case pumping
    case routeScan = "route_scan"
    case newCountry = "new_country"
    case unusualHour = "unusual_hour"
    case spendSpike = "spend_spike"
    case fraudScore = "fraud_score"
    case publicContext = "public_context"
    case longCall = "long_call"
    case wangiriCallback = "wangiri_callback"
    case slowDrip = "slow_drip"
    /// SIP attack watcher (security logs), about source addresses.
    case sipAuthFailures = "sip_auth_failures"
    case sipChallengeFlood = "sip_challenge_flood"
    case sipUserScan = "sip_user_scan"
    case sipDialAttempt = "sip_dial_attempt"
    case sipScanner = "sip_scanner"

    /// A continuing pattern within this gap of an alert's last call updates that alert;
    /// after it, a new alert opens.
    ///
    /// Rules with a day window (`daily_quota`) merge by day instead.
    package var mergeGapSeconds: Double {
        switch self {
        case .newCountry, .unusualHour, .spendSpike, .destinationClass, .premiumDestination, .fraudListDestination,
            .fraudListSourceIP, .destinationRule, .publicContext, .wangiriCallback:
            return 6 * 3600
        default:
            return 3600
        }
    }
}
