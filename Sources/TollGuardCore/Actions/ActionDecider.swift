import Foundation
import GRDB

/// What acting on new and escalated alerts did.
package struct AlertActionsReport: Sendable, Hashable {
    /// Alerts looked at (new, or more severe since last time).
    package var alerts = 0
    /// Deliveries queued, by event type.
    package var deliveries: [HookEventType: Int] = [:]
    /// Accounts suspended by the policy (`enforce`).
    package var suspended: [Suspension] = []
    /// Accounts the policy would have suspended (`report-only`).
    package var wouldSuspend: [Suspension] = []
    /// Alerts added to suspensions already in force (no hook runs twice).
    package var joinedExisting = 0

    package init() {}

    /// How many deliveries were queued in all.
    package var deliveryCount: Int { deliveries.values.reduce(0, +) }
}

/// The decisions that follow an alert or a person's word: which accounts the suspension policy
/// suspends, which hook events are owed, and when a suspension ends.
///
/// Each decision is one transaction that also writes the hook events it owes into the outbox
/// and the marks that say it was taken, so a crash repeats nothing and loses nothing.
/// Delivering the outbox is the caller's next step (`ActionLayer` in `TollGuardHooks`).
package struct ActionDecider: Sendable {
    package let database: TollGuardDatabase
    package let settings: ActionSettings

    package init(database: TollGuardDatabase, settings: ActionSettings) {
        self.database = database
        self.settings = settings
    }

    /// Acts on every alert that is new or more severe since it was last acted on.
    ///
    /// Queues `alert` and `quota_warning` events for the hooks, and suspends (or, report-only, would suspend)
    /// the accounts the policy names.
    package func actOnNewAlerts(now: Date = Date()) throws -> AlertActionsReport {
        try database.writer.write { db in try actOnNewAlerts(now: now, db) }
    }

    /// ``actOnNewAlerts(now:)`` without holding a thread of the cooperative pool while the store is busy.
    package func actOnNewAlerts(now: Date = Date()) async throws -> AlertActionsReport {
        try await database.writer.write { db in try actOnNewAlerts(now: now, db) }
    }

    /// Suspends `account` by hand.
    ///
    /// An account already suspended stays as it is and no hook runs again.
    ///
    /// The account's open alerts are attached as the evidence.
    package func suspend(
        account: String, reason: String, until: Date?, actor: String, now: Date = Date()
    ) throws -> SuspendOutcome {
        try database.writer.write { db in
            if let active = try SuspensionStore.active(account: account, db) { return .alreadySuspended(active) }
            let alerts = try SuspensionStore.openAlerts(ofAccount: account, db)
            let suspension = try SuspensionStore.insert(
                account: account, enforced: true, reason: reason, actor: actor, until: until,
                alertIDs: alerts.map(\.id), now: now, db)
            let event = HookEvent.about(
                suspension, type: .suspend, mode: nil, actor: actor, reason: reason,
                alerts: alerts.map(HookEvent.AlertInfo.init),
                figures: try SuspensionStore.figures(alertIDs: suspension.alertIDs, settings.currency, db), now: now)
            try Outbox.enqueue(event, hooks: settings.hooks, now: now, db)
            try Self.journal(suspension, action: "suspension.started", by: actor, note: reason, now: now, db)
            return .suspended(suspension)
        }
    }

    /// Lifts `account`'s suspension and queues the unsuspend hooks; `nil` when it is not suspended.
    package func unsuspend(account: String, comment: String?, actor: String, now: Date = Date()) throws -> Suspension? {
        try database.writer.write { db in
            guard let active = try SuspensionStore.active(account: account, db) else { return nil }
            return try lift(active, by: actor, comment: comment, now: now, db)
        }
    }

    /// Applies a person's `change` to the alerts `ids`, journaled, with an `alert_changed` event
    /// for each alert changed queued for the hooks that take it.
    package func changeAlerts(
        _ ids: [Int64], _ change: AlertChange, actor: String, comment: String?, now: Date = Date()
    ) async throws -> TriageResult {
        try await database.writer.write { db in
            try AlertTriage.change(
                ids, change, actor: actor, comment: comment, suppressFor: settings.falsePositiveQuiet,
                hooks: settings.hooks, now: now, db)
        }
    }

    /// Lifts every suspension whose `until` has passed, queueing the unsuspend hooks.
    package func liftExpiredSuspensions(now: Date = Date()) throws -> [Suspension] {
        try database.writer.write { db in
            try SuspensionStore.expired(at: now, db).map { suspension in
                try lift(suspension, by: "expiry", comment: "expired", now: now, db)
            }
        }
    }

    // MARK: - Inside a transaction

    private func actOnNewAlerts(now: Date, _ db: Database) throws -> AlertActionsReport {
        var report = AlertActionsReport()
        var accounts: [String] = []
        var suspending: [String: [StoredAlert]] = [:]
        let alertHooks = settings.hooks.filter { $0.events.contains(.alert) }
        let quotaHooks = settings.hooks.filter { $0.events.contains(.quotaWarning) }
        for (alert, previousRank) in try SuspensionStore.alertsNotActedOn(db) {
            report.alerts += 1
            guard alert.state == .open || alert.state == .acknowledged else { continue }
            var figures: HookEvent.Figures?
            func alertFigures() throws -> HookEvent.Figures {
                if let figures { return figures }
                let computed = try SuspensionStore.figures(alertIDs: [alert.id], settings.currency, db)
                figures = computed
                return computed
            }
            if alertHooks.contains(where: { $0.receives(.alert, severity: alert.severity) }) {
                let event = HookEvent.about(alert, type: .alert, figures: try alertFigures(), now: now)
                report.deliveries[.alert, default: 0] += try Outbox.enqueue(event, hooks: alertHooks, now: now, db)
            }
            if alert.rule == AnalysisRule.dailyQuota.rawValue, alert.severity == .warning,
                previousRank < Severity.warning.rawValue, !quotaHooks.isEmpty
            {
                let event = HookEvent.about(alert, type: .quotaWarning, figures: try alertFigures(), now: now)
                report.deliveries[.quotaWarning, default: 0] += try Outbox.enqueue(
                    event, hooks: quotaHooks, now: now, db)
            }
            if settings.policy.suspends(rule: alert.rule, severity: alert.severity, subject: alert.subject) {
                if suspending[alert.subject.value] == nil { accounts.append(alert.subject.value) }
                suspending[alert.subject.value, default: []].append(alert)
            }
        }
        try SuspensionStore.markAlertsActedOn(db)
        for account in accounts {
            let alerts = (suspending[account] ?? []).sorted {
                $0.severity != $1.severity ? $0.severity > $1.severity : $0.id < $1.id
            }
            if let active = try SuspensionStore.active(account: account, db) {
                try SuspensionStore.link(alerts.map(\.id), to: active.id, db)
                report.joinedExisting += alerts.count
                continue
            }
            guard let lead = alerts.first else { continue }
            let enforced = settings.policy.mode == .enforce
            let suspension = try SuspensionStore.insert(
                account: account, enforced: enforced, reason: "\(lead.rule) \(lead.severity.name): \(lead.summary)",
                actor: "policy", until: enforced ? settings.policy.expiry(after: now) : nil,
                alertIDs: alerts.map(\.id), now: now, db)
            let type: HookEventType = enforced ? .suspend : .wouldSuspend
            let event = HookEvent.about(
                suspension, type: type, mode: settings.policy.mode, actor: "policy", reason: suspension.reason,
                alerts: alerts.map(HookEvent.AlertInfo.init),
                figures: try SuspensionStore.figures(alertIDs: suspension.alertIDs, settings.currency, db), now: now)
            report.deliveries[type, default: 0] += try Outbox.enqueue(event, hooks: settings.hooks, now: now, db)
            try Self.journal(
                suspension, action: enforced ? "suspension.started" : "suspension.would_start", by: "policy",
                note: suspension.reason, now: now, db)
            if enforced { report.suspended.append(suspension) } else { report.wouldSuspend.append(suspension) }
        }
        return report
    }

    private func lift(
        _ suspension: Suspension, by actor: String, comment: String?, now: Date, _ db: Database
    ) throws -> Suspension {
        let lifted = try SuspensionStore.lift(suspension, by: actor, comment: comment, now: now, db)
        let event = HookEvent.about(
            lifted, type: .unsuspend, mode: nil, actor: actor, reason: comment ?? "lifted by \(actor)",
            alerts: try SuspensionStore.alertInfos(ids: lifted.alertIDs, db),
            figures: try SuspensionStore.figures(alertIDs: lifted.alertIDs, settings.currency, db), now: now)
        try Outbox.enqueue(event, hooks: settings.hooks, now: now, db)
        try Self.journal(lifted, action: "suspension.lifted", by: actor, note: comment, now: now, db)
        return lifted
    }

    /// The journal's line for a suspension's start or end.
    private static func journal(
        _ suspension: Suspension, action: String, by actor: String, note: String?, now: Date, _ db: Database
    ) throws {
        var entry = JournalEntry(
            at: now, actor: actor, action: action, subjectType: "account", subject: suspension.account,
            before: action == "suspension.lifted" ? "suspended (\(suspension.id))" : nil,
            after: action == "suspension.lifted" ? "lifted" : "suspended (\(suspension.id))", note: note)
        try entry.insert(db)
    }
}
