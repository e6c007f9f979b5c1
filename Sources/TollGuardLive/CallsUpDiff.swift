import Foundation
import TollGuardCore

/// An edge's calls up from one tick of its live pipeline to the next, for ``EdgeCallsUp``: the
/// calls of its switches up, and those ended and not stored yet, told as up until they are.
///
/// Each tick costs what changed — the calls the monitor started, answered or ended since, and
/// the ended calls waiting for the store (one batch at most) — never every call up.
package struct CallsUpDiff: Sendable {
    /// The keys of the ended calls told as up at the last tick.
    private var unstoredKeys: Set<String> = []

    package init() {}

    /// The promise now and the calls that changed since the last tick: each key with the call as
    /// it is told now, nil when it is no longer up.
    ///
    /// `changedUp`: the keys of the monitor's calls that changed since (``LiveMonitor/takeChanges()``);
    /// `up`: its calls up. The promise is `lateness` before `now` (on the switches' clocks) and
    /// never after the end of a call waiting for the store; a call ended without an id of the
    /// switch (a file's row) cannot be told as up, so it holds the promise before its start.
    package mutating func next(
        now: Date, lateness: Duration, changedUp: Set<String>, up: [String: LiveMonitor.Entry],
        unstored: [(record: CallRecord, destination: CallDestination, switchName: String?)]
    ) -> (watermark: Date, changes: [(key: String, call: ObservedCall?)]) {
        var watermark = now.addingTimeInterval(-lateness.seconds)
        var waiting: [String: Int] = [:]
        waiting.reserveCapacity(unstored.count)
        for (index, call) in unstored.enumerated() {
            guard !call.record.callID.isEmpty else {
                watermark = min(watermark, call.record.startedAt)
                continue
            }
            watermark = min(watermark, call.record.endedAt)
            if waiting[call.record.callID] == nil { waiting[call.record.callID] = index }
        }
        var changed = changedUp
        for key in waiting.keys where !unstoredKeys.contains(key) { changed.insert(key) }
        for key in unstoredKeys where waiting[key] == nil { changed.insert(key) }
        unstoredKeys = Set(waiting.keys)
        let changes = changed.map { key -> (key: String, call: ObservedCall?) in
            if let entry = up[key] {
                var call = entry.observed
                call.key = key
                return (key, call)
            }
            guard let index = waiting[key] else { return (key, nil) }
            let (record, destination, switchName) = unstored[index]
            var call = ObservedCall(record, destination: destination).asStarted
            call.key = key
            call.switchName = switchName
            return (key, call)
        }
        return (watermark, changes)
    }
}
