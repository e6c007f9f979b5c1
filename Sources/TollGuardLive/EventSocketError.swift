import Foundation

/// Why an event-socket connection could not be used.
package enum EventSocketError: Error, Equatable, CustomStringConvertible {
    /// `-ERR invalid`: the password is wrong.
    case authenticationFailed(String)
    /// `text/rude-rejection`: the switch's `apply-inbound-acl` refused our address.
    case rejectedByACL(String)
    /// The switch answered something the protocol does not allow here.
    case unexpected(String)
    /// No frame (not even a HEARTBEAT) for longer than the watchdog allows.
    case heartbeatLost(seconds: Double)
    /// The switch closed the connection (`text/disconnect-notice` or EOF).
    case disconnected(String)
    /// A command was refused (`-ERR …`).
    case commandFailed(String)

    package var description: String {
        switch self {
        case .authenticationFailed(let reply):
            "event socket authentication failed (\(reply)): check the password (event_socket.conf.xml `password`)"
        case .rejectedByACL(let text):
            "event socket refused this host by ACL (\(text.trimmingCharacters(in: .whitespacesAndNewlines))): add it to `apply-inbound-acl`"
        case .unexpected(let text): "unexpected event socket reply: \(text)"
        case .heartbeatLost(let seconds): "no event for \(Int(seconds)) s (HEARTBEAT expected every 20 s); reconnecting"
        case .disconnected(let text): "event socket closed: \(text)"
        case .commandFailed(let text): "event socket command failed: \(text)"
        }
    }

    /// Errors no reconnect cures quickly: retry at the longest backoff, not in a busy loop.
    package var isConfigurationError: Bool {
        switch self {
        case .authenticationFailed, .rejectedByACL: true
        default: false
        }
    }
}
