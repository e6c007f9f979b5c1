import Foundation

/// What an edge of a cluster promises the analyzer with one shipment: a time before which every
/// event of its switches is told — a call that started before it is either among its calls up
/// or stored — and what changed in its calls up since it last told them.
///
/// The two are taken together (``EdgeCallsUp/take()``) and shipped together: the analyzer starts
/// a long call from its edge's word and goes on with the calls after it, rather than waiting for
/// the call to end.
package struct EdgePromise: Sendable, Equatable {
    /// Every event of the edge's switches before it is told (in its calls up or stored).
    package var watermark: Date
    /// What changed in the calls up since the store last took them.
    package var callsUp: CallsUpChange

    package init(watermark: Date, callsUp: CallsUpChange) {
        self.watermark = watermark
        self.callsUp = callsUp
    }
}

/// What changed in an edge's calls up since it last told them.
package struct CallsUpChange: Sendable, Equatable {
    /// Whether `told` is every call up (the store's others of the edge are gone).
    package var all: Bool
    /// The calls up that are new or answered since, classified and priced as they started;
    /// each `key` is the switch's own id of the call (its live uuid).
    package var told: [ObservedCall]
    /// The ids of the calls no longer up.
    package var gone: [String]

    package init(all: Bool, told: [ObservedCall], gone: [String] = []) {
        self.all = all
        self.told = told
        self.gone = gone
    }

    /// Every call of `callsUp`, replacing what the store holds.
    package static func every(_ callsUp: [ObservedCall]) -> CallsUpChange { CallsUpChange(all: true, told: callsUp) }
}

extension ObservedCall {
    /// The call as it was while up: its start, and its answer if it was answered; no end, no
    /// cost yet.
    package var asStarted: ObservedCall {
        var call = self
        call.endedAt = nil
        call.costMicros = 0
        call.billsec = 0
        call.disposition = answeredAt == nil ? .noAnswer : .answered
        return call
    }
}
