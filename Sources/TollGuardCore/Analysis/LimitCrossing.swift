/// Whether a subject is over a limit already.
///
/// The finding that crosses the limit carries the
/// calls that took it there as evidence; findings while it stays over carry only their own call.
package struct LimitCrossing: Sendable, Codable {
    package private(set) var isOver = false

    package init() {}

    /// The evidence for a finding over the limit: `window` when this crosses it, else `call` alone.
    package mutating func evidence(for call: EvidenceCall, window: () -> [EvidenceCall]) -> [EvidenceCall] {
        defer { isOver = true }
        return isOver ? [call] : window()
    }

    /// The subject is back under the limit: the next crossing brings its window again.
    package mutating func fellBelow() { isOver = false }
}
