import Foundation

/// Concurrent calls per subject, from each call's start and end, with a separate (lower)
/// limit for international and premium calls.
///
/// All calls: `warning`, `high` from twice the
/// limit; international: `high`, `critical` from twice the limit.
package struct ConcurrencyAnalyzer: Analyzer {
    private struct Active: Sendable, Codable {
        var calls: [String: EvidenceCall] = [:]
        var highCost: Set<String> = []
        var crossing = LimitCrossing()
        var highCostCrossing = LimitCrossing()
    }

    private var active = SubjectTable<Active>()

    package init() {}

    /// Replay starts a day early, so calls already in progress when the period starts are counted.
    package var reach: Double { 86_400 }

    package func remember(into memory: inout any UnkeyedEncodingContainer) throws {
        try memory.encode(active)
    }

    package mutating func recall(
        from memory: inout any UnkeyedDecodingContainer, policy: (Subject) -> SubjectPolicy
    ) throws {
        active = try memory.decode(SubjectTable<Active>.self)
    }

    package mutating func observe(_ event: CallEvent) -> [Finding] {
        var findings: [Finding] = []
        let call = event.call
        switch event.kind {
        case .started:
            for policy in event.subjects.all {
                active.update(policy, creating: Active.init) { state in
                    state.calls[call.key] = call.evidence
                    if call.destinationClass.isHighCost { state.highCost.insert(call.key) }
                    Self.check(&state, policy, event, highCost: false, into: &findings)
                    if call.destinationClass.isHighCost {
                        Self.check(&state, policy, event, highCost: true, into: &findings)
                    }
                }
            }
        case .ended:
            for policy in event.subjects.all where active[policy] != nil {
                active.update(policy, creating: Active.init) { state in
                    state.calls[call.key] = nil
                    state.highCost.remove(call.key)
                    if Double(state.calls.count) <= policy[.concurrentCalls] { state.crossing.fellBelow() }
                    if Double(state.highCost.count) <= policy[.concurrentInternational] {
                        state.highCostCrossing.fellBelow()
                    }
                }
            }
        case .answered:
            break
        }
        return findings
    }

    private static func check(
        _ state: inout Active, _ policy: SubjectPolicy, _ event: CallEvent, highCost: Bool,
        into findings: inout [Finding]
    ) {
        let limit: AnalysisLimit = highCost ? .concurrentInternational : .concurrentCalls
        let observed = highCost ? state.highCost.count : state.calls.count
        guard let value = policy.active(limit), Double(observed) > value else { return }
        let active = state.calls
        let highCostKeys = state.highCost
        let inProgress = {
            active.values.filter { !highCost || highCostKeys.contains($0.key) }.sorted { $0.time < $1.time }
        }
        let calls =
            highCost
            ? state.highCostCrossing.evidence(for: event.call.evidence, window: inProgress)
            : state.crossing.evidence(for: event.call.evidence, window: inProgress)
        var metrics = policy.metrics(for: limit)
        metrics["observed"] = .count(observed)
        findings.append(
            Finding(
                rule: highCost ? .concurrentInternational : .concurrentCalls,
                severity: .scaled(Double(observed), limit: value, base: highCost ? .high : .warning, factor: 2),
                subject: policy.subject, time: event.time,
                headline:
                    "had \(observed) \(highCost ? "international/premium " : "")calls at once (limit \(Int(value)))",
                metrics: metrics, calls: calls))
    }
}
