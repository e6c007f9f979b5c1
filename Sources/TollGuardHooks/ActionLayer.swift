import Foundation
import Logging
import TollGuardCore

/// What happens after an alert or a person's decision, in one place: the suspension policy and
/// the hook events it owes (``ActionDecider``), their delivery from the outbox
/// (``HookDispatcher``), and the live calls hung up on the switch.
///
/// `analyze`, `serve`, `suspend`/`unsuspend`, `suspensions`, `logs scan|follow` and
/// `hooks deliver|retry` all act through it; none of them decides or delivers by itself.
/// Decisions are one transaction each with the outbox rows they owe, so a crash between a
/// decision and its delivery loses nothing: the next delivery pass sends it.
package struct ActionLayer: Sendable {
    /// Asks the switch that carries a live call to hang it up and returns the switch's answer
    /// (`+OK`, `Success: Channel Hungup`); throws ``HangupRefused`` for a call it will not send.
    package typealias HangUpCall = @Sendable (LiveCall) async throws -> String

    package let database: TollGuardDatabase
    /// The configuration as last (re)loaded: policy, hooks and kill settings are read per step.
    package let configuration: ReloadableConfiguration
    package let logger: Logger
    /// How live calls are hung up; nil where there is no live connection to a switch.
    package let hangUpCall: HangUpCall?
    /// Where webhook secrets are read (`secret_env`).
    package let environment: [String: String]
    package let now: @Sendable () -> Date

    package init(
        database: TollGuardDatabase, configuration: ReloadableConfiguration, logger: Logger,
        hangUpCall: HangUpCall? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.configuration = configuration
        self.logger = logger
        self.hangUpCall = hangUpCall
        self.environment = environment
        self.now = now
    }

    /// The action layer of a command that runs once with `configuration`.
    package init(database: TollGuardDatabase, configuration: TollGuardConfiguration, logger: Logger) {
        self.init(database: database, configuration: ReloadableConfiguration(configuration), logger: logger)
    }

    private var decider: ActionDecider {
        ActionDecider(database: database, settings: ActionSettings(configuration.current))
    }

    // MARK: - Decisions

    /// Acts on the alerts new or more severe since last acted on: policy, suspensions, hook events
    /// into the outbox.
    ///
    /// Nothing is delivered yet.
    package func actOnNewAlerts() async throws -> AlertActionsReport {
        let report = try await decider.actOnNewAlerts(now: now())
        for suspension in report.suspended {
            logger.notice(
                "suspended by the policy",
                metadata: [
                    "account": "\(suspension.account)", "suspension.id": "\(suspension.id)",
                    "suspension.reason": "\(suspension.reason)",
                ])
        }
        return report
    }

    /// Lifts the suspensions whose `until` has passed; their unsuspend events go into the outbox.
    package func liftExpiredSuspensions() throws -> [Suspension] {
        let lifted = try decider.liftExpiredSuspensions(now: now())
        for suspension in lifted {
            logger.notice(
                "suspension expired; lifted",
                metadata: ["account": "\(suspension.account)", "suspension.id": "\(suspension.id)"])
        }
        return lifted
    }

    /// The usual step after alerts were stored (`analyze`, `logs`): expired suspensions lifted,
    /// the policy applied to new and escalated alerts, then everything due delivered.
    package func act() async throws -> ActionRound {
        var round = ActionRound()
        round.expired = try liftExpiredSuspensions()
        round.actions = try await actOnNewAlerts()
        round.delivery = try await deliverDue()
        return round
    }

    /// Suspends `account` by hand and delivers its events.
    package func suspend(account: String, reason: String, until: Date?, actor: String) async throws -> (
        outcome: SuspendOutcome, delivery: DeliveryPass
    ) {
        let outcome = try decider.suspend(account: account, reason: reason, until: until, actor: actor, now: now())
        if case .suspended(let suspension) = outcome {
            logger.notice(
                "suspended by hand",
                metadata: ["account": "\(account)", "suspension.id": "\(suspension.id)", "actor": "\(actor)"])
        }
        return (outcome, try await deliverDue(startingWithin: Self.commandDeliveryWait))
    }

    /// Lifts `account`'s suspension and delivers its events; the outcome is nil when it was not suspended.
    package func unsuspend(account: String, comment: String?, actor: String) async throws -> (
        lifted: Suspension?, delivery: DeliveryPass
    ) {
        guard let lifted = try decider.unsuspend(account: account, comment: comment, actor: actor, now: now()) else {
            return (nil, DeliveryPass())
        }
        logger.notice(
            "suspension lifted",
            metadata: ["account": "\(account)", "suspension.id": "\(lifted.id)", "actor": "\(actor)"])
        return (lifted, try await deliverDue(startingWithin: Self.commandDeliveryWait))
    }

    /// Applies a person's `change` to the alerts `ids` (journaled, `alert_changed` events
    /// queued); the delivery service, or the next command that delivers, sends the events.
    package func changeAlerts(_ ids: [Int64], _ change: AlertChange, actor: String, comment: String?) async throws
        -> TriageResult
    {
        let result = try await decider.changeAlerts(ids, change, actor: actor, comment: comment, now: now())
        if !result.changed.isEmpty {
            logger.info(
                "alerts changed",
                metadata: [
                    "actor": "\(actor)", "change": "\(change.action)",
                    "alert.ids": "\(result.changed.map(\.after.id))",
                ])
        }
        return result
    }

    // MARK: - Delivery

    /// How long `suspend` and `unsuspend` start deliveries for before they answer (each hook's
    /// own timeout then bounds what runs); what is left is reported and delivered later.
    package static let commandDeliveryWait: Duration = .seconds(20)

    /// Delivers every due delivery of the outbox once (a failed one waits for its backoff), each
    /// hook beside the others; with `startingWithin`, none starts after that long.
    package func deliverDue(startingWithin limit: Duration? = nil) async throws -> DeliveryPass {
        try await deliverDue(from: database, startingWithin: limit)
    }

    /// ``deliverDue(startingWithin:)`` from another outbox: the cluster store's, on the node that
    /// leads its analysis.
    package func deliverDue(from outbox: any OutboxStore, startingWithin limit: Duration? = nil) async throws
        -> DeliveryPass
    {
        try await HookDispatcher(
            outbox: outbox, hooks: configuration.current.hooks, settings: configuration.current.hookDelivery,
            environment: environment, logger: logger, now: now
        ).deliverDue(startingWithin: limit)
    }

    // MARK: - Live calls

    /// Hangs up `calls` one by one, each on the switch that carries it (`uuid_kill`, `Action:
    /// Hangup` by channel name; never `hupall` or a pattern), and records each kill with the
    /// switch's answer; `switchTime` gives a switch's clock then.
    ///
    /// A call the switch connection refuses to send (an id that is not one: a space, a line
    /// break, text the switch would read as more command) is logged and never sent.
    @discardableResult
    package func hangUp(
        _ calls: [LiveCall], reason: String, switchTime: (String?) -> Date? = { _ in nil }
    ) async -> [CallKill] {
        guard let hangUpCall else { return [] }
        var kills: [CallKill] = []
        for call in calls {
            let reply: String
            do {
                reply = try await hangUpCall(call).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch let refused as HangupRefused {
                logger.warning(
                    "not killing a call: \(refused.reason)",
                    metadata: ["call.uuid": "\(call.uuid.debugDescription)", "switch": "\(call.switchName ?? "")"])
                continue
            } catch {
                reply = "error: \(error)"
            }
            let kill = CallKill(
                uuid: call.uuid, account: call.account, reason: reason, at: now(), reply: reply,
                callTime: switchTime(call.switchName), switchName: call.switchName)
            kills.append(kill)
            logger.notice(
                "killed call",
                metadata: [
                    "call.uuid": "\(call.uuid)", "account": "\(call.account)", "kill.reason": "\(reason)",
                    "kill.reply": "\(reply)", "switch": "\(call.switchName ?? "")",
                ])
            do {
                try await database.record(kill)
            } catch {
                logger.error(
                    "could not record a kill", metadata: ["call.uuid": "\(call.uuid)", "error": "\(error)"])
            }
        }
        return kills
    }
}

/// Why a live call was not sent to its switch to hang up.
package struct HangupRefused: Error, Sendable {
    package var reason: String

    package init(_ reason: String) { self.reason = reason }
}

/// What one round of the action layer did: expiries, decisions, deliveries.
package struct ActionRound: Sendable {
    package var expired: [Suspension] = []
    package var actions = AlertActionsReport()
    package var delivery = DeliveryPass()

    package init() {}
}
