import Foundation
import Logging
import TollGuardCore
import TollGuardHooks

/// One switch that `serve` watches live: its name, the connection its events come by, the one
/// its kills go by, and what it does to the calls of suspended accounts.
package struct LiveSwitch: Sendable {
    /// How the switch is reached.
    package enum Feed: Sendable {
        /// FreeSWITCH's event socket; kills are `uuid_kill <uuid> <cause>`.
        case eventSocket(EventSocketListener, EventSocketCommander, killCause: String)
        /// Asterisk's Manager Interface; kills are `Action: Hangup` of the call's channel.
        case manager(AMIListener, AMICommander, killCause: Int)
    }

    package let name: String
    package let feed: Feed
    package let killPolicy: LiveKillPolicy

    package init(name: String, feed: Feed, killPolicy: LiveKillPolicy = LiveKillPolicy()) {
        self.name = name
        self.feed = feed
        self.killPolicy = killPolicy
    }

    /// The connection's counts (connects, reconnects, events, damaged frames, the last error).
    package var counters: EventSocketListener.Counters {
        switch feed {
        case .eventSocket(let listener, _, _): listener.counters
        case .manager(let listener, _, _): listener.counters
        }
    }

    /// What the switch is, for `/healthz` and the log: `FreeSWITCH event socket`, `Asterisk Manager`.
    package var kind: String {
        switch feed {
        case .eventSocket: "FreeSWITCH event socket"
        case .manager: "Asterisk Manager"
        }
    }

    /// Runs until cancelled, feeding `inputs` with the switch's events and channel lists.
    package func run(feeding inputs: LiveInputs, onEvent: @escaping @Sendable () -> Void = {}) async {
        switch feed {
        case .eventSocket(let listener, _, _):
            await listener.run(feeding: inputs, switchName: name, onEvent: onEvent)
        case .manager(let listener, _, _):
            await listener.run(feeding: inputs, switchName: name, onEvent: onEvent)
        }
    }

    /// Hangs up `call` on this switch and returns the switch's answer.
    ///
    /// Only the call's own id goes on the wire: a FreeSWITCH uuid of uuid characters, an
    /// Asterisk channel name exactly (never `/regex/`, which would hang up every match).
    package func hangUp(_ call: LiveCall) async throws -> String {
        try await hangUp(uuid: call.uuid, channel: call.channel)
    }

    /// Hangs up the call `uuid` (on an Asterisk: the exact `channel`).
    package func hangUp(uuid: String, channel: String?) async throws -> String {
        switch feed {
        case .eventSocket(_, let commander, let cause):
            guard let command = CallKill.command(uuid: uuid, cause: cause) else {
                throw HangupRefused("not a uuid")
            }
            return try await commander.api(command)
        case .manager(_, let commander, let cause):
            guard let channel, Self.isExactChannelName(channel) else {
                throw HangupRefused("not an exact channel name")
            }
            let answer = try await commander.send(
                .action("Hangup", ["Channel": channel, "Cause": "\(cause)"]))
            return [answer.response, answer["Message"]].compactMap { $0 }.joined(separator: ": ")
        }
    }

    /// Whether `name` names one channel: not empty, not a `/pattern/`, no control characters
    /// or spaces (Asterisk's channel names have none).
    static func isExactChannelName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix("/") && name.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F }
    }

    /// Closes the command connection.
    package func shutdown() async {
        switch feed {
        case .eventSocket(_, let commander, _): await commander.shutdown()
        case .manager(_, let commander, _): await commander.shutdown()
        }
    }
}

/// Every switch a `serve` watches; kills go to the switch that carries the call.
package struct LiveSwitches: Sendable {
    package let all: [LiveSwitch]

    package init(_ all: [LiveSwitch]) { self.all = all }

    /// Why the switches of a configuration cannot be watched.
    package struct SetupError: Error, CustomStringConvertible, Sendable {
        package var description: String
    }

    /// The enabled `[[event_socket]]` and `[[ami]]` sources of `configuration`.
    ///
    /// Throws when one has no password or secret. `backoffUnitSeconds` is the first reconnect
    /// wait (tests shorten it).
    package init(
        configuration: TollGuardConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment,
        backoffUnitSeconds: Double = 1, logger: Logger
    ) throws(SetupError) {
        var switches: [LiveSwitch] = []
        for (index, socket) in configuration.eventSockets.enumerated() where socket.enabled {
            let setting = configuration.eventSockets.count == 1 ? "event_socket" : "event_socket[\(index)]"
            guard let password = socket.password(environment: environment) else {
                throw SetupError(
                    description:
                        "\(setting): no password; set \(socket.passwordEnvironment) or \(setting).password_file")
            }
            let connection = EventSocketConnection(host: socket.host, port: socket.port, password: password)
            let switchLogger = Self.logger(logger, switchName: socket.name)
            var listener = EventSocketListener(
                connection: connection, reconnectMaxSeconds: socket.reconnectMaxSeconds,
                heartbeatTimeoutSeconds: socket.heartbeatTimeoutSeconds, logger: switchLogger)
            listener.backoffUnitSeconds = backoffUnitSeconds
            let commander = EventSocketCommander(connection: connection, logger: switchLogger)
            switches.append(
                LiveSwitch(
                    name: socket.name, feed: .eventSocket(listener, commander, killCause: socket.killCause),
                    killPolicy: socket.killPolicy))
        }
        for (index, manager) in configuration.managers.enumerated() where manager.enabled {
            guard let secret = manager.secret(environment: environment) else {
                throw SetupError(
                    description:
                        "ami[\(index)] (\(manager.name)): no secret; set \(manager.secretEnvironment) or ami[\(index)].secret_file"
                )
            }
            let connection = AMIConnection(
                host: manager.host, port: manager.port, username: manager.username, secret: secret,
                authentication: manager.authentication == "plain" ? .plain : .md5, events: manager.eventClasses)
            let switchLogger = Self.logger(logger, switchName: manager.name)
            var listener = AMIListener(
                connection: connection, reconnectMaxSeconds: manager.reconnectMaxSeconds,
                pingSeconds: manager.pingSeconds, silenceTimeoutSeconds: manager.silenceTimeoutSeconds,
                logger: switchLogger)
            listener.backoffUnitSeconds = backoffUnitSeconds
            let commander = AMICommander(connection: connection, logger: switchLogger)
            switches.append(
                LiveSwitch(
                    name: manager.name, feed: .manager(listener, commander, killCause: manager.killCause),
                    killPolicy: manager.killPolicy))
        }
        all = switches
    }

    private static func logger(_ logger: Logger, switchName: String) -> Logger {
        var logger = logger
        logger[metadataKey: "switch"] = "\(switchName)"
        return logger
    }

    package var isEmpty: Bool { all.isEmpty }

    /// The switch named `name`; the only one when a call names none.
    package func named(_ name: String?) -> LiveSwitch? {
        guard let name else { return all.count == 1 ? all.first : nil }
        return all.first { $0.name == name }
    }

    /// Hangs up `call` on the switch that carries it.
    package func hangUp(_ call: LiveCall) async throws -> String {
        try await hangUp(switchName: call.switchName, uuid: call.uuid, channel: call.channel)
    }

    /// Hangs up the call `uuid` (on an Asterisk: the exact `channel`) on the switch named
    /// `switchName` (nil: the only one).
    package func hangUp(switchName: String?, uuid: String, channel: String?) async throws -> String {
        guard let target = named(switchName) else {
            throw HangupRefused("no switch named \(switchName ?? "(none)") is watched")
        }
        return try await target.hangUp(uuid: uuid, channel: channel)
    }

    /// What each switch does to the calls of suspended accounts, by name.
    package var killPolicies: [String: LiveKillPolicy] {
        Dictionary(all.map { ($0.name, $0.killPolicy) }, uniquingKeysWith: { first, _ in first })
    }

    /// Closes every command connection.
    package func shutdown() async {
        for live in all { await live.shutdown() }
    }
}
