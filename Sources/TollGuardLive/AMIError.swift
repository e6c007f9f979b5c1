import Foundation

/// Why an Asterisk Manager connection could not be used.
package enum AMIError: Error, Equatable, CustomStringConvertible {
    /// `Authentication failed`: the user, the secret, or the user's `permit`/`deny` for this host.
    case authenticationFailed(String)
    /// The first line was not `Asterisk Call Manager/…`.
    case notAsteriskManager(String)
    /// The switch answered something the protocol does not allow here.
    case unexpected(String)
    /// No message (not even a `Ping` answer) for longer than the watchdog allows.
    case silent(seconds: Double)
    /// The switch closed the connection.
    case disconnected(String)
    /// An action was refused (`Response: Error`).
    case actionFailed(action: String, message: String)

    package var description: String {
        switch self {
        case .authenticationFailed(let message):
            "Asterisk Manager login failed (\(message)): check the [ami] username and secret against manager.conf, "
                + "and that the user's permit/deny lets this host in"
        case .notAsteriskManager(let line): "not an Asterisk Manager Interface (it said \"\(line.prefix(80))\")"
        case .unexpected(let text): "unexpected Asterisk Manager reply: \(text)"
        case .silent(let seconds):
            "nothing from the Asterisk Manager for \(Int(seconds)) s (a Ping is sent every few seconds); reconnecting"
        case .disconnected(let text): "Asterisk Manager connection closed: \(text)"
        case .actionFailed(let action, let message): "Asterisk Manager action \(action) failed: \(message)"
        }
    }

    /// Errors no reconnect cures quickly: retry at the longest backoff, not in a busy loop.
    package var isConfigurationError: Bool {
        switch self {
        case .authenticationFailed, .notAsteriskManager: true
        default: false
        }
    }
}
