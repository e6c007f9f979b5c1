import Foundation

/// Everything the action layer needs from the configuration: the policy, the hooks and the currency.
package struct ActionSettings: Sendable {
    package var policy: SuspensionPolicy
    package var hooks: [HookSettings]
    package var currency: String

    package init(policy: SuspensionPolicy = SuspensionPolicy(), hooks: [HookSettings] = [], currency: String = "USD") {
        self.policy = policy
        self.hooks = hooks
        self.currency = currency
    }

    package init(_ configuration: TollGuardConfiguration) {
        self.init(policy: configuration.suspension, hooks: configuration.hooks, currency: configuration.rating.currency)
    }
}
