import Foundation

/// Targeted pumping and sequential calls: many calls from one subject to one number, or
/// to many numbers of one narrow range (the last `pumping_range_digits` digits varying), in
/// an hour — OpenSIPS fraud_detection's sequential calls, ClearIP's targeted pumping.
///
/// `warning` for domestic numbers, `high` for international and premium ones; a hotspot raises it.
package struct PumpingAnalyzer: Analyzer {
    private struct Targets: Sendable, Codable {
        var numbers: [String: TimedWindow<EvidenceCall>] = [:]
        /// Range prefix → number → its latest call.
        var ranges: [String: [String: EvidenceCall]] = [:]
        var overNumbers: Set<String> = []
        var overRanges: Set<String> = []
    }

    private var targets = SubjectTable<Targets>()
    private var eventsSinceSweep = 0

    package init() {}

    package var reach: Double { 3600 }

    package func remember(into memory: inout any UnkeyedEncodingContainer) throws {
        try memory.encode(targets)
        try memory.encode(eventsSinceSweep)
    }

    package mutating func recall(
        from memory: inout any UnkeyedDecodingContainer, policy: (Subject) -> SubjectPolicy
    ) throws {
        targets = try memory.decode(SubjectTable<Targets>.self)
        eventsSinceSweep = try memory.decode(Int.self)
    }

    package mutating func observe(_ event: CallEvent) -> [Finding] {
        guard event.kind == .started, event.call.destinationClass.isExternal else { return [] }
        let call = event.call
        let time = event.time.timeIntervalSince1970
        let number = call.e164 ?? call.dialString
        var findings: [Finding] = []
        for policy in event.subjects.all {
            targets.update(policy, creating: Targets.init) { state in
                Self.countNumber(number, call, policy, time, &state, into: &findings)
                Self.countRange(number, call, policy, time, &state, into: &findings)
            }
        }
        eventsSinceSweep += 1
        if eventsSinceSweep >= 50_000 {
            eventsSinceSweep = 0
            sweep(before: time - 3600)
        }
        return findings
    }

    private static func severity(_ call: ObservedCall) -> Severity {
        let base: Severity = call.destinationClass.isHighCost ? .high : .warning
        return base.raised(if: call.hotspot != nil)
    }

    private static func countNumber(
        _ number: String, _ call: ObservedCall, _ policy: SubjectPolicy, _ time: Double, _ state: inout Targets,
        into findings: inout [Finding]
    ) {
        var window = state.numbers.removeValue(forKey: number) ?? TimedWindow()
        window.append(call.evidence, at: time)
        window.expire(before: time - 3600)
        let observed = window.count
        defer { state.numbers[number] = window }
        guard let limit = policy.active(.pumpingSameNumber1h), Double(observed) > limit else {
            state.overNumbers.remove(number)
            return
        }
        let calls = state.overNumbers.contains(number) ? [call.evidence] : Array(window.elements(since: time - 3600))
        state.overNumbers.insert(number)
        var metrics = policy.metrics(for: .pumpingSameNumber1h)
        metrics["observed"] = .count(observed)
        metrics["number"] = .text(number)
        findings.append(
            Finding(
                rule: .pumping, severity: severity(call), subject: policy.subject,
                time: call.startedAt, headline: "called \(number) \(observed) times in 1 h (limit \(Int(limit)))",
                metrics: metrics, calls: calls))
    }

    private static func countRange(
        _ number: String, _ call: ObservedCall, _ policy: SubjectPolicy, _ time: Double, _ state: inout Targets,
        into findings: inout [Finding]
    ) {
        let varying = Int(policy[.pumpingRangeDigits])
        guard varying > 0, number.count >= varying + 5, let limit = policy.active(.pumpingRange1h) else { return }
        let range = String(number.dropLast(varying))
        var members = state.ranges.removeValue(forKey: range) ?? [:]
        members[number] = call.evidence
        members = members.filter { $0.value.time.timeIntervalSince1970 >= time - 3600 }
        defer { state.ranges[range] = members }
        guard Double(members.count) > limit else {
            state.overRanges.remove(range)
            return
        }
        let calls = state.overRanges.contains(range) ? [call.evidence] : members.values.sorted { $0.time < $1.time }
        state.overRanges.insert(range)
        let pattern = range + String(repeating: "x", count: varying)
        var metrics = policy.metrics(for: .pumpingRange1h)
        metrics["observed"] = .count(members.count)
        metrics["range"] = .text(pattern)
        findings.append(
            Finding(
                rule: .pumping, severity: severity(call),
                subject: policy.subject, time: call.startedAt,
                headline: "called \(members.count) numbers in range \(pattern) in 1 h (limit \(Int(limit)))",
                metrics: metrics, calls: calls))
    }

    /// Forgets numbers and ranges not called within the window.
    private mutating func sweep(before cutoff: Double) {
        targets.prune { state in
            state.numbers = state.numbers.filter { ($0.value.last?.time.timeIntervalSince1970 ?? 0) >= cutoff }
            state.ranges = state.ranges.filter { $0.value.values.contains { $0.time.timeIntervalSince1970 >= cutoff } }
            state.overNumbers.formIntersection(state.numbers.keys)
            state.overRanges.formIntersection(state.ranges.keys)
            return !state.numbers.isEmpty || !state.ranges.isEmpty
        }
    }
}
