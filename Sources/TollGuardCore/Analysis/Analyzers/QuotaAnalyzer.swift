import Foundation

/// Daily cost quota per account, the day running in the site's time zone: a `warning` at
/// `quota_warning_share` of the quota, `high` (a breach) at the quota, `critical` at twice it.
///
/// One alert per account and day. A raise of an account's quota for one day (the console's
/// "until midnight") is its quota that day.
///
/// Ended calls add their cost. Live, answered calls still up are projected too: at each
/// ``project(at:)`` their running cost (rate × time since answer) counts on top of the day's
/// spend, so a quota is breached while the expensive calls are still talking.
package struct QuotaAnalyzer: Analyzer {
    private struct RunningCall: Sendable {
        var call: ObservedCall
        var policy: SubjectPolicy
    }

    private var days: [String: DailySpend] = [:]
    /// Answered calls not yet ended, by account, then call key.
    private var running: [String: [String: RunningCall]] = [:]
    private var clock: LocalClock

    package init(clock: LocalClock) { self.clock = clock }

    /// Replay starts a day early so the local day in progress at the period's start is summed whole.
    package var reach: Double { 86_400 + 14 * 3600 }

    package func remember(into memory: inout any UnkeyedEncodingContainer) throws {
        try memory.encode(days)
        try memory.encode(
            running.mapValues { $0.mapValues { RememberedCall(call: $0.call, subject: $0.policy.subject) } })
    }

    package mutating func recall(
        from memory: inout any UnkeyedDecodingContainer, policy: (Subject) -> SubjectPolicy
    ) throws {
        days = try memory.decode([String: DailySpend].self)
        running = try memory.decode([String: [String: RememberedCall]].self).mapValues {
            $0.mapValues { RunningCall(call: $0.call, policy: policy($0.subject)) }
        }
    }

    /// A call up as a snapshot keeps it: its policy is resolved again when it is taken back.
    private struct RememberedCall: Codable {
        var call: ObservedCall
        var subject: Subject
    }

    package mutating func observe(_ event: CallEvent) -> [Finding] {
        let call = event.call
        switch event.kind {
        case .started:
            return []
        case .answered:
            if call.ratePerMinuteMicros > 0 {
                running[call.account, default: [:]][call.key] = RunningCall(call: call, policy: event.subjects.account)
            }
            return []
        case .ended:
            if running[call.account]?.removeValue(forKey: call.key) != nil, running[call.account]?.isEmpty == true {
                running[call.account] = nil
            }
        }
        guard call.costMicros > 0 else { return [] }
        let local = clock.local(event.time.timeIntervalSince1970)
        var state = days.removeValue(forKey: call.account) ?? DailySpend(day: local.day)
        if state.day != local.day { state = DailySpend(day: local.day) }
        state.add(call)
        defer { days[call.account] = state }
        return finding(
            policy: event.subjects.account, state: &state, spent: state.micros, at: event.time, calls: [call.evidence])
    }

    package mutating func project(at time: Date) -> [Finding] {
        var findings: [Finding] = []
        let local = clock.local(time.timeIntervalSince1970)
        for (account, calls) in running {
            guard let first = calls.values.first else { continue }
            // Each call up is evidence with its cost so far, so the alert's money is the money
            // its headline counts; the call's final cost replaces it when it ends.
            var running: Int64 = 0
            var evidence: [EvidenceCall] = []
            for entry in calls.values.sorted(by: { $0.call.startedAt < $1.call.startedAt }) {
                let seconds = max(0, time.timeIntervalSince(entry.call.answeredAt ?? entry.call.startedAt))
                let cost = Int64((Double(entry.call.ratePerMinuteMicros) * seconds / 60).rounded())
                running += cost
                var call = entry.call.evidence
                call.costMicros = cost
                evidence.append(call)
            }
            var state = days.removeValue(forKey: account) ?? DailySpend(day: local.day)
            if state.day != local.day { state = DailySpend(day: local.day) }
            findings += finding(
                policy: first.policy, state: &state, spent: state.micros + running, at: time, calls: evidence,
                runningCalls: calls.count)
            days[account] = state
        }
        return findings
    }

    private func finding(
        policy: SubjectPolicy, state: inout DailySpend, spent micros: Int64, at time: Date,
        calls triggers: [EvidenceCall],
        runningCalls: Int = 0
    ) -> [Finding] {
        guard let quotaMicros = policy.dailyQuotaMicros(onDay: state.day) else { return [] }
        let share = policy[.quotaWarningShare]
        let spent = Double(micros)
        let level: Severity
        if spent >= 2 * Double(quotaMicros) {
            level = .critical
        } else if spent >= Double(quotaMicros) {
            level = .high
        } else if share > 0, spent >= share * Double(quotaMicros) {
            level = .warning
        } else {
            return []
        }
        let calls = state.evidence(at: level, for: triggers)
        var metrics = policy.metrics(for: .dailyQuota)
        if let raised = policy.quotaRaises[state.day] {
            metrics["limit_value"] = .money(raised)
            metrics["limit_source"] = .text("raised for the day")
        }
        metrics["spent"] = .money(micros)
        metrics["share"] = .number((spent / Double(quotaMicros) * 100).rounded() / 100)
        metrics["warning_share"] = .number(share)
        if runningCalls > 0 { metrics["calls_up"] = .count(runningCalls) }
        let percent = Int((spent / Double(quotaMicros) * 100).rounded(.down))
        let projected = runningCalls > 0 ? " (counting \(runningCalls) calls still up)" : ""
        return [
            Finding(
                rule: .dailyQuota, severity: level, subject: policy.subject, time: time,
                headline: level >= .high
                    ? "exceeded the daily quota: \(Money.format(micros, decimals: 2)) spent\(projected), \(percent) % of \(Money.format(quotaMicros, decimals: 2))"
                    : "reached \(percent) % of the daily quota: \(Money.format(micros, decimals: 2)) of \(Money.format(quotaMicros, decimals: 2))\(projected)",
                windowKey: LocalClock.dayText(state.day), metrics: metrics, calls: calls)
        ]
    }
}
