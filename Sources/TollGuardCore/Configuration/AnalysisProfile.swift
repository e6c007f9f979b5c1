/// A table of analysis settings: limits by name and the destination policy.
///
/// The same shape
/// serves a subject kind (`[analysis.account]`), a group (`[analysis.groups.NAME]`, which also
/// lists its members) and one account (`[analysis.accounts."1001"]`); only what a table sets
/// overrides what comes before it.
package struct AnalysisProfile: Sendable, Equatable, Codable {
    package var limits: [AnalysisLimit: Double] = [:]
    package var allowedClasses: [DestinationClass]?
    package var deniedPrefixes: [String]?
    package var allowedPrefixes: [String]?
    /// Group members: account ids, exact or ending in `*` (`20*`).
    package var accounts: [String]?
    /// Group members: source IP addresses or CIDR ranges.
    package var ips: [String]?
    /// Group members: trunk or gateway names.
    package var trunks: [String]?

    package init(limits: [AnalysisLimit: Double] = [:]) { self.limits = limits }

    /// Every limit at its built-in value for `kind`, and the default destination policy.
    package static func builtIn(for kind: Subject.Kind) -> AnalysisProfile {
        var profile = AnalysisProfile()
        for limit in AnalysisLimit.allCases { profile.limits[limit] = limit.defaultValue(for: kind) }
        profile.allowedClasses = [.internal, .national, .mobile, .international]
        profile.deniedPrefixes = []
        profile.allowedPrefixes = []
        return profile
    }

    package static let policyKeys = ["allowed_classes", "denied_prefixes", "allowed_prefixes"]
    package static let memberKeys = ["accounts", "ips", "trunks"]

    /// `self` with every setting of `other` laid over it.
    package func overlaid(with other: AnalysisProfile) -> AnalysisProfile {
        var merged = self
        merged.limits.merge(other.limits) { _, new in new }
        merged.allowedClasses = other.allowedClasses ?? allowedClasses
        merged.deniedPrefixes = other.deniedPrefixes ?? deniedPrefixes
        merged.allowedPrefixes = other.allowedPrefixes ?? allowedPrefixes
        return merged
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys {
            switch key.stringValue {
            case "allowed_classes": allowedClasses = try container.decode([DestinationClass].self, forKey: key)
            case "denied_prefixes": deniedPrefixes = try container.decode([String].self, forKey: key)
            case "allowed_prefixes": allowedPrefixes = try container.decode([String].self, forKey: key)
            case "accounts": accounts = try container.decode([String].self, forKey: key)
            case "ips": ips = try container.decode([String].self, forKey: key)
            case "trunks": trunks = try container.decode([String].self, forKey: key)
            default:
                guard let limit = AnalysisLimit(name: key.stringValue) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: key, in: container,
                        debugDescription: "not an analysis setting (limits are named like velocity_attempts_1m; "
                            + "see the README's analysis table)")
                }
                if let value = try? container.decode(Double.self, forKey: key) {
                    limits[limit] = value
                } else {
                    limits[limit] = Double(try container.decode(Int.self, forKey: key))
                }
            }
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        for limit in AnalysisLimit.allCases {
            if let value = limits[limit] { try container.encode(value, forKey: AnyCodingKey(stringValue: limit.name)) }
        }
        try container.encodeIfPresent(allowedClasses, forKey: AnyCodingKey(stringValue: "allowed_classes"))
        try container.encodeIfPresent(deniedPrefixes, forKey: AnyCodingKey(stringValue: "denied_prefixes"))
        try container.encodeIfPresent(allowedPrefixes, forKey: AnyCodingKey(stringValue: "allowed_prefixes"))
        try container.encodeIfPresent(accounts, forKey: AnyCodingKey(stringValue: "accounts"))
        try container.encodeIfPresent(ips, forKey: AnyCodingKey(stringValue: "ips"))
        try container.encodeIfPresent(trunks, forKey: AnyCodingKey(stringValue: "trunks"))
    }
}
