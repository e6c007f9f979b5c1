/// `[analysis]`: how the analyzers judge calls.
package struct AnalysisSettings: Sendable, Codable, Equatable {
    /// Days of an account's own history its behaviour is compared with.
    package var historyDays = 28
    /// Behaviour-change rules stay quiet until an account has this many days of history.
    package var minHistoryDays = 7
    /// Dial-plan contexts that receive calls from outside (FreeSWITCH `public`, Asterisk `from-trunk`).
    package var publicContexts = ["public", "from-trunk", "from-pstn", "from-external", "from-sip-external"]
    /// The site's own numbers (DIDs) as dialled prefixes: calls to them in a public context are inbound, not leaks.
    package var ownNumberPrefixes: [String] = []
    /// An IRSF hotspot raises a finding's severity only when at least this many sources name it
    /// (`Data/irsf-hotspots.csv`): one article naming all of +44 is not evidence against a UK call.
    package var hotspotMinSources = 3
    /// An unanswered inbound call that rang no longer than this is a one-ring (wangiri) call.
    package var wangiriRingSeconds = 8.0
    /// How long a one-ring caller's number is remembered; calling it back within this is flagged.
    package var wangiriMemoryHours = 48.0
    /// One-ring calls from one number block that make a callback to it `high` rather than a warning.
    package var wangiriCampaignCalls = 3
    /// How long marking an alert a false positive keeps its rule quiet for its subject.
    package var falsePositiveSuppressHours = 168.0
    /// Evidence calls stored per alert (all are counted).
    package var maxEvidenceCalls = 1000
    /// Rules that raise no alerts (`long_call`, `velocity`…).
    package var disabledRules: [String] = []
    /// Limits and policy for accounts, source IPs and trunks.
    package var account = AnalysisProfile.builtIn(for: .account)
    package var ip = AnalysisProfile.builtIn(for: .ip)
    package var trunk = AnalysisProfile.builtIn(for: .trunk)
    /// Named groups (a call centre) with their members and overrides.
    package var groups: [String: AnalysisProfile] = [:]
    /// Overrides for single accounts.
    package var accounts: [String: AnalysisProfile] = [:]

    package init() {}

    enum CodingKeys: String, CodingKey {
        case historyDays = "history_days"
        case minHistoryDays = "min_history_days"
        case publicContexts = "public_contexts"
        case ownNumberPrefixes = "own_number_prefixes"
        case hotspotMinSources = "hotspot_min_sources"
        case wangiriRingSeconds = "wangiri_ring_seconds"
        case wangiriMemoryHours = "wangiri_memory_hours"
        case wangiriCampaignCalls = "wangiri_campaign_calls"
        case falsePositiveSuppressHours = "false_positive_suppress_hours"
        case maxEvidenceCalls = "max_evidence_calls"
        case disabledRules = "disabled_rules"
        case account, ip, trunk, groups, accounts
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = AnalysisSettings()
        historyDays = try container.decodeIfPresent(Int.self, forKey: .historyDays) ?? defaults.historyDays
        minHistoryDays = try container.decodeIfPresent(Int.self, forKey: .minHistoryDays) ?? defaults.minHistoryDays
        publicContexts =
            try container.decodeIfPresent([String].self, forKey: .publicContexts) ?? defaults.publicContexts
        ownNumberPrefixes =
            try container.decodeIfPresent([String].self, forKey: .ownNumberPrefixes) ?? defaults.ownNumberPrefixes
        hotspotMinSources =
            try container.decodeIfPresent(Int.self, forKey: .hotspotMinSources) ?? defaults.hotspotMinSources
        wangiriRingSeconds =
            try container.decodeNumberIfPresent(forKey: .wangiriRingSeconds) ?? defaults.wangiriRingSeconds
        wangiriMemoryHours =
            try container.decodeNumberIfPresent(forKey: .wangiriMemoryHours) ?? defaults.wangiriMemoryHours
        wangiriCampaignCalls =
            try container.decodeIfPresent(Int.self, forKey: .wangiriCampaignCalls) ?? defaults.wangiriCampaignCalls
        falsePositiveSuppressHours =
            try container.decodeNumberIfPresent(forKey: .falsePositiveSuppressHours)
            ?? defaults.falsePositiveSuppressHours
        maxEvidenceCalls =
            try container.decodeIfPresent(Int.self, forKey: .maxEvidenceCalls) ?? defaults.maxEvidenceCalls
        disabledRules = try container.decodeIfPresent([String].self, forKey: .disabledRules) ?? defaults.disabledRules
        for (key, kind) in [(CodingKeys.account, Subject.Kind.account), (.ip, .ip), (.trunk, .trunk)] {
            let profile = AnalysisProfile.builtIn(for: kind).overlaid(
                with: try container.decodeIfPresent(AnalysisProfile.self, forKey: key) ?? AnalysisProfile())
            switch kind {
            case .account: account = profile
            case .caller: break  // no table of its own: callers get [analysis.account]
            case .ip: ip = profile
            case .trunk: trunk = profile
            }
        }
        groups = try container.decodeIfPresent([String: AnalysisProfile].self, forKey: .groups) ?? [:]
        accounts = try container.decodeIfPresent([String: AnalysisProfile].self, forKey: .accounts) ?? [:]
    }

    /// The profile of a subject kind.
    package func profile(for kind: Subject.Kind) -> AnalysisProfile {
        switch kind {
        case .account, .caller: account
        case .ip: ip
        case .trunk: trunk
        }
    }

    /// Problems that make these settings unusable, as sentences naming the setting.
    package func validationErrors() -> [String] {
        var errors: [String] = []
        if historyDays < 1 { errors.append("analysis.history_days must be at least 1") }
        if minHistoryDays < 0 || minHistoryDays > historyDays {
            errors.append("analysis.min_history_days must be between 0 and analysis.history_days")
        }
        if wangiriRingSeconds < 0 || wangiriMemoryHours < 0 {
            errors.append("analysis.wangiri_ring_seconds and analysis.wangiri_memory_hours cannot be negative")
        }
        if falsePositiveSuppressHours < 0 { errors.append("analysis.false_positive_suppress_hours cannot be negative") }
        if maxEvidenceCalls < 1 { errors.append("analysis.max_evidence_calls must be at least 1") }
        for rule in disabledRules where AnalysisRule(rawValue: rule) == nil {
            errors.append(
                "analysis.disabled_rules: \"\(rule)\" is not a rule (rules: "
                    + AnalysisRule.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        var tables: [(String, AnalysisProfile, isGroup: Bool)] = [
            ("analysis.account", account, false), ("analysis.ip", ip, false), ("analysis.trunk", trunk, false),
        ]
        tables += groups.sorted { $0.key < $1.key }.map { ("analysis.groups.\($0.key)", $0.value, true) }
        tables += accounts.sorted { $0.key < $1.key }.map { ("analysis.accounts.\"\($0.key)\"", $0.value, false) }
        for (name, profile, isGroup) in tables {
            for (limit, value) in profile.limits where value < 0 || !value.isFinite {
                errors.append("\(name).\(limit.name) must be a number of zero or more")
            }
            if !isGroup, profile.accounts != nil || profile.ips != nil || profile.trunks != nil {
                errors.append(
                    "\(name): accounts, ips and trunks list the members of a group; they belong in [analysis.groups.NAME]"
                )
            }
            for address in profile.ips ?? [] where IPAddressRange(address) == nil {
                errors.append("\(name).ips: \"\(address)\" is not an IP address or CIDR range")
            }
            for prefix in (profile.deniedPrefixes ?? []) + (profile.allowedPrefixes ?? []) where prefix.isEmpty {
                errors.append("\(name): an empty dial prefix would match every number")
            }
        }
        return errors
    }
}
