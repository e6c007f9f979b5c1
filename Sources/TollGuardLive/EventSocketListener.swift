import Foundation
import Logging
import NIOCore
import Synchronization
import TollGuardCore

/// Keeps an event-socket subscription alive: connects, authenticates, subscribes to the call
/// events and HEARTBEAT, hands every event to `onEvent`, and after any disconnect, read error
/// or lost heartbeat reconnects with growing waits and subscribes again.
///
/// A wrong password or
/// an ACL refusal is logged as such and retried only at the longest wait (no busy loop).
package struct EventSocketListener: Sendable {
    package static let subscription = "event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE HEARTBEAT"
    package static let channelListing = "api show channels as json"

    package var connection: EventSocketConnection
    package var reconnectMaxSeconds: Double
    package var heartbeatTimeoutSeconds: Double
    package var logger: Logger
    /// The first wait; the others grow from it (tests shorten it).
    package var backoffUnitSeconds = 1.0

    /// Counts kept for `/metrics` and tests.
    package final class Counters: Sendable {
        package let connects = Atomic<Int>(0)
        package let reconnects = Atomic<Int>(0)
        package let events = Atomic<Int>(0)
        package let skippedFrames = Atomic<Int>(0)
        package let lastError = Mutex<String?>(nil)
        /// Whether a session is logged in now.
        package let isConnected = Atomic<Bool>(false)
        package init() {}
    }

    package let counters = Counters()

    package init(
        connection: EventSocketConnection, reconnectMaxSeconds: Double, heartbeatTimeoutSeconds: Double, logger: Logger
    ) {
        self.connection = connection
        self.reconnectMaxSeconds = reconnectMaxSeconds
        self.heartbeatTimeoutSeconds = heartbeatTimeoutSeconds
        self.logger = logger
    }

    /// Where the switch is, for log lines.
    private var address: Logger.Metadata {
        ["event_socket.host": "\(connection.host)", "event_socket.port": "\(connection.port)"]
    }

    /// The waits between attempts: 1, 1, 2, 3, 5, 8, … seconds up to `max` (fsock's Fibonacci backoff).
    package static func backoff(attempt: Int, max: Double) -> Double {
        var (a, b) = (1.0, 1.0)
        for _ in 0..<Swift.max(0, attempt) { (a, b) = (b, a + b) }
        return Swift.min(a, max)
    }

    /// Runs until cancelled.
    ///
    /// After each subscription the switch's channels are listed (`api show
    /// channels as json`) and handed to `onChannels`, so calls that started or ended while the
    /// socket was down are known; events that arrive meanwhile come first, in order.
    package func run(
        onEvent: @escaping @Sendable (ESLEvent) async -> Void,
        onChannels: @escaping @Sendable (FreeSWITCHChannelList, Date) async -> Void = { _, _ in }
    ) async {
        await Reconnecting.run(
            reconnectMaxSeconds: reconnectMaxSeconds, backoffUnitSeconds: backoffUnitSeconds, counters: counters,
            logger: logger, metadata: address, failure: "event socket connection failed"
        ) { connected in
            try await session(onEvent: onEvent, onChannels: onChannels, connected: connected)
        }
    }

    private func session(
        onEvent: @escaping @Sendable (ESLEvent) async -> Void,
        onChannels: @escaping @Sendable (FreeSWITCHChannelList, Date) async -> Void, connected: () -> Void
    ) async throws {
        let counters = counters
        let address = address
        try await connection.run(onSkip: { [logger] reason in
            counters.skippedFrames.add(1, ordering: .relaxed)
            logger.warning(
                "event socket: dropped a damaged frame", metadata: ["event_socket.frame.problem": "\(reason)"])
        }) { session in
            let reply = try await session.command(Self.subscription)
            guard reply.replyText.hasPrefix("+OK") else { throw EventSocketError.commandFailed(reply.replyText) }
            counters.connects.add(1, ordering: .relaxed)
            connected()
            logger.info("event socket subscribed", metadata: address)
            let watch = FrameWatch(now: Self.nowMillis())
            let channel = session.channel
            let timeout = heartbeatTimeoutSeconds
            // The watchdog closes a silent connection; the read below then ends and we reconnect.
            let watchdog = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(Int(min(timeout, 1) * 1000)))
                    if watch.silentSeconds(now: Self.nowMillis()) > timeout {
                        channel.close(promise: nil)
                        return
                    }
                }
            }
            defer { watchdog.cancel() }
            let listing = try await session.command(Self.channelListing) { frame in
                watch.frameArrived(now: Self.nowMillis())
                await handOn(frame, watch: watch, to: onEvent)
            }
            do {
                await onChannels(try FreeSWITCHChannelList(json: listing.bodyText), Date())
            } catch {
                logger.warning(
                    "event socket: the channel list could not be read, calls up are learnt from events only",
                    metadata: ["error": "\(error)"])
            }
            while true {
                let frame: ESLFrame
                do {
                    frame = try await session.nextFrame()
                } catch {
                    if watch.silentSeconds(now: Self.nowMillis()) > timeout {
                        throw EventSocketError.heartbeatLost(seconds: timeout)
                    }
                    throw error
                }
                watch.frameArrived(now: Self.nowMillis())
                await handOn(frame, watch: watch, to: onEvent)
            }
        }
    }

    /// Hands a frame on, the watchdog told it is busy meanwhile: a pipeline pushing back (its
    /// store refusing writes for long) is no silence of the switch's.
    private func handOn(
        _ frame: ESLFrame, watch: FrameWatch, to onEvent: @Sendable (ESLEvent) async -> Void
    ) async {
        watch.handingOn.store(true, ordering: .relaxed)
        await deliver(frame, to: onEvent)
        watch.frameArrived(now: Self.nowMillis())
        watch.handingOn.store(false, ordering: .relaxed)
    }

    /// Hands an event frame on as an event; other frames (replies) are skipped.
    private func deliver(_ frame: ESLFrame, to onEvent: @Sendable (ESLEvent) async -> Void) async {
        guard frame.isEvent else { return }
        do {
            let event = try ESLEvent(frame: frame)
            counters.events.add(1, ordering: .relaxed)
            await onEvent(event)
        } catch {
            logger.warning("event socket: an event could not be read", metadata: ["error": "\(error)"])
        }
    }

    static func nowMillis() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }
}

extension EventSocketListener {
    /// Runs until cancelled, feeding the live pipeline's stream: events of switch `switchName`,
    /// and the channel lists taken at each (re)connect.
    ///
    /// `onEvent` hears each event first (the benchmark counts them).
    package func run(
        feeding inputs: LiveInputs, switchName: String? = nil, onEvent: @escaping @Sendable () -> Void = {}
    ) async {
        await run(
            onEvent: { event in
                onEvent()
                await inputs.send(.event(event, switchName: switchName, receivedAt: .now))
            },
            onChannels: { await inputs.send(.channels($0, switchName: switchName, listedAt: $1)) })
    }
}

/// When a session last heard from the switch, and whether a frame is being handed on now.
private final class FrameWatch: Sendable {
    let lastFrame: Atomic<Int64>
    let handingOn = Atomic<Bool>(false)

    init(now: Int64) {
        lastFrame = Atomic(now)
    }

    func frameArrived(now: Int64) { lastFrame.store(now, ordering: .relaxed) }

    /// Seconds since the last frame; 0 while one is handed on.
    func silentSeconds(now: Int64) -> Double {
        handingOn.load(ordering: .relaxed) ? 0 : Double(now - lastFrame.load(ordering: .relaxed)) / 1000
    }
}
