import Foundation

/// Everything the action layer needs from the configuration: the policy, the hooks, the
/// currency, and how long a false positive keeps its rule quiet.
package struct ActionSettings: Sendable {
    package var policy: SuspensionPolicy
    package var hooks: [HookSettings]
    package var currency: String
    package var falsePositiveQuiet: TimeInterval

    package init(
        policy: SuspensionPolicy = SuspensionPolicy(), hooks: [HookSettings] = [], currency: String = "USD",
        falsePositiveQuiet: TimeInterval = 7 * 86_400
    ) {
        self.policy = policy
        self.hooks = hooks
        self.currency = currency
        self.falsePositiveQuiet = falsePositiveQuiet
    }

    package init(_ configuration: TollGuardConfiguration) {
        self.init(
            policy: configuration.suspension, hooks: configuration.hooks, currency: configuration.rating.currency,
            falsePositiveQuiet: configuration.analysis.falsePositiveSuppressHours * 3600)
    }
}
