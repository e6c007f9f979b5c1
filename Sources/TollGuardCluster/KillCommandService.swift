import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import TollGuardCore

/// An edge's side of the analyzer's kill commands, as a service of `serve`: the commands for
/// the switches it watches are carried out each once, as soon as a notification rings and at
/// least every `interval` (a notification lost while disconnected is found by the next look).
package struct KillCommandService: Service {
    package let connector: ClusterConnector
    /// This edge's name (`done_by` of what it carries out).
    package let node: String
    /// The switches whose commands this edge carries out: those it watches live.
    package let switches: [String]
    /// Hangs one call up on its switch; returns the switch's answer or a refusal of the edge's
    /// own, and throws only when the switch cannot be asked now.
    package let hangUp: @Sendable (KillCommand) async throws -> String
    package var interval = Duration.seconds(1)
    package var retry = ClusterConnector.Retry()
    private let logger: Logger

    package init(
        connector: ClusterConnector, node: String, switches: [String],
        hangUp: @escaping @Sendable (KillCommand) async throws -> String, logger: Logger
    ) {
        self.connector = connector
        self.node = node
        self.switches = switches
        self.hangUp = hangUp
        self.logger = logger
    }

    package func run() async throws {
        await connector.keepRunning(retry: retry, logger: logger, failure: "cannot read the analyzer's kill commands") {
            store in try await carryOut(store)
        }
    }

    /// Listens for the doorbell on one connection and carries out what waits on another.
    private func carryOut(_ store: ClusterStore) async throws {
        let doorbell = Doorbell()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.ring(doorbell, atNotificationsOn: KillCommand.notificationChannel) }
            group.addTask {
                while !Task.isCancelled {
                    let pass = try await store.carryOutKillCommands(for: switches, by: node, hangUp: hangUp)
                    for (command, answer) in pass.done {
                        logger.notice(
                            "hung up a call the analyzer ordered killed",
                            metadata: [
                                "switch": "\(command.switchName)", "call": "\(command.callUUID)",
                                "account": "\(command.account)", "reason": "\(command.reason)", "answer": "\(answer)",
                            ])
                    }
                    for (command, error) in pass.waiting {
                        logger.warning(
                            "a kill command could not reach its switch; it waits",
                            metadata: [
                                "switch": "\(command.switchName)", "call": "\(command.callUUID)", "error": "\(error)",
                            ])
                    }
                    await doorbell.wait(upTo: interval)
                }
            }
            // Either ending (the listening connection lost, a pass failing) ends both: the
            // service finds the primary again.
            try await group.next()
            group.cancelAll()
            throw KillCommandListeningEnded()
        }
    }
}

/// The connection that listened for kill commands ended: the service connects again.
struct KillCommandListeningEnded: Error, CustomStringConvertible {
    var description: String { "the connection listening for kill commands ended" }
}
