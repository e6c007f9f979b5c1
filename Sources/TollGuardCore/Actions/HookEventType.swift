/// What happened, as a hook event names it (`"type"` in the JSON, `TOLLGUARD_EVENT` for programs).
package enum HookEventType: String, Sendable, Hashable, Codable, CaseIterable {
    /// A new alert, or one that became more severe.
    case alert
    /// An account was suspended (by the policy in `enforce` mode, or by a person).
    case suspend
    /// The policy would have suspended an account but runs `report-only`. Delivered to hooks
    /// subscribed to `suspend`, under its own name so a blocking script that acts on `suspend`
    /// does nothing.
    case wouldSuspend = "would_suspend"
    /// A suspension was lifted (by a person, or by its expiry).
    case unsuspend
    /// An account passed the warning share of its daily quota.
    case quotaWarning = "quota_warning"
    /// A person changed an alert: its state, its snooze, who works it, or a comment.
    case alertChanged = "alert_changed"

    /// The subscription that receives this event: `would_suspend` goes to `suspend` subscribers.
    package var subscription: HookEventType { self == .wouldSuspend ? .suspend : self }

    /// Events a hook can subscribe to.
    package static let subscribable: [HookEventType] = [.alert, .suspend, .unsuspend, .quotaWarning, .alertChanged]
}
