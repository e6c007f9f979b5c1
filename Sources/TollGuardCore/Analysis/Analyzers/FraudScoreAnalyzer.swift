import Foundation

/// Fraud score in the manner of TransNexus ClearIP: per subject, the sum of the per-minute
/// rates of the destinations called in the last 5 and 60 minutes, against a limit.
///
/// Expensive
/// destinations reach it in a few calls; cheap ones never do. `high`, `critical` from three times.
package struct FraudScoreAnalyzer: Analyzer {
    private struct Score: Sendable, Codable {
        var window = TimedWindow<EvidenceCall>()
        var crossing = LimitCrossing()
    }

    private var scores = SubjectTable<Score>()

    package init() {}

    package var reach: Double { 3600 }

    package func remember(into memory: inout any UnkeyedEncodingContainer) throws {
        try memory.encode(scores)
    }

    package mutating func recall(
        from memory: inout any UnkeyedDecodingContainer, policy: (Subject) -> SubjectPolicy
    ) throws {
        scores = try memory.decode(SubjectTable<Score>.self)
    }

    package mutating func observe(_ event: CallEvent) -> [Finding] {
        let call = event.call
        guard event.kind == .started, call.ratePerMinuteMicros > 0, call.destinationClass.isExternal else { return [] }
        let time = event.time.timeIntervalSince1970
        var findings: [Finding] = []
        for policy in event.subjects.all {
            scores.update(policy, creating: Score.init) { state in
                state.window.append(call.evidence, at: time, weight: call.ratePerMinuteMicros)
                state.window.expire(before: time - 3600)
                if let finding = Self.check(&state, policy, event) { findings.append(finding) }
            }
        }
        return findings
    }

    private static func check(_ state: inout Score, _ policy: SubjectPolicy, _ event: CallEvent) -> Finding? {
        let call = event.call
        let time = event.time.timeIntervalSince1970
        var worst: (ratio: Double, score: Int64, limit: AnalysisLimit, seconds: Double, label: String)?
        for (limit, seconds, label) in [
            (AnalysisLimit.fraudScore5m, 300.0, "5 min"), (.fraudScore60m, 3600, "60 min"),
        ] {
            guard let value = policy.active(limit) else { continue }
            let score = state.window.weight(since: time - seconds)
            let ratio = Double(score) / Double(Money.micros(value))
            if ratio > 1, ratio > (worst?.ratio ?? 0) { worst = (ratio, score, limit, seconds, label) }
        }
        guard let worst else {
            state.crossing.fellBelow()
            return nil
        }
        let window = state.window
        let calls = state.crossing.evidence(for: call.evidence) { Array(window.elements(since: time - worst.seconds)) }
        var metrics = policy.metrics(for: worst.limit)
        metrics["score_per_min"] = .money(worst.score)
        metrics["window"] = .text(worst.label)
        return Finding(
            rule: .fraudScore, severity: worst.ratio >= 3 ? .critical : .high, subject: policy.subject,
            time: event.time,
            headline: "called destinations worth \(Money.format(worst.score, decimals: 2))/min in \(worst.label) "
                + "(limit \(Money.format(Money.micros(policy[worst.limit]), decimals: 2))/min)",
            metrics: metrics, calls: calls)
    }
}
