import Foundation
import Logging
import TollGuardCore

/// Sends `api` commands to FreeSWITCH over an event-socket connection of their own.
package struct EventSocketCommander: Sendable {
    private let commander: SwitchCommander<String, String>

    package init(connection: EventSocketConnection, logger: Logger) {
        commander = SwitchCommander(label: "event socket", logger: logger) { feed in
            try await connection.run { session in
                while let command = await feed.next() {
                    let frame = try await session.command("api " + command)
                    feed.answer(frame.contentType == "api/response" ? frame.bodyText : frame.replyText)
                }
            }
        }
    }

    /// Runs `api <command>` and returns its output (`+OK\n`, `-ERR No such channel!\n`, …).
    package func api(_ command: String) async throws -> String { try await commander.send(command) }

    /// Stops the command connection; commands after this fail.
    package func shutdown() async { await commander.shutdown() }
}
