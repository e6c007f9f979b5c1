import Foundation

/// Call velocity: attempts, answered calls and international (and premium) attempts per
/// subject in sliding windows of 1 minute, 10 minutes and 1 hour.
///
/// Volume alone is a `warning` (a busy office or call centre is loud, not fraudulent) and
/// `high` from five times the limit; international volume is `high`, `critical` from three times.
package struct VelocityAnalyzer: Analyzer {
    private enum Measure: Int, CaseIterable {
        case attempts, answered, international

        var limits: [(limit: AnalysisLimit, seconds: Double, label: String)] {
            switch self {
            case .attempts:
                [
                    (.velocityAttempts1m, 60, "1 min"), (.velocityAttempts10m, 600, "10 min"),
                    (.velocityAttempts1h, 3600, "1 h"),
                ]
            case .answered:
                [
                    (.velocityAnswered1m, 60, "1 min"), (.velocityAnswered10m, 600, "10 min"),
                    (.velocityAnswered1h, 3600, "1 h"),
                ]
            case .international:
                [
                    (.velocityInternational1m, 60, "1 min"), (.velocityInternational10m, 600, "10 min"),
                    (.velocityInternational1h, 3600, "1 h"),
                ]
            }
        }

        var noun: String {
            switch self {
            case .attempts: "call attempts"
            case .answered: "answered calls"
            case .international: "international/premium attempts"
            }
        }
    }

    private struct Counter: Sendable, Codable {
        var window = TimedWindow<EvidenceCall>()
        var crossing = LimitCrossing()
    }

    private var counters = SubjectTable<[Counter]>()

    package init() {}

    package var reach: Double { 3600 }

    package func remember(into memory: inout any UnkeyedEncodingContainer) throws {
        try memory.encode(counters)
    }

    package mutating func recall(
        from memory: inout any UnkeyedDecodingContainer, policy: (Subject) -> SubjectPolicy
    ) throws {
        counters = try memory.decode(SubjectTable<[Counter]>.self)
    }

    package mutating func observe(_ event: CallEvent) -> [Finding] {
        var findings: [Finding] = []
        switch event.kind {
        case .started:
            for policy in event.subjects.all {
                count(.attempts, event, policy, into: &findings)
                if event.call.destinationClass.isHighCost { count(.international, event, policy, into: &findings) }
            }
        case .answered:
            for policy in event.subjects.all { count(.answered, event, policy, into: &findings) }
        case .ended:
            break
        }
        return findings
    }

    private mutating func count(
        _ measure: Measure, _ event: CallEvent, _ policy: SubjectPolicy, into findings: inout [Finding]
    ) {
        let index = measure.rawValue
        counters.update(policy, creating: { Array(repeating: Counter(), count: Measure.allCases.count) }) {
            subjectCounters in
            Self.count(measure, index, event, policy, &subjectCounters, into: &findings)
        }
    }

    private static func count(
        _ measure: Measure, _ index: Int, _ event: CallEvent, _ policy: SubjectPolicy,
        _ subjectCounters: inout [Counter],
        into findings: inout [Finding]
    ) {
        let time = event.time.timeIntervalSince1970
        subjectCounters[index].window.append(event.call.evidence, at: time)
        subjectCounters[index].window.expire(before: time - 3600)
        // The window furthest over its limit speaks for the measure.
        var worst: (ratio: Double, count: Int, limit: AnalysisLimit, seconds: Double, label: String)?
        for (limit, seconds, label) in measure.limits {
            guard let value = policy.active(limit) else { continue }
            let observed = subjectCounters[index].window.count(since: time - seconds)
            let ratio = Double(observed) / value
            if Double(observed) > value, ratio > (worst?.ratio ?? 0) {
                worst = (ratio, observed, limit, seconds, label)
            }
        }
        guard let worst else {
            subjectCounters[index].crossing.fellBelow()
            return
        }
        let window = subjectCounters[index].window
        let calls = subjectCounters[index].crossing.evidence(for: event.call.evidence) {
            Array(window.elements(since: time - worst.seconds))
        }
        let limitValue = policy[worst.limit]
        let severity: Severity =
            measure == .international
            ? .scaled(Double(worst.count), limit: limitValue, base: .high, factor: 3)
            : .scaled(Double(worst.count), limit: limitValue, base: .warning, factor: 5)
        var metrics = policy.metrics(for: worst.limit)
        metrics["observed"] = .count(worst.count)
        metrics["window"] = .text(worst.label)
        findings.append(
            Finding(
                rule: measure == .international ? .velocityInternational : .velocity, severity: severity,
                subject: policy.subject, time: event.time,
                headline: "made \(worst.count) \(measure.noun) in \(worst.label) (limit \(Int(limitValue)))",
                metrics: metrics, calls: calls))
    }
}
