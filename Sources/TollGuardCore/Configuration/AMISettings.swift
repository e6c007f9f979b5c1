import Foundation

/// `[[ami]]`: an Asterisk Manager Interface that `tollguard serve` reads live (calls, their CDRs,
/// security events) and hangs calls up through.
///
/// The secret is never in the file: it comes from the environment variable `secret_env` or the
/// file `secret_file`. Asterisk's side (`manager.conf`, `cdr_manager.conf`) is in the Live Feeds
/// article.
package struct AMISettings: Sendable, Codable, Equatable {
    /// The switch's name: kept with each call and kill, and in `/healthz` and `/metrics`.
    package var name = "asterisk"
    /// A listed Manager is read unless this is false.
    package var enabled = true
    package var host = "127.0.0.1"
    package var port = 5038
    /// The `manager.conf` user (`[tollguard]`).
    package var username = "tollguard"
    /// The environment variable holding the secret.
    package var secretEnvironment = "TOLLGUARD_AMI_SECRET"
    /// A file holding the secret (first line), used when the environment variable is unset.
    package var secretFile = ""
    /// `md5` (challenge; the secret never crosses the wire) or `plain`.
    package var authentication = "md5"
    /// Ask for the `security` class too, so failed logins feed the SIP watcher without a log file.
    package var securityEvents = true
    /// The channel variable (`manager.conf` `channelvars`) carrying the caller's address.
    package var sourceAddressVariable = "TG_SRC"
    /// Longest wait between reconnect attempts (the waits grow 1, 1, 2, 3, 5, … s up to this).
    package var reconnectMaxSeconds = 30.0
    /// Seconds between keep-alive `Ping`s.
    package var pingSeconds = 5.0
    /// Reconnect when nothing (not even a `Ping`'s answer) arrived for this long.
    package var silenceTimeoutSeconds = 20.0
    /// Hang up a suspended account's live calls (`Action: Hangup` by channel name, never a pattern).
    package var killOnSuspend = true
    /// Also hang up new calls that a suspended account starts.
    package var killNewCallsOfSuspended = true
    /// The Q.850 cause the hangup carries (21: call rejected).
    package var killCause = 21

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, enabled, host, port, username, authentication
        case secretEnvironment = "secret_env"
        case secretFile = "secret_file"
        case securityEvents = "security_events"
        case sourceAddressVariable = "source_address_variable"
        case reconnectMaxSeconds = "reconnect_max_seconds"
        case pingSeconds = "ping_seconds"
        case silenceTimeoutSeconds = "silence_timeout_seconds"
        case killOnSuspend = "kill_on_suspend"
        case killNewCallsOfSuspended = "kill_new_calls_of_suspended"
        case killCause = "kill_cause"
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self, table: "[[ami]]")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = AMISettings()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        name = try value(.name, defaults.name)
        enabled = try value(.enabled, defaults.enabled)
        host = try value(.host, defaults.host)
        port = try value(.port, defaults.port)
        username = try value(.username, defaults.username)
        secretEnvironment = try value(.secretEnvironment, defaults.secretEnvironment)
        secretFile = try value(.secretFile, defaults.secretFile)
        authentication = try value(.authentication, defaults.authentication)
        securityEvents = try value(.securityEvents, defaults.securityEvents)
        sourceAddressVariable = try value(.sourceAddressVariable, defaults.sourceAddressVariable)
        reconnectMaxSeconds =
            try container.decodeNumberIfPresent(forKey: .reconnectMaxSeconds) ?? defaults.reconnectMaxSeconds
        pingSeconds = try container.decodeNumberIfPresent(forKey: .pingSeconds) ?? defaults.pingSeconds
        silenceTimeoutSeconds =
            try container.decodeNumberIfPresent(forKey: .silenceTimeoutSeconds) ?? defaults.silenceTimeoutSeconds
        killOnSuspend = try value(.killOnSuspend, defaults.killOnSuspend)
        killNewCallsOfSuspended = try value(.killNewCallsOfSuspended, defaults.killNewCallsOfSuspended)
        killCause = try value(.killCause, defaults.killCause)
    }

    /// The event classes asked for at login.
    package var eventClasses: String { securityEvents ? "call,cdr,system,security" : "call,cdr,system" }

    package func validationErrors(index: Int) -> [String] {
        let setting = "ami[\(index)]"
        var errors: [String] = []
        if !(1...65535).contains(port) { errors.append("\(setting).port must be 1 to 65535") }
        if host.isEmpty { errors.append("\(setting).host is empty") }
        if username.isEmpty { errors.append("\(setting).username is empty") }
        if !["md5", "plain"].contains(authentication) {
            errors.append("\(setting).authentication \"\(authentication)\" is not md5 or plain")
        }
        if !(reconnectMaxSeconds >= 1) { errors.append("\(setting).reconnect_max_seconds must be at least 1") }
        if !(pingSeconds > 0) { errors.append("\(setting).ping_seconds must be more than 0") }
        if !(silenceTimeoutSeconds > pingSeconds) {
            errors.append("\(setting).silence_timeout_seconds must be more than ping_seconds")
        }
        if !(0...127).contains(killCause) { errors.append("\(setting).kill_cause must be a Q.850 cause, 0 to 127") }
        return errors
    }

    /// What this source does to the calls of suspended accounts.
    package var killPolicy: LiveKillPolicy {
        LiveKillPolicy(killOnSuspend: killOnSuspend, killNewCallsOfSuspended: killNewCallsOfSuspended)
    }

    /// The secret from `secret_env`, else `secret_file`; `nil` when neither gives one.
    package func secret(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        LiveSourceSecret.read(environment: environment, variable: secretEnvironment, file: secretFile)
    }
}

/// How a live source's password or secret is found: an environment variable, else the first line of a file.
enum LiveSourceSecret {
    static func read(environment: [String: String], variable: String, file: String) -> String? {
        if let value = environment[variable], !value.isEmpty { return value }
        guard !file.isEmpty, let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.isEmpty ? nil : line
    }
}

/// What a switch's live source does to the calls of suspended accounts.
package struct LiveKillPolicy: Sendable, Equatable {
    package var killOnSuspend: Bool
    package var killNewCallsOfSuspended: Bool

    package init(killOnSuspend: Bool = true, killNewCallsOfSuspended: Bool = true) {
        self.killOnSuspend = killOnSuspend
        self.killNewCallsOfSuspended = killNewCallsOfSuspended
    }
}
