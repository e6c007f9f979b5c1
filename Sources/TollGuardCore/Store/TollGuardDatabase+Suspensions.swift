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

    package var deliveryCount: Int { deliveries.values.reduce(0, +) }
}

extension TollGuardDatabase {
    /// Acts on every alert that is new or more severe since it was last acted on: queues `alert`
    /// and `quota_warning` events for the hooks, and suspends (or, report-only, would suspend)
    /// the accounts the policy names — all in one transaction with the marks that say so, so a
    /// crash repeats nothing and loses nothing.
    package func actOnAlerts(_ settings: ActionSettings, now: Date = Date()) throws -> AlertActionsReport {
        try writer.write { db in
            var report = AlertActionsReport()
            var accounts: [String] = []
            var suspending: [String: [StoredAlert]] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM alerts WHERE severity_rank > notified_rank ORDER BY id")
            let alertHooks = settings.hooks.filter { $0.events.contains(.alert) }
            let quotaHooks = settings.hooks.filter { $0.events.contains(.quotaWarning) }
            for row in rows {
                let alert = try Self.alert(from: row)
                let previousRank: Int = row["notified_rank"]
                report.alerts += 1
                guard alert.state == .open || alert.state == .acknowledged else { continue }
                var figures: HookEvent.Figures?
                func alertFigures() throws -> HookEvent.Figures {
                    if let figures { return figures }
                    let computed = try Self.figures(alertIDs: [alert.id], settings.currency, db)
                    figures = computed
                    return computed
                }
                if alertHooks.contains(where: { $0.receives(.alert, severity: alert.severity) }) {
                    let event = HookEvent.about(alert, type: .alert, figures: try alertFigures(), now: now)
                    report.deliveries[.alert, default: 0] += try Self.enqueue(event, hooks: alertHooks, now: now, db)
                }
                if alert.rule == AnalysisRule.dailyQuota.rawValue, alert.severity == .warning,
                    previousRank < Severity.warning.rawValue, !quotaHooks.isEmpty
                {
                    let event = HookEvent.about(alert, type: .quotaWarning, figures: try alertFigures(), now: now)
                    report.deliveries[.quotaWarning, default: 0] += try Self.enqueue(
                        event, hooks: quotaHooks, now: now, db)
                }
                if settings.policy.suspends(rule: alert.rule, severity: alert.severity, subject: alert.subject) {
                    if suspending[alert.subject.value] == nil { accounts.append(alert.subject.value) }
                    suspending[alert.subject.value, default: []].append(alert)
                }
            }
            try db.execute(sql: "UPDATE alerts SET notified_rank = severity_rank WHERE severity_rank > notified_rank")
            for account in accounts {
                let alerts = (suspending[account] ?? []).sorted {
                    $0.severity != $1.severity ? $0.severity > $1.severity : $0.id < $1.id
                }
                if let active = try Self.activeSuspension(account: account, db) {
                    try Self.link(alerts.map(\.id), to: active.id, db)
                    report.joinedExisting += alerts.count
                    continue
                }
                guard let lead = alerts.first else { continue }
                let enforced = settings.policy.mode == .enforce
                let suspension = try Self.insertSuspension(
                    account: account, enforced: enforced, reason: "\(lead.rule) \(lead.severity.name): \(lead.summary)",
                    actor: "policy", until: enforced ? settings.policy.expiry(after: now) : nil,
                    alertIDs: alerts.map(\.id), now: now, db)
                let type: HookEventType = enforced ? .suspend : .wouldSuspend
                let event = HookEvent.about(
                    suspension, type: type, mode: settings.policy.mode, actor: "policy", reason: suspension.reason,
                    alerts: alerts.map(HookEvent.AlertInfo.init),
                    figures: try Self.figures(alertIDs: suspension.alertIDs, settings.currency, db), now: now)
                report.deliveries[type, default: 0] += try Self.enqueue(event, hooks: settings.hooks, now: now, db)
                if enforced { report.suspended.append(suspension) } else { report.wouldSuspend.append(suspension) }
            }
            return report
        }
    }

    /// Suspends `account` by hand.
    ///
    /// An account already suspended stays as it is and no hook runs again.
    /// The account's open alerts are attached as the evidence.
    package func suspend(
        account: String, reason: String, until: Date?, actor: String, settings: ActionSettings, now: Date = Date()
    ) throws -> SuspendOutcome {
        try writer.write { db in
            if let active = try Self.activeSuspension(account: account, db) { return .alreadySuspended(active) }
            let alerts = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM alerts WHERE subject_type = 'account' AND subject = ? AND state IN ('open', 'acknowledged')
                    ORDER BY severity_rank DESC, id
                    """, arguments: [account]
            ).map(Self.alert(from:))
            let suspension = try Self.insertSuspension(
                account: account, enforced: true, reason: reason, actor: actor, until: until,
                alertIDs: alerts.map(\.id), now: now, db)
            let event = HookEvent.about(
                suspension, type: .suspend, mode: nil, actor: actor, reason: reason,
                alerts: alerts.map(HookEvent.AlertInfo.init),
                figures: try Self.figures(alertIDs: suspension.alertIDs, settings.currency, db), now: now)
            try Self.enqueue(event, hooks: settings.hooks, now: now, db)
            return .suspended(suspension)
        }
    }

    /// Lifts `account`'s suspension and queues the unsuspend hooks; `nil` when it is not suspended.
    package func unsuspend(
        account: String, comment: String?, actor: String, settings: ActionSettings, now: Date = Date()
    ) throws -> Suspension? {
        try writer.write { db in
            guard let active = try Self.activeSuspension(account: account, db) else { return nil }
            return try Self.lift(active, by: actor, comment: comment, settings: settings, now: now, db)
        }
    }

    /// Lifts every suspension whose `until` has passed, queueing the unsuspend hooks.
    package func liftExpiredSuspensions(_ settings: ActionSettings, now: Date = Date()) throws -> [Suspension] {
        try writer.write { db in
            let due = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM suspensions WHERE enforced = 1 AND lifted_utc IS NULL AND until_utc IS NOT NULL
                      AND until_utc <= ? ORDER BY id
                    """, arguments: [CivilTime.utcText(now)]
            ).map { try Self.suspension(from: $0, db) }
            return try due.map { suspension in
                try Self.lift(
                    suspension, by: "expiry", comment: "expired", settings: settings, now: now, db)
            }
        }
    }

    /// Suspensions in force, or with `includeHistory` every one (lifted and report-only too), newest first.
    package func suspensions(includeHistory: Bool = false) throws -> [Suspension] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM suspensions"
                    + (includeHistory ? "" : " WHERE enforced = 1 AND lifted_utc IS NULL") + " ORDER BY id DESC"
            ).map { try Self.suspension(from: $0, db) }
        }
    }

    /// The suspension in force for `account`, if any.
    package func activeSuspension(account: String) throws -> Suspension? {
        try writer.read { db in try Self.activeSuspension(account: account, db) }
    }

    // MARK: Inside a transaction

    private static func lift(
        _ suspension: Suspension, by actor: String, comment: String?, settings: ActionSettings, now: Date,
        _ db: Database
    ) throws -> Suspension {
        try db.execute(
            sql: "UPDATE suspensions SET lifted_utc = ?, lifted_by = ?, lift_comment = ? WHERE id = ?",
            arguments: [CivilTime.utcText(now), actor, comment, suspension.id])
        var lifted = suspension
        lifted.liftedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        lifted.liftedBy = actor
        lifted.liftComment = comment
        let alerts = try alertInfos(ids: lifted.alertIDs, db)
        let event = HookEvent.about(
            lifted, type: .unsuspend, mode: nil, actor: actor, reason: comment ?? "lifted by \(actor)", alerts: alerts,
            figures: try figures(alertIDs: lifted.alertIDs, settings.currency, db), now: now)
        try enqueue(event, hooks: settings.hooks, now: now, db)
        return lifted
    }

    private static func activeSuspension(account: String, _ db: Database) throws -> Suspension? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM suspensions WHERE account = ? AND enforced = 1 AND lifted_utc IS NULL",
            arguments: [account]
        ).map { try suspension(from: $0, db) }
    }

    private static func insertSuspension(
        account: String, enforced: Bool, reason: String, actor: String, until: Date?, alertIDs: [Int64], now: Date,
        _ db: Database
    ) throws -> Suspension {
        try db.execute(
            sql: """
                INSERT INTO suspensions (account, enforced, reason, actor, created_utc, until_utc)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [account, enforced, reason, actor, CivilTime.utcText(now), until.map(CivilTime.utcText)])
        let id = db.lastInsertedRowID
        try link(alertIDs, to: id, db)
        func second(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
        return Suspension(
            id: id, account: account, enforced: enforced, reason: reason, actor: actor, since: second(now),
            until: until.map(second), alertIDs: Array(Set(alertIDs)).sorted())
    }

    private static func link(_ alertIDs: [Int64], to suspensionID: Int64, _ db: Database) throws {
        for alertID in alertIDs {
            try db.execute(
                sql: "INSERT OR IGNORE INTO suspension_alerts (suspension_id, alert_id) VALUES (?, ?)",
                arguments: [suspensionID, alertID])
        }
    }

    private static func suspension(from row: Row, _ db: Database) throws -> Suspension {
        func date(_ column: String) -> Date? {
            (row[column] as String?).flatMap { CivilTime.parseUTC(dateOrDateTime: $0) }
        }
        let id: Int64 = row["id"]
        return Suspension(
            id: id, account: row["account"], enforced: row["enforced"], reason: row["reason"], actor: row["actor"],
            since: date("created_utc") ?? Date(timeIntervalSince1970: 0), until: date("until_utc"),
            liftedAt: date("lifted_utc"), liftedBy: row["lifted_by"], liftComment: row["lift_comment"],
            alertIDs: try Int64.fetchAll(
                db, sql: "SELECT alert_id FROM suspension_alerts WHERE suspension_id = ? ORDER BY alert_id",
                arguments: [id]))
    }

    private static func alertInfos(ids: [Int64], _ db: Database) throws -> [HookEvent.AlertInfo] {
        guard !ids.isEmpty else { return [] }
        return try Row.fetchAll(
            db,
            sql: "SELECT * FROM alerts WHERE id IN (\(ids.map(String.init).joined(separator: ", "))) "
                + "ORDER BY severity_rank DESC, id"
        ).map { HookEvent.AlertInfo(try alert(from: $0)) }
    }

    private static func figures(alertIDs: [Int64], _ currency: String, _ db: Database) throws -> HookEvent.Figures {
        guard !alertIDs.isEmpty else { return HookEvent.Figures(calls: [], currency: currency) }
        let calls = try Row.fetchAll(
            db,
            sql: """
                SELECT call_key, number, region, cost_micros FROM alert_calls
                WHERE alert_id IN (\(alertIDs.map(String.init).joined(separator: ", "))) ORDER BY at_utc, call_key
                """
        ).map { row in
            (key: row[0] as String, number: row[1] as String, region: row[2] as String?, costMicros: row[3] as Int64)
        }
        return HookEvent.Figures(calls: calls, currency: currency)
    }
}
