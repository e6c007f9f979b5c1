import Foundation

/// One fraud pattern, watched over a stream of call events in time order.
///
/// Analyzers are value types that keep only what their windows need; they never read a
/// clock, only the events' own times, so a nightly replay and the live feed find the same.
package protocol Analyzer: Sendable {
    /// How far back its state reaches: replay starts this long before the period analyzed,
    /// so a window that straddles the period's start sees its earlier calls.
    var reach: TimeInterval { get }

    /// Takes one event; returns what it found (usually nothing).
    mutating func observe(_ event: CallEvent) -> [Finding]

    /// What the calls still up would amount to at `time` (live only; the default finds nothing).
    mutating func project(at time: Date) -> [Finding]

    /// Writes what it remembers of the events so far, for a snapshot of the engine
    /// (``AnalysisEngine/snapshot()``); one that remembers nothing writes nothing.
    func remember(into memory: inout any UnkeyedEncodingContainer) throws

    /// Takes back, in an analyzer configured the same, what ``remember(into:)`` wrote; `policy`
    /// resolves a subject as the engine does now.
    mutating func recall(from memory: inout any UnkeyedDecodingContainer, policy: (Subject) -> SubjectPolicy) throws
}

extension Analyzer {
    package mutating func project(at time: Date) -> [Finding] { [] }
}
