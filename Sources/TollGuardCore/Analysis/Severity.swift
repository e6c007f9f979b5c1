/// How urgent an alert is.
///
/// `high` and above are what suspension policies and the
/// detection-quality figures count.
package enum Severity: Int, Sendable, Hashable, Comparable, CaseIterable, Codable, CustomStringConvertible {
    case info = 0
    case warning = 1
    case high = 2
    case critical = 3

    package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The name stored and printed (`high`).
    package var name: String {
        switch self {
        case .info: "info"
        case .warning: "warning"
        case .high: "high"
        case .critical: "critical"
        }
    }

    package var description: String { name }

    /// Parses a stored or typed name.
    package init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = match
    }

    /// One step more urgent, stopping at `critical`.
    package var raised: Severity { Severity(rawValue: min(rawValue + 1, Severity.critical.rawValue)) ?? .critical }

    /// `raised` when `condition` holds.
    package func raised(if condition: Bool) -> Severity { condition ? raised : self }

    /// The severity for an observed value against its limit: `base` at the limit, one step up
    /// from `factor` times the limit.
    package static func scaled(_ value: Double, limit: Double, base: Severity, factor: Double) -> Severity {
        base.raised(if: limit > 0 && value >= limit * factor)
    }

    package init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let severity = Severity(name: name) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "\"\(name)\" is not info, warning, high or critical"))
        }
        self = severity
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
