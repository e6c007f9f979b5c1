import Foundation

/// `[sip_watch]`: how the SIP attack watcher judges the source addresses in PBX security logs.
///
/// Every threshold counts within `window_minutes` of the log's own time, per source IP.
package struct SIPWatchSettings: Sendable, Codable, Equatable {
    /// The sliding window of every count.
    package var windowMinutes = 10.0
    /// Authentication failures, unknown users and ACL rejections that ban an address
    /// (fail2ban's FreeSWITCH and Asterisk jails use 10 in 10 minutes).
    package var failures = 10
    /// Digest challenges not answered by a successful authentication that ban an address.
    ///
    /// Every
    /// registration is challenged, so this is far above what an office of phones re-registering
    /// after a power cut sends; FreeSWITCH logs no success, so there it counts every challenge.
    package var challenges = 300
    /// Distinct user names failing from one address that make it a scanner.
    package var distinctUsers = 8
    /// Calls to extensions that do not exist, from an unauthenticated source, that ban it.
    package var dialAttempts = 3
    /// Prefixes of an international (or premium) dial: one such unknown-extension call from an
    /// unauthenticated source bans it.
    package var internationalPrefixes = ["00", "011", "+", "9011", "900"]
    /// Client names of known SIP scanners, matched case-insensitively in user names and From
    /// display names: one line bans.
    package var scannerNames = [
        "friendly-scanner", "sipvicious", "sipcli", "sip-scan", "sipscan", "sundayddr", "iwar", "vaxsipuseragent",
        "pplsip", "smap", "sipsak-scan",
    ]
    /// Addresses and CIDR ranges never judged (fail2ban's `ignoreip`): your offices, your SIP
    /// proxies, your carriers.
    package var ignore = ["127.0.0.0/8", "::1"]
    /// Each line from an address on a known-bad IP list (`tollguard lists`) counts this many times.
    package var badIPWeight = 2
    /// Where `logs scan`/`logs follow` append ban lines for fail2ban (empty: nowhere unless
    /// `--ban-log` says).
    package var banLog = ""
    /// Evidence lines kept per alert.
    package var maxEvidenceLines = 50
    /// Logs `tollguard serve` follows (FreeSWITCH `freeswitch.log`, Asterisk `messages` or
    /// `security`); where each was read to is saved in the store, so a restart resumes there.
    package var follow: [String] = []
    /// Seconds between looks at the followed logs.
    package var pollSeconds = 1.0

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case failures, challenges, ignore
        case windowMinutes = "window_minutes"
        case distinctUsers = "distinct_users"
        case dialAttempts = "dial_attempts"
        case internationalPrefixes = "international_prefixes"
        case scannerNames = "scanner_names"
        case badIPWeight = "bad_ip_weight"
        case banLog = "ban_log"
        case maxEvidenceLines = "max_evidence_lines"
        case follow
        case pollSeconds = "poll_seconds"
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self, table: "sip_watch")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SIPWatchSettings()
        windowMinutes = try container.decodeNumberIfPresent(forKey: .windowMinutes) ?? defaults.windowMinutes
        failures = try container.decodeIfPresent(Int.self, forKey: .failures) ?? defaults.failures
        challenges = try container.decodeIfPresent(Int.self, forKey: .challenges) ?? defaults.challenges
        distinctUsers = try container.decodeIfPresent(Int.self, forKey: .distinctUsers) ?? defaults.distinctUsers
        dialAttempts = try container.decodeIfPresent(Int.self, forKey: .dialAttempts) ?? defaults.dialAttempts
        internationalPrefixes =
            try container.decodeIfPresent([String].self, forKey: .internationalPrefixes)
            ?? defaults.internationalPrefixes
        scannerNames = try container.decodeIfPresent([String].self, forKey: .scannerNames) ?? defaults.scannerNames
        ignore = try container.decodeIfPresent([String].self, forKey: .ignore) ?? defaults.ignore
        badIPWeight = try container.decodeIfPresent(Int.self, forKey: .badIPWeight) ?? defaults.badIPWeight
        banLog = try container.decodeIfPresent(String.self, forKey: .banLog) ?? defaults.banLog
        maxEvidenceLines =
            try container.decodeIfPresent(Int.self, forKey: .maxEvidenceLines) ?? defaults.maxEvidenceLines
        follow = try container.decodeIfPresent([String].self, forKey: .follow) ?? defaults.follow
        pollSeconds = try container.decodeNumberIfPresent(forKey: .pollSeconds) ?? defaults.pollSeconds
    }

    /// Problems that make these settings unusable, as sentences naming the setting.
    package func validationErrors() -> [String] {
        var errors: [String] = []
        if !(windowMinutes > 0) { errors.append("sip_watch.window_minutes must be above 0") }
        if !(pollSeconds > 0 && pollSeconds <= 3600) {
            errors.append("sip_watch.poll_seconds must be above 0 and at most 3600")
        }
        for (name, value) in [
            ("failures", failures), ("challenges", challenges), ("distinct_users", distinctUsers),
            ("dial_attempts", dialAttempts), ("bad_ip_weight", badIPWeight), ("max_evidence_lines", maxEvidenceLines),
        ] where value < 1 {
            errors.append("sip_watch.\(name) must be at least 1")
        }
        for entry in ignore where IPAddressRange(entry) == nil {
            errors.append("sip_watch.ignore: \"\(entry)\" is not an IP address or CIDR range")
        }
        return errors
    }
}
