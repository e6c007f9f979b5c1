import Foundation

/// What an edge of a cluster promises the analyzer at one moment: the calls of its switches
/// still up, as its live view holds them, and a time before which every event of those
/// switches is told — a call that started before it is either among `callsUp` or stored.
///
/// The two are taken together, at one tick of the live pipeline, and shipped together: the
/// analyzer starts a long call from its edge's word and goes on with the calls after it,
/// rather than waiting for the call to end.
package struct EdgePromise: Sendable, Equatable {
    /// Every event of the edge's switches before it is told (in `callsUp` or stored).
    package var watermark: Date
    /// The calls up, classified and priced as they started; each `key` is the switch's own id
    /// of the call (its live uuid), each answered one with `answeredAt`.
    package var callsUp: [ObservedCall]

    package init(watermark: Date, callsUp: [ObservedCall]) {
        self.watermark = watermark
        self.callsUp = callsUp
    }
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
