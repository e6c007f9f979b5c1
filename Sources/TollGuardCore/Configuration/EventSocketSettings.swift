import Foundation

/// `[event_socket]`: the live feed from FreeSWITCH's mod_event_socket that `tollguard serve`
/// reads, and what it does to the calls of suspended accounts.
///
/// The password is never in the
/// file: it comes from the environment variable `password_env` or the file `password_file`.
package struct EventSocketSettings: Sendable, Codable, Equatable {
    /// The switch's name: kept with each call and kill, and in `/healthz` and `/metrics`.
    package var name = "freeswitch"
    /// Whether `serve` reads this event socket.
    ///
    /// Off by default in a single `[event_socket]` table: `serve` reads it only when this is
    /// true. A listed `[[event_socket]]` is read unless it says `enabled = false`.
    package var enabled = false
    package var host = "127.0.0.1"
    package var port = 8021
    /// The environment variable holding the password (FreeSWITCH's default is `ClueCon`).
    package var passwordEnvironment = "TOLLGUARD_ESL_PASSWORD"
    /// A file holding the password (first line), used when the environment variable is unset.
    package var passwordFile = ""
    /// Longest wait between reconnect attempts (the waits grow 1, 1, 2, 3, 5, … s up to this).
    package var reconnectMaxSeconds = 30.0
    /// Reconnect when no frame (HEARTBEAT comes every 20 s) arrived for this long.
    package var heartbeatTimeoutSeconds = 65.0
    /// Hang up a suspended account's live calls (`uuid_kill <uuid> <kill_cause>`; never `hupall`).
    package var killOnSuspend = true
    /// Also hang up new calls that a suspended account starts.
    package var killNewCallsOfSuspended = true
    package var killCause = "CALL_REJECTED"

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, enabled, host, port
        case passwordEnvironment = "password_env"
        case passwordFile = "password_file"
        case reconnectMaxSeconds = "reconnect_max_seconds"
        case heartbeatTimeoutSeconds = "heartbeat_timeout_seconds"
        case killOnSuspend = "kill_on_suspend"
        case killNewCallsOfSuspended = "kill_new_calls_of_suspended"
        case killCause = "kill_cause"
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self, table: "event_socket")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = EventSocketSettings()
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? defaults.name
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
        host = try container.decodeIfPresent(String.self, forKey: .host) ?? defaults.host
        port = try container.decodeIfPresent(Int.self, forKey: .port) ?? defaults.port
        passwordEnvironment =
            try container.decodeIfPresent(String.self, forKey: .passwordEnvironment) ?? defaults.passwordEnvironment
        passwordFile = try container.decodeIfPresent(String.self, forKey: .passwordFile) ?? defaults.passwordFile
        reconnectMaxSeconds =
            try container.decodeNumberIfPresent(forKey: .reconnectMaxSeconds) ?? defaults.reconnectMaxSeconds
        heartbeatTimeoutSeconds =
            try container.decodeNumberIfPresent(forKey: .heartbeatTimeoutSeconds)
            ?? defaults.heartbeatTimeoutSeconds
        killOnSuspend = try container.decodeIfPresent(Bool.self, forKey: .killOnSuspend) ?? defaults.killOnSuspend
        killNewCallsOfSuspended =
            try container.decodeIfPresent(Bool.self, forKey: .killNewCallsOfSuspended)
            ?? defaults.killNewCallsOfSuspended
        killCause = try container.decodeIfPresent(String.self, forKey: .killCause) ?? defaults.killCause
    }

    /// Problems of the settings, naming them as `setting` (`event_socket`, `event_socket[1]`).
    package func validationErrors(setting: String = "event_socket") -> [String] {
        var errors: [String] = []
        if !(1...65535).contains(port) { errors.append("\(setting).port must be 1 to 65535") }
        if host.isEmpty { errors.append("\(setting).host is empty") }
        if !(reconnectMaxSeconds >= 1) { errors.append("\(setting).reconnect_max_seconds must be at least 1") }
        if !(heartbeatTimeoutSeconds >= 1) {
            errors.append("\(setting).heartbeat_timeout_seconds must be at least 1")
        }
        // The cause goes on the wire after a uuid: one upper-case word, nothing else.
        if killCause.isEmpty || !killCause.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x5F }) {
            errors.append("\(setting).kill_cause \"\(killCause)\" is not a hangup cause like CALL_REJECTED")
        }
        return errors
    }

    /// The password from `password_env`, else `password_file`; `nil` when neither gives one.
    package func password(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        LiveSourceSecret.read(environment: environment, variable: passwordEnvironment, file: passwordFile)
    }

    /// What this source does to the calls of suspended accounts.
    package var killPolicy: LiveKillPolicy {
        LiveKillPolicy(killOnSuspend: killOnSuspend, killNewCallsOfSuspended: killNewCallsOfSuspended)
    }
}
