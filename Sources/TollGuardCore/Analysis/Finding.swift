import Foundation

/// One analyzer's observation about one subject at one moment: the raw material of alerts.
///
/// Analyzers emit a finding per offending event; the alert layer merges the findings of a
/// continuing pattern into one alert per (rule, subject, window).
package struct Finding: Sendable {
    package var rule: AnalysisRule
    package var severity: Severity
    package var subject: Subject
    /// When the offending event happened (event time, never the wall clock).
    package var time: Date
    /// What happened, with the figure and the limit: "made 34 international attempts in 10 min (limit 10)".
    package var headline: String
    /// A fixed window the alert belongs to, such as the local day of a quota; nil for gap-merged rules.
    package var windowKey: String?
    /// The measured values and the limits, with where each limit came from.
    package var metrics: [String: MetricValue]
    /// The calls behind the finding.
    package var calls: [EvidenceCall]
    /// The log lines behind the finding (security-log rules).
    package var lines: [EvidenceLogLine] = []

    package init(
        rule: AnalysisRule, severity: Severity, subject: Subject, time: Date, headline: String,
        windowKey: String? = nil,
        metrics: [String: MetricValue] = [:], calls: [EvidenceCall]
    ) {
        self.rule = rule
        self.severity = severity
        self.subject = subject
        self.time = time
        self.headline = headline
        self.windowKey = windowKey
        self.metrics = metrics
        self.calls = calls
    }
}

/// A number or a word in an alert's metrics, stored as JSON.
package enum MetricValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case count(Int)
    case number(Double)
    /// Money in micro-units, shown in the currency.
    case money(Int64)
    case text(String)
    case list([String])

    package var description: String {
        switch self {
        case .count(let value): String(value)
        case .number(let value): value == value.rounded() ? String(Int(value)) : String(value)
        case .money(let micros): Money.format(micros, decimals: 2)
        case .text(let text): text
        case .list(let items): items.joined(separator: ",")
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .count(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .money(let micros): try container.encode(Double(micros) / Double(Money.microsPerUnit))
        case .text(let text): try container.encode(text)
        case .list(let items): try container.encode(items)
        }
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .count(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let items = try? container.decode([String].self) {
            self = .list(items)
        } else {
            self = .text(try container.decode(String.self))
        }
    }
}
