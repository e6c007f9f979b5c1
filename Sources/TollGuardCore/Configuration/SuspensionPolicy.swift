import Foundation

/// `[suspension]`: which alerts suspend an account by themselves, and whether suspending is
/// real (`enforce`) or only announced to the hooks (`report-only`).
package struct SuspensionPolicy: Sendable, Codable, Equatable {
    /// What the policy does when an alert qualifies.
    package enum Mode: String, Sendable, Codable, Equatable, CaseIterable {
        /// Suspend the account and tell the hooks (`suspend` events).
        case enforce
        /// Suspend nothing; tell the hooks what would have been suspended (`would_suspend` events).
        case reportOnly = "report-only"
        /// No automatic suspension; `tollguard suspend` still works.
        case off
    }

    package var mode = Mode.enforce
    /// Rule → the least severity of its alerts that suspends their account.
    ///
    /// `"*"` covers every
    /// rule not named. By default only a daily-quota breach suspends.
    package var rules: [String: Severity] = ["daily_quota": .high]
    /// Accounts never suspended automatically (exact names, or prefixes ending in `*`).
    package var exempt: [String] = []
    /// Automatic suspensions lift themselves after this many hours; 0 keeps them until lifted by hand.
    package var expireAfterHours = 0.0

    package init() {}

    enum CodingKeys: String, CodingKey {
        case mode, rules, exempt
        case expireAfterHours = "expire_after_hours"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SuspensionPolicy()
        mode = try container.decodeIfPresent(Mode.self, forKey: .mode) ?? defaults.mode
        rules = try container.decodeIfPresent([String: Severity].self, forKey: .rules) ?? defaults.rules
        exempt = try container.decodeIfPresent([String].self, forKey: .exempt) ?? defaults.exempt
        expireAfterHours =
            try container.decodeNumberIfPresent(forKey: .expireAfterHours) ?? defaults.expireAfterHours
    }

    /// The least severity at which an alert of `rule` suspends its account, if any does.
    package func threshold(for rule: String) -> Severity? {
        rules[rule] ?? rules["*"]
    }

    /// Whether an alert of `rule` at `severity` about `subject` suspends that account.
    package func suspends(rule: String, severity: Severity, subject: Subject) -> Bool {
        guard mode != .off, subject.kind == .account, !isExempt(subject.value),
            let threshold = threshold(for: rule)
        else { return false }
        return severity >= threshold
    }

    /// Whether `account` is exempt from automatic suspension.
    package func isExempt(_ account: String) -> Bool {
        exempt.contains { pattern in
            pattern.hasSuffix("*") ? account.hasPrefix(pattern.dropLast()) : account == pattern
        }
    }

    /// When an automatic suspension made at `now` lifts itself, if ever.
    package func expiry(after now: Date) -> Date? {
        expireAfterHours > 0 ? now.addingTimeInterval(expireAfterHours * 3600) : nil
    }

    /// Problems that make the policy unusable, as sentences naming the setting.
    package func validationErrors() -> [String] {
        var errors: [String] = []
        for rule in rules.keys.sorted() where rule != "*" && AnalysisRule(rawValue: rule) == nil {
            errors.append(
                "suspension.rules: \"\(rule)\" is not a rule (rules: "
                    + AnalysisRule.allCases.map(\.rawValue).joined(separator: ", ") + ", or \"*\")")
        }
        if expireAfterHours < 0 || !expireAfterHours.isFinite {
            errors.append("suspension.expire_after_hours must be a number of zero or more")
        }
        if exempt.contains(where: { $0.isEmpty || $0 == "*" }) {
            errors.append(
                "suspension.exempt: an empty pattern or \"*\" would exempt every account (use mode = \"off\")")
        }
        return errors
    }
}
