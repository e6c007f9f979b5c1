import Foundation

/// An analyzer whose findings follow from each event alone: it keeps nothing between events, so
/// it reaches no time back and a snapshot of the engine holds nothing of it.
package protocol StatelessAnalyzer: Analyzer {}

extension StatelessAnalyzer {
    package var reach: TimeInterval { 0 }

    package func remember(into memory: inout any UnkeyedEncodingContainer) throws {}

    package mutating func recall(
        from memory: inout any UnkeyedDecodingContainer, policy: (Subject) -> SubjectPolicy
    ) throws {}
}
