import Foundation

/// Daily cost quota per account, the day running in the site's time zone: a `warning` at
/// `quota_warning_share` of the quota, `high` (a breach) at the quota, `critical` at twice it.
/// One alert per account and day.
package struct QuotaAnalyzer: Analyzer {
    private var days: [String: DailySpend] = [:]
    private var clock: LocalClock

    package init(clock: LocalClock) { self.clock = clock }

    /// Replay starts a day early so the local day in progress at the period's start is summed whole.
    package var reach: Double { 86_400 + 14 * 3600 }

    package mutating func observe(_ event: CallEvent) -> [Finding] {
        guard event.kind == .ended, event.call.costMicros > 0 else { return [] }
        let policy = event.subjects.account
        let local = clock.local(event.time.timeIntervalSince1970)
        var state = days.removeValue(forKey: event.call.account) ?? DailySpend(day: local.day)
        if state.day != local.day { state = DailySpend(day: local.day) }
        state.add(event.call)
        defer { days[event.call.account] = state }
        guard let quota = policy.active(.dailyQuota) else { return [] }
        let quotaMicros = Money.micros(quota)
        let share = policy[.quotaWarningShare]
        let spent = Double(state.micros)
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
        let calls = state.evidence(at: level, for: event.call)
        var metrics = policy.metrics(for: .dailyQuota)
        metrics["spent"] = .money(state.micros)
        metrics["share"] = .number((spent / Double(quotaMicros) * 100).rounded() / 100)
        metrics["warning_share"] = .number(share)
        let percent = Int((spent / Double(quotaMicros) * 100).rounded(.down))
        return [
            Finding(
                rule: .dailyQuota, severity: level, subject: policy.subject, time: event.time,
                headline: level >= .high
                    ? "exceeded the daily quota: \(Money.format(state.micros, decimals: 2)) spent, \(percent) % of \(Money.format(quotaMicros, decimals: 2))"
                    : "reached \(percent) % of the daily quota: \(Money.format(state.micros, decimals: 2)) of \(Money.format(quotaMicros, decimals: 2))",
                windowKey: LocalClock.dayText(local.day), metrics: metrics, calls: calls)
        ]
    }
}
