import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The analyzer's suspensions: the policy (`[suspension]`) applied to the alerts it raises or
/// escalates, as the single box's action layer applies it, written in the transaction that
/// writes the alerts; and the suspensions whose `until` has passed, lifted.
///
/// Each suspension made or lifted queues its `suspend`, `would_suspend` or `unsuspend` event for
/// the hooks. The edges enforce the suspensions in force on their own switches
/// (``ClusterSuspensionMirror``).
enum ClusterSuspensions {
    /// What the policy did in one write.
    struct Outcome {
        var suspended: [Suspension] = []
        var lifted: [Suspension] = []
        var queued = 0
    }

    /// Applies `settings.policy` to `alerts` (raised or escalated by this write, with their ids),
    /// and, when `liftingExpired`, lifts the suspensions expired by the database's clock.
    static func act(
        on alerts: [(id: Int64, draft: AlertDraft)], settings: ActionSettings, summarizer: AlertSummarizer,
        epoch: Int64, now: Date, liftingExpired: Bool = true, on connection: PostgresConnection, logger: Logger
    ) async throws -> Outcome {
        var outcome = Outcome()
        let expired = liftingExpired ? try await liftExpired(epoch: epoch, on: connection, logger: logger) : []
        for lifted in expired {
            outcome.lifted.append(lifted)
            outcome.queued += try await queueUnsuspend(
                lifted, actor: "expiry", reason: "expired", hooks: settings.hooks, summarizer: summarizer, epoch: epoch,
                now: now, on: connection, logger: logger)
        }
        let policy = settings.policy
        var accounts: [String] = []
        var suspending: [String: [(id: Int64, draft: AlertDraft)]] = [:]
        for alert in alerts
        where policy.suspends(
            rule: alert.draft.rule.rawValue, severity: alert.draft.severity, subject: alert.draft.subject)
        {
            let account = alert.draft.subject.value
            if suspending[account] == nil { accounts.append(account) }
            suspending[account, default: []].append(alert)
        }
        for account in accounts {
            let behind = (suspending[account] ?? []).sorted {
                $0.draft.severity != $1.draft.severity ? $0.draft.severity > $1.draft.severity : $0.id < $1.id
            }
            let ids = behind.map(\.id)
            if try await link(ids, toSuspensionOf: account, on: connection, logger: logger) { continue }
            guard let lead = behind.first else { continue }
            let enforced = policy.mode == .enforce
            let reason =
                "\(lead.draft.rule.rawValue) \(lead.draft.severity.name): \(summarizer.summary(of: lead.draft))"
            let until = enforced ? policy.expiry(after: now) : nil
            let rows = try await connection.answer(
                """
                INSERT INTO cluster_suspensions (account, enforced, reason, actor, since_utc, until_utc, alert_ids, epoch)
                VALUES (\(account), \(enforced), \(reason), 'policy', \(now), \(until),
                    \(Self.json(ids))::jsonb, \(epoch))
                RETURNING id
                """, logger: logger)
            var made: Int64?
            for try await id in rows.decode(Int64.self) { made = id }
            guard let made else { continue }
            let suspension = Suspension(
                id: made, account: account, enforced: enforced, reason: reason, actor: "policy", since: now,
                until: until, alertIDs: ids)
            outcome.suspended.append(suspension)
            let event = HookEvent.about(
                suspension, type: enforced ? .suspend : .wouldSuspend, mode: policy.mode, actor: "policy",
                reason: reason, alerts: behind.map { HookEvent.AlertInfo($0.draft, id: $0.id, summarizer: summarizer) },
                figures: HookEvent.Figures(drafts: behind.map(\.draft), currency: settings.currency), now: now)
            outcome.queued += try await ClusterOutbox.enqueue(
                event, hooks: settings.hooks, epoch: epoch, on: connection, logger: logger)
        }
        if outcome.suspended.contains(where: \.enforced) || !outcome.lifted.isEmpty {
            try await ringEdges(on: connection, logger: logger)
        }
        return outcome
    }

    /// The channel a change of the suspensions in force is rung on: the edges copy them at once
    /// instead of at their next look (``ClusterSuspensionMirror``).
    static let notificationChannel = "tollguard_suspensions"

    /// Rings the edges at the commit of the transaction on `connection` (none if it rolls back).
    static func ringEdges(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.answer("SELECT pg_notify(\(notificationChannel), '')", logger: logger)
    }

    /// Adds `ids` to the alerts behind `account`'s suspension in force; false when it has none.
    private static func link(
        _ ids: [Int64], toSuspensionOf account: String, on connection: PostgresConnection, logger: Logger
    )
        async throws -> Bool
    {
        let rows = try await connection.answer(
            """
            UPDATE cluster_suspensions SET alert_ids = (
                SELECT coalesce(jsonb_agg(DISTINCT value ORDER BY value), '[]'::jsonb)
                FROM jsonb_array_elements(alert_ids || \(Self.json(ids))::jsonb))
            WHERE account = \(account) AND enforced AND lifted_utc IS NULL
            RETURNING id
            """, logger: logger)
        for try await _ in rows.decode(Int64.self) { return true }
        return false
    }

    /// Lifts the suspensions in force whose `until` has passed; returns them.
    private static func liftExpired(epoch: Int64, on connection: PostgresConnection, logger: Logger) async throws
        -> [Suspension]
    {
        try await ClusterStore.suspensions(
            from: try await connection.answer(
                """
                UPDATE cluster_suspensions
                SET lifted_utc = now(), lifted_by = 'expiry', lift_comment = 'expired', epoch = \(epoch)
                WHERE enforced AND lifted_utc IS NULL AND until_utc <= now()
                RETURNING \(unescaped: ClusterStore.suspensionColumns)
                """, logger: logger))
    }

    /// Queues the `unsuspend` event of `lifted` for `hooks`, with the alerts behind it as the
    /// store holds them; returns the deliveries queued.
    static func queueUnsuspend(
        _ lifted: Suspension, actor: String, reason: String, hooks: [HookSettings], summarizer: AlertSummarizer,
        epoch: Int64, now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(lifted.alertIDs)
        let alerts = try await ClusterStore.alerts(
            PostgresQuery(
                unsafeSQL:
                    "SELECT \(ClusterStore.alertColumns) FROM cluster_alerts WHERE id = ANY($1::bigint[]) ORDER BY id",
                binds: binds), on: connection, logger: logger)
        let event = HookEvent.about(
            lifted, type: .unsuspend, mode: nil, actor: actor, reason: reason,
            alerts: alerts.compactMap { alert in
                alert.id.map { HookEvent.AlertInfo(alert.draft, id: $0, summarizer: summarizer) }
            },
            figures: HookEvent.Figures(drafts: alerts.map(\.draft), currency: summarizer.currency), now: now)
        return try await ClusterOutbox.enqueue(event, hooks: hooks, epoch: epoch, on: connection, logger: logger)
    }

    static func json(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }
}

extension ClusterStore {
    /// Lifts `account`'s suspension in force by a person, `actor`, and queues its `unsuspend`
    /// event for `hooks` (delivered by the leading analyzer); nil when the cluster holds none.
    ///
    /// The edges are rung and lift their copies at once.
    package func liftSuspension(
        account: String, by actor: String, comment: String?, hooks: [HookSettings], summarizer: AlertSummarizer,
        now: Date = Date()
    ) async throws -> Suspension? {
        let logger = self.logger
        return try await client.inTransaction(logger: logger) { connection -> Suspension? in
            let lifted = try await Self.suspensions(
                from: try await connection.answer(
                    """
                    UPDATE cluster_suspensions
                    SET lifted_utc = now(), lifted_by = \(actor), lift_comment = \(comment)
                    WHERE account = \(account) AND enforced AND lifted_utc IS NULL
                    RETURNING \(unescaped: Self.suspensionColumns)
                    """, logger: logger)
            ).first
            guard let lifted else { return nil }
            try await ClusterSuspensions.ringEdges(on: connection, logger: logger)
            // Epoch 0: a person's, not a leader's.
            _ = try await ClusterSuspensions.queueUnsuspend(
                lifted, actor: actor, reason: comment ?? "lifted by \(actor)", hooks: hooks, summarizer: summarizer,
                epoch: 0, now: now, on: connection, logger: logger)
            return lifted
        }
    }

    /// Suspends `account` in the cluster by a person, `actor`, and queues its `suspend` event for
    /// `hooks` (delivered by the leading analyzer); an account the cluster holds suspended stays
    /// as it is and no event is queued again.
    ///
    /// The account's open alerts in the cluster are attached as the evidence. Every edge is rung,
    /// copies the suspension and hangs up the account's calls on its switch.
    package func suspend(
        account: String, reason: String, until: Date?, by actor: String, hooks: [HookSettings],
        summarizer: AlertSummarizer, now: Date = Date()
    ) async throws -> SuspendOutcome {
        let logger = self.logger
        return try await client.inTransaction(logger: logger) { connection -> SuspendOutcome in
            let behind = try await Self.alerts(
                """
                SELECT \(unescaped: Self.alertColumns) FROM cluster_alerts
                WHERE subject_type = 'account' AND subject = \(account) AND state IN ('open', 'acknowledged')
                ORDER BY id
                """, on: connection, logger: logger)
            let ids = behind.compactMap(\.id)
            // Epoch 0: a person's, not a leader's. The index of suspensions in force keeps a second out.
            let made = try await Self.suspensions(
                from: try await connection.answer(
                    """
                    INSERT INTO cluster_suspensions (account, enforced, reason, actor, since_utc, until_utc, alert_ids, epoch)
                    VALUES (\(account), true, \(reason), \(actor), \(now), \(until),
                        \(ClusterSuspensions.json(ids))::jsonb, 0)
                    ON CONFLICT (account) WHERE enforced AND lifted_utc IS NULL DO NOTHING
                    RETURNING \(unescaped: Self.suspensionColumns)
                    """, logger: logger)
            ).first
            guard let made else {
                let held = try await Self.suspensions(
                    from: try await connection.answer(
                        """
                        SELECT \(unescaped: Self.suspensionColumns) FROM cluster_suspensions
                        WHERE account = \(account) AND enforced AND lifted_utc IS NULL
                        """, logger: logger))
                guard let held = held.first else { throw ClusterSuspensionRace(account: account) }
                return .alreadySuspended(held)
            }
            try await ClusterSuspensions.ringEdges(on: connection, logger: logger)
            let event = HookEvent.about(
                made, type: .suspend, mode: nil, actor: actor, reason: reason,
                alerts: behind.compactMap { alert in
                    alert.id.map { HookEvent.AlertInfo(alert.draft, id: $0, summarizer: summarizer) }
                },
                figures: HookEvent.Figures(drafts: behind.map(\.draft), currency: summarizer.currency), now: now)
            _ = try await ClusterOutbox.enqueue(event, hooks: hooks, epoch: 0, on: connection, logger: logger)
            return .suspended(made)
        }
    }

    static let suspensionColumns = """
        id, account, enforced, reason, actor, since_utc, until_utc, lifted_utc, lifted_by, lift_comment, alert_ids::text
        """

    /// The suspensions in force: enforced and not lifted.
    package func suspensionsInForce() async throws -> [Suspension] {
        try await Self.suspensions(
            from: try await client.query(
                """
                SELECT \(unescaped: Self.suspensionColumns) FROM cluster_suspensions
                WHERE enforced AND lifted_utc IS NULL ORDER BY id
                """, logger: logger))
    }

    /// Every suspension the analyzers made, oldest first (lifted and report-only ones too).
    package func suspensions() async throws -> [Suspension] {
        try await Self.suspensions(
            from: try await client.query(
                "SELECT \(unescaped: Self.suspensionColumns) FROM cluster_suspensions ORDER BY id", logger: logger))
    }

    static func suspensions(from rows: PostgresRowSequence) async throws -> [Suspension] {
        var found: [Suspension] = []
        for try await (id, account, enforced, reason, actor, since, until, lifted, liftedBy, comment, alerts)
            in rows.decode((Int64, String, Bool, String, String, Date, Date?, Date?, String?, String?, String).self)
        {
            found.append(
                Suspension(
                    id: id, account: account, enforced: enforced, reason: reason, actor: actor, since: since,
                    until: until, liftedAt: lifted, liftedBy: liftedBy, liftComment: comment,
                    alertIDs: try JSONDecoder().decode([Int64].self, from: Data(alerts.utf8))))
        }
        return found.sorted { $0.id < $1.id }
    }
}

/// A suspension by hand met one in force that was lifted before it could be read: try again.
struct ClusterSuspensionRace: Error, CustomStringConvertible {
    var account: String

    var description: String { "\(account)'s suspension in the cluster changed meanwhile; try again" }
}
