import Foundation
import Logging
import TollGuardCore

/// Sends actions to an Asterisk Manager over a session of their own, logged in with
/// `Events: off`, so that their answers never wait behind the event stream.
package struct AMICommander: Sendable {
    private let commander: SwitchCommander<AMIMessage, AMIMessage>

    package init(connection: AMIConnection, logger: Logger) {
        var quiet = connection
        quiet.events = "off"
        let session = quiet
        commander = SwitchCommander(label: "Asterisk Manager", logger: logger) { feed in
            try await session.run { session in
                while let action = await feed.next() {
                    feed.answer(try await session.action(action).response)
                }
            }
        }
    }

    /// Sends `action` and returns Asterisk's response (`Response: Success` or `Error`, with its `Message`).
    package func send(_ action: AMIMessage) async throws -> AMIMessage { try await commander.send(action) }

    /// Stops the command session; actions after this fail.
    package func shutdown() async { await commander.shutdown() }
}
