import Foundation

/// Route scanning: bursts of failed international, premium or invalid attempts from one
/// subject, probing with varied dial prefixes (`00…`, `011…`, `9011…`, `+…`) or varied
/// destinations.
///
/// `high`, `critical` from three times the limit.
package struct RouteScanAnalyzer: Analyzer {
    private struct Failure: Sendable, Codable {
        var call: EvidenceCall
        var shape: String
    }

    private struct Probes: Sendable, Codable {
        var failures = TimedWindow<Failure>()
        var crossing = LimitCrossing()
    }

    private var probes = SubjectTable<Probes>()

    package init() {}

    package var reach: Double { 600 }

    package func remember(into memory: inout any UnkeyedEncodingContainer) throws {
        try memory.encode(probes)
    }

    package mutating func recall(
        from memory: inout any UnkeyedDecodingContainer, policy: (Subject) -> SubjectPolicy
    ) throws {
        probes = try memory.decode(SubjectTable<Probes>.self)
    }

    package mutating func observe(_ event: CallEvent) -> [Finding] {
        let call = event.call
        guard event.kind == .ended, !call.isAnswered,
            call.destinationClass.isHighCost || call.destinationClass == .invalid
        else { return [] }
        let time = event.time.timeIntervalSince1970
        let shape = String(call.dialString.prefix(3))
        var findings: [Finding] = []
        for policy in event.subjects.all {
            probes.update(policy, creating: Probes.init) { state in
                state.failures.append(Failure(call: call.evidence, shape: shape), at: time)
                state.failures.expire(before: time - 600)
                if let finding = Self.check(&state, policy, event) { findings.append(finding) }
            }
        }
        return findings
    }

    private static func check(_ state: inout Probes, _ policy: SubjectPolicy, _ event: CallEvent) -> Finding? {
        let call = event.call
        let time = event.time.timeIntervalSince1970
        guard let limit = policy.active(.scanFailed10m), Double(state.failures.count) > limit else {
            state.crossing.fellBelow()
            return nil
        }
        let recent = state.failures.elements(since: time - 600)
        let shapes = Set(recent.map(\.shape))
        let destinations = Set(recent.map(\.call.number))
        let neededShapes = max(1, Int(policy[.scanDistinctPrefixes]))
        guard shapes.count >= neededShapes || Double(destinations.count) > 2 * limit else {
            state.crossing.fellBelow()
            return nil
        }
        let calls = state.crossing.evidence(for: call.evidence) { recent.map(\.call) }
        var metrics = policy.metrics(for: .scanFailed10m)
        metrics["observed"] = .count(recent.count)
        metrics["prefixes"] = .list(shapes.sorted())
        metrics["destinations"] = .count(destinations.count)
        return Finding(
            rule: .routeScan, severity: .scaled(Double(recent.count), limit: limit, base: .high, factor: 3),
            subject: policy.subject, time: event.time,
            headline: "had \(recent.count) failed attempts to \(destinations.count) destinations with prefixes "
                + shapes.sorted().map { "\($0)…" }.joined(separator: " ") + " in 10 min (limit \(Int(limit)))",
            metrics: metrics, calls: calls)
    }
}
