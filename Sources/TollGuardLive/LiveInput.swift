import Foundation
import Synchronization
import TollGuardCore

/// What flows into the live pipeline, in one ordered stream.
package enum LiveInput: Sendable {
    /// An event from the FreeSWITCH event socket of switch `switchName`.
    case event(ESLEvent, switchName: String? = nil, receivedAt: ContinuousClock.Instant)
    /// A FreeSWITCH switch's channels as listed right after a (re)connect, at `listedAt`.
    case channels(FreeSWITCHChannelList, switchName: String? = nil, listedAt: Date)
    /// An event from the Asterisk Manager of switch `switchName`, `received` then.
    case managerEvent(AMIMessage, switchName: String, received: Date, receivedAt: ContinuousClock.Instant)
    /// An Asterisk switch's channels (`CoreShowChannels`) as listed at each login, at `listedAt`.
    case managerChannels([AMIMessage], switchName: String, listedAt: Date)
    /// A completed call from another source (a CDR post, a tailed CSV row); `stored` hears
    /// whether it was written (a CDR post answers 200 only then, so the switch retries otherwise).
    case completed(CallRecord, source: String, stored: (@Sendable (Bool) async -> Void)?)
    /// Time to store what is pending.
    case tick
    /// Time to store what is pending and take the changes other commands made (quotas, suspensions).
    case refresh
    /// The configuration was replaced (SIGHUP): store what is pending, then rebuild the engine
    /// from it and from the store's lists, quotas and rates, keeping the calls in progress.
    case reload
}

/// The ordered stream of everything the live pipeline consumes, fed by every source, with a count
/// of what waits in it (`/metrics` shows it; a backlog that grows says the pipeline falls behind).
///
/// Sources that can wait ``send(_:)``: past ``capacity`` inputs waiting they wait for room, so
/// a pipeline that stops taking inputs (the store refusing writes for long) bounds the memory
/// and pushes back on the sources instead (the event socket's reads stop, a tailed file is read
/// later). CDR posts check ``hasRoom`` and answer 503 instead.
package final class LiveInputs: Sendable {
    package let stream: AsyncStream<LiveInput>
    private let continuation: AsyncStream<LiveInput>.Continuation
    private let waiting = Atomic<Int>(0)
    /// Inputs waiting past which ``send(_:)`` waits.
    package let capacity: Int

    package init(capacity: Int = 50_000) {
        (stream, continuation) = AsyncStream.makeStream(of: LiveInput.self)
        self.capacity = capacity
    }

    /// Whether an input may be added without going past ``capacity``.
    package var hasRoom: Bool { waiting.load(ordering: .relaxed) < capacity }

    /// Adds `input` once there is room (checked every 20 ms); false once the stream is finished.
    ///
    /// A cancelled wait adds the input anyway: what a source received is never dropped.
    @discardableResult
    package func send(_ input: LiveInput) async -> Bool {
        while !hasRoom {
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                break
            }
        }
        return yield(input)
    }

    /// Adds `input`; false once the stream is finished (shutting down).
    @discardableResult
    package func yield(_ input: LiveInput) -> Bool {
        waiting.add(1, ordering: .relaxed)
        if case .terminated = continuation.yield(input) {
            waiting.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Ends the stream: the pipeline takes what is in it, then stops.
    package func finish() { continuation.finish() }

    /// Inputs yielded and not taken yet.
    package var backlog: Int { waiting.load(ordering: .relaxed) }

    /// The consumer took one input.
    package func took() { waiting.subtract(1, ordering: .relaxed) }
}
