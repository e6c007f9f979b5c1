import Foundation
import Synchronization

/// An edge's calls up as it tells them to the cluster, kept as they change: its live pipeline
/// updates them at each tick with what changed since the last, and its shipper takes, with each
/// shipment, the changes the store has not taken yet (``take()``).
///
/// Both sides do work in proportion to what changed, never to the calls up: a carrier's edge
/// holds hundreds of thousands of them and ticks ten times a second. Only a shipment after a
/// failure, or on a new connection, tells every call again.
package final class EdgeCallsUp: Sendable {
    private struct State {
        /// The calls up by key, as the live view holds them now.
        var calls: [String: ObservedCall] = [:]
        /// The live view's promise as of its last update, and as last taken.
        var watermark: Date?
        var takenWatermark: Date?
        /// Keys changed since the last take.
        var untold: Set<String> = []
        /// What the store was told of each call up: its answer.
        var told: [String: Date?] = [:]
        /// Whether the store's calls up are unknown (a take not yet confirmed, a new connection).
        var unknown = true
    }

    private let state = Mutex(State())
    private let seesEverySwitch: @Sendable () -> Bool

    /// `seesEverySwitch`: whether the live view sees every switch now; while one is not
    /// connected its calls are unknown, and the promise's time stays where it was.
    package init(seesEverySwitch: @escaping @Sendable () -> Bool = { true }) {
        self.seesEverySwitch = seesEverySwitch
    }

    /// The live view's update: its promise, and each call that changed since the last (its key
    /// with the call as it is now, nil when it is no longer up).
    package func update(watermark: Date, changes: some Sequence<(key: String, call: ObservedCall?)>) {
        state.withLock { state in
            state.watermark = watermark
            for (key, call) in changes {
                state.calls[key] = call
                state.untold.insert(key)
            }
        }
    }

    /// What to promise with the next shipment; nil before the live view's first update.
    ///
    /// Nil holds the analysis back meanwhile. What it tells counts as unknown to the store until
    /// ``told()`` says the shipment was stored; the next take after a failure tells every call.
    package func take() -> EdgePromise? {
        let advancing = seesEverySwitch()
        return state.withLock { state -> EdgePromise? in
            if advancing { state.takenWatermark = state.watermark }
            guard let watermark = state.takenWatermark else { return nil }
            defer {
                state.untold = []
                state.unknown = true
            }
            if state.unknown {
                state.told = state.calls.mapValues { $0.answeredAt }
                return EdgePromise(watermark: watermark, callsUp: .every(Self.ordered(Array(state.calls.values))))
            }
            var told: [ObservedCall] = []
            var gone: [String] = []
            for key in state.untold {
                if let call = state.calls[key] {
                    guard state.told[key].map({ $0 != call.answeredAt }) ?? true else { continue }
                    state.told[key] = .some(call.answeredAt)
                    told.append(call)
                } else if state.told.removeValue(forKey: key) != nil {
                    gone.append(key)
                }
            }
            return EdgePromise(
                watermark: watermark, callsUp: CallsUpChange(all: false, told: Self.ordered(told), gone: gone.sorted()))
        }
    }

    /// The store took the last ``take()``.
    package func told() { state.withLock { $0.unknown = false } }

    /// The store's calls up are unknown (a new connection, maybe to another server): the next
    /// take tells every call.
    package func forget() { state.withLock { $0.unknown = true } }

    private static func ordered(_ calls: [ObservedCall]) -> [ObservedCall] {
        calls.sorted { ($0.startedAt, $0.key) < ($1.startedAt, $1.key) }
    }
}
