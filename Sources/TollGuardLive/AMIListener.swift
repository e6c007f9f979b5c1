import Foundation
import Logging
import NIOCore
import Synchronization
import TollGuardCore

/// Keeps an Asterisk Manager session alive: logs in, lists the channels up (`CoreShowChannels`,
/// the resync after any gap), hands every event on, sends a `Ping` every few seconds, and after
/// any disconnect, read error or silence logs in again with growing waits.
///
/// A wrong secret or a refused host is logged as such and retried only at the longest wait (no
/// busy loop). Reads never wait for anything but the next message: Asterisk drops a client whose
/// reads lag past its `writetimeout`.
package struct AMIListener: Sendable {
    package var connection: AMIConnection
    package var reconnectMaxSeconds: Double
    /// Seconds between `Ping`s; a session silent for ``silenceTimeoutSeconds`` is closed.
    package var pingSeconds: Double
    package var silenceTimeoutSeconds: Double
    package var logger: Logger
    /// The first wait; the others grow from it (tests shorten it).
    package var backoffUnitSeconds = 1.0

    /// Counts kept for `/metrics` and tests.
    package let counters = EventSocketListener.Counters()

    package init(
        connection: AMIConnection, reconnectMaxSeconds: Double = 30, pingSeconds: Double = 5,
        silenceTimeoutSeconds: Double = 20, logger: Logger
    ) {
        self.connection = connection
        self.reconnectMaxSeconds = reconnectMaxSeconds
        self.pingSeconds = pingSeconds
        self.silenceTimeoutSeconds = silenceTimeoutSeconds
        self.logger = logger
    }

    private var address: Logger.Metadata {
        ["ami.host": "\(connection.host)", "ami.port": "\(connection.port)", "ami.user": "\(connection.username)"]
    }

    /// Runs until cancelled: each event with the time it came, and at each login the channels up.
    package func run(
        onEvent: @escaping @Sendable (AMIMessage, Date) async -> Void,
        onChannels: @escaping @Sendable ([AMIMessage], Date) async -> Void = { _, _ in }
    ) async {
        await Reconnecting.run(
            reconnectMaxSeconds: reconnectMaxSeconds, backoffUnitSeconds: backoffUnitSeconds, counters: counters,
            logger: logger, metadata: address, failure: "Asterisk Manager connection failed"
        ) { connected in
            try await session(onEvent: onEvent, onChannels: onChannels, connected: connected)
        }
    }

    private func session(
        onEvent: @escaping @Sendable (AMIMessage, Date) async -> Void,
        onChannels: @escaping @Sendable ([AMIMessage], Date) async -> Void, connected: () -> Void
    ) async throws {
        let counters = counters
        let logger = logger
        let address = address
        try await connection.run(onSkip: { reason in
            counters.skippedFrames.add(1, ordering: .relaxed)
            logger.warning("Asterisk Manager: dropped a damaged message", metadata: ["ami.problem": "\(reason)"])
        }) { session in
            counters.connects.add(1, ordering: .relaxed)
            connected()
            logger.info(
                "Asterisk Manager logged in", metadata: address.merging(["ami.version": "\(session.version)"]) { $1 })
            let lastMessage = LastMessage()
            let channel = session.channel
            let sender = session.sender
            let (ping, silence) = (pingSeconds, silenceTimeoutSeconds)
            // The keep-alive: a Ping every few seconds; a session silent past the timeout is
            // closed, so the read below ends and we log in again.
            let keepAlive = Task {
                var sent = 0
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(Int(ping * 1000)))
                    if lastMessage.silentSeconds() > silence {
                        channel.close(promise: nil)
                        return
                    }
                    sent += 1
                    try? await sender.send(.action("Ping", ["ActionID": "tg-ping-\(sent)"]))
                }
            }
            defer { keepAlive.cancel() }
            var warnedAboutTime = false
            let hear: (AMIMessage) async -> Void = { event in
                if event.event == "FullyBooted", event["Timestamp"] == nil, !warnedAboutTime {
                    warnedAboutTime = true
                    logger.warning(
                        """
                        Asterisk Manager events carry no Timestamp: set timestampevents = yes in manager.conf; \
                        until then a call's times are when its events arrive here
                        """, metadata: address)
                }
                counters.events.add(1, ordering: .relaxed)
                await lastMessage.handingOn { await onEvent(event, Date()) }
            }
            let listing = try await session.action(.action("CoreShowChannels")) { await hear($0) }
            await lastMessage.handingOn { await onChannels(listing.list, Date()) }
            while true {
                let message: AMIMessage
                do {
                    message = try await session.nextMessage()
                } catch {
                    let silent = lastMessage.silentSeconds()
                    if silent > silence { throw AMIError.silent(seconds: silence) }
                    throw error
                }
                lastMessage.now()
                if message.event != nil { await hear(message) }
            }
        }
    }

    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Runs until cancelled, feeding the live pipeline's stream: the events of switch
    /// `switchName`, and the channels up at each login.
    ///
    /// `onEvent` hears each event first (the benchmark counts them).
    package func run(
        feeding inputs: LiveInputs, switchName: String, onEvent: @escaping @Sendable () -> Void = {}
    ) async {
        await run(
            onEvent: { event, received in
                onEvent()
                await inputs.send(
                    .managerEvent(event, switchName: switchName, received: received, receivedAt: .now))
            },
            onChannels: { await inputs.send(.managerChannels($0, switchName: switchName, listedAt: $1)) })
    }
}

/// When a session last heard from Asterisk, and whether it is handing a message on.
///
/// A pipeline pushing back (its store refusing writes for long, a burst it is still taking) is
/// no silence of Asterisk's: closing the session then would lose what Asterisk sends meanwhile.
private final class LastMessage: Sendable {
    private let millis = Atomic<Int64>(AMIListener.nowMillis())
    private let busy = Atomic<Bool>(false)

    func now() { millis.store(AMIListener.nowMillis(), ordering: .relaxed) }

    /// Runs `handOn` as busy, not silent; the silence counts again from its end.
    func handingOn(_ handOn: () async -> Void) async {
        busy.store(true, ordering: .relaxed)
        await handOn()
        now()
        busy.store(false, ordering: .relaxed)
    }

    /// Seconds since the last message; 0 while one is handed on.
    func silentSeconds() -> Double {
        busy.load(ordering: .relaxed) ? 0 : Double(AMIListener.nowMillis() - millis.load(ordering: .relaxed)) / 1000
    }
}
