import AsyncHTTPClient
import Foundation
import Logging
import TollGuardCore

/// What one pass over the outbox did.
package struct DeliveryPass: Sendable, Hashable {
    package var delivered = 0
    /// Failed this time, to be retried after the backoff.
    package var retrying = 0
    /// Given up (`max_attempts` spent, or refused for good).
    package var failed = 0
    /// Each attempt made, in order.
    package var attempts: [Attempt] = []
    /// Hooks with deliveries due that did not start before the pass's time was up (they are
    /// tried by the next pass: `serve`, `tollguard hooks deliver`).
    package var stillDue: [StillDue] = []

    package struct StillDue: Sendable, Hashable, Comparable {
        package var hook: String
        package var deliveries: Int

        package init(hook: String, deliveries: Int) {
            self.hook = hook
            self.deliveries = deliveries
        }

        package static func < (lhs: StillDue, rhs: StillDue) -> Bool { lhs.hook < rhs.hook }
    }

    package struct Attempt: Sendable, Hashable {
        package var delivery: OutboxDelivery
        package var result: DeliveryAttempt
    }

    package init() {}
}

/// Delivers what the outbox holds: claims the due deliveries, runs each through its hook, and
/// records every attempt.
///
/// Safe to run from several processes at once (claims are leased);
/// an interrupted pass leaves its deliveries pending for the next one.
package struct HookDispatcher: Sendable {
    /// Where the deliveries wait: this node's store, or the cluster store.
    package let outbox: any OutboxStore
    package let hooks: [HookSettings]
    package let settings: HookDeliverySettings
    /// Where webhook secrets are read (`secret_env`).
    package let environment: [String: String]
    package let now: @Sendable () -> Date
    package let logger: Logger

    package init(
        outbox: any OutboxStore, hooks: [HookSettings], settings: HookDeliverySettings,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.outbox = outbox
        self.hooks = hooks
        self.settings = settings
        self.environment = environment
        self.logger = logger
        self.now = now
    }

    package init(database: TollGuardDatabase, configuration: TollGuardConfiguration, logger: Logger) {
        self.init(outbox: database, hooks: configuration.hooks, settings: configuration.hookDelivery, logger: logger)
    }

    /// Delivers every due delivery once (a failed one waits for its backoff, not for this pass).
    ///
    /// Each hook delivers on its own, in id order (so an account's `unsuspend` never overtakes its
    /// `suspend`), beside the others: a webhook whose target hangs does not hold back the program
    /// that blocks the account. With `startingWithin`, no delivery starts after that long; those
    /// left due are listed in ``DeliveryPass/stillDue``.
    package func deliverDue(startingWithin limit: Duration? = nil) async throws -> DeliveryPass {
        let client = hooks.contains { $0.kind == .webhook } ? Self.makeClient() : nil
        do {
            let pass = try await deliverEachHook(client: client, until: limit.map { ContinuousClock.now + $0 })
            try await client?.shutdown()
            return pass
        } catch {
            try? await client?.shutdown()
            throw error
        }
    }

    private func deliverEachHook(client: HTTPClient?, until deadline: ContinuousClock.Instant?) async throws
        -> DeliveryPass
    {
        var selections = hooks.map { HookSelection.named($0.name) }
        // Deliveries of hooks no longer configured are refused, on their own too.
        selections.append(.noneOf(hooks.map(\.name)))
        let passes = try await withThrowingTaskGroup(of: DeliveryPass.self) { group in
            for selection in selections {
                group.addTask { try await deliverInOrder(selection, client: client, until: deadline) }
            }
            var passes: [DeliveryPass] = []
            for try await pass in group { passes.append(pass) }
            return passes
        }
        var pass = DeliveryPass()
        for part in passes {
            pass.delivered += part.delivered
            pass.retrying += part.retrying
            pass.failed += part.failed
            pass.attempts += part.attempts
            pass.stillDue += part.stillDue
        }
        pass.attempts.sort { $0.delivery.id < $1.delivery.id }
        pass.stillDue.sort()
        return pass
    }

    /// The due deliveries of `selection`, one at a time, in id order: each is leased only while it
    /// runs and tried at most once per pass (a failure waits for its backoff).
    private func deliverInOrder(
        _ selection: HookSelection, client: HTTPClient?, until deadline: ContinuousClock.Instant?
    ) async throws -> DeliveryPass {
        var pass = DeliveryPass()
        let longest = hooks.map(\.timeoutSeconds).max() ?? 10
        var cursor: Int64 = 0
        while true {
            if let deadline, ContinuousClock.now >= deadline {
                if case .named(let name) = selection {
                    let due = try await outbox.dueDeliveryCount(now: now(), hooks: selection)
                    if due > 0 { pass.stillDue.append(.init(hook: name, deliveries: due)) }
                }
                break
            }
            let batch = try await outbox.claimDueDeliveries(
                now: now(), lease: longest + 60, after: cursor, limit: 1, hooks: selection)
            guard let delivery = batch.first else { break }
            cursor = delivery.id
            let result: DeliveryAttempt
            if let hook = hooks.first(where: { $0.name == delivery.hook }) {
                result = await deliver(delivery, through: hook, client: client)
            } else {
                result = DeliveryAttempt(
                    outcome: .rejected, status: nil, duration: .zero,
                    error: "no hook named \"\(delivery.hook)\" in the configuration")
            }
            try await outbox.record(result, for: delivery, settings: settings, now: now())
            pass.attempts.append(.init(delivery: delivery, result: result))
            switch result.outcome {
            case .delivered:
                pass.delivered += 1
            case .failed where delivery.attempts + 1 < settings.maxAttempts:
                pass.retrying += 1
                logger.warning("hook delivery failed; will retry", metadata: Self.metadata(delivery, result))
            default:
                pass.failed += 1
                logger.error("hook delivery given up", metadata: Self.metadata(delivery, result))
            }
        }
        return pass
    }

    private func deliver(_ delivery: OutboxDelivery, through hook: HookSettings, client: HTTPClient?) async
        -> DeliveryAttempt
    {
        let event: HookEvent
        do {
            event = try HookEvent.decode(delivery.payload)
        } catch {
            return DeliveryAttempt(
                outcome: .rejected, status: nil, duration: .zero, error: "stored event cannot be read: \(error)")
        }
        let timeout = Duration.milliseconds(Int64(hook.timeoutSeconds * 1000))
        switch hook.kind {
        case .program:
            return await ProgramHookRunner(outputLimit: settings.outputBytes).run(
                path: hook.path ?? "", arguments: hook.arguments, event: event, payload: delivery.payload,
                timeout: timeout)
        case .webhook:
            guard let name = hook.secretEnvironment, let secret = environment[name], !secret.isEmpty else {
                return DeliveryAttempt(
                    outcome: .rejected, status: nil, duration: .zero,
                    error: "the webhook secret variable \(hook.secretEnvironment ?? "(secret_env)") is not set")
            }
            guard let client, let url = hook.url else {
                return DeliveryAttempt(outcome: .rejected, status: nil, duration: .zero, error: "no url")
            }
            return await WebhookSender(client: client, outputLimit: settings.outputBytes).send(
                payload: delivery.payload, event: event, url: url, secret: secret, timeout: timeout)
        }
    }

    /// What a log line says of a delivery and its attempt.
    private static func metadata(_ delivery: OutboxDelivery, _ result: DeliveryAttempt) -> Logger.Metadata {
        [
            "hook.name": "\(delivery.hook)", "hook.delivery": "\(delivery.id)",
            "hook.event": "\(delivery.eventType.rawValue)", "hook.subject": "\(delivery.subject.description)",
            "hook.error": "\(result.error ?? "")",
        ]
    }

    /// A client that never follows redirects (a POST must not turn into something else).
    private static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}
