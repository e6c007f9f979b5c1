import Foundation

/// Behaviour change against an account's own history (the last `history_days` days).
///
/// - `new_country`: an international or premium call to a country not called in the history;
/// - `unusual_hour`: an international or premium call at a local hour the account was never active in;
/// - `spend_spike`: a day's spend `spend_spike_multiple` times the median of its spending days.
///
/// Quiet until the account has `min_history_days` of history. A day's calls join the history
/// when the day is over, so every call of a first night abroad is flagged, and a habit that
/// lasts becomes normal. New countries and hours are `warning` (a hotspot raises it); a spike
/// is `warning`, `high` from twice the multiple.
package struct BehaviourAnalyzer: Analyzer {
    private struct History: Sendable, Codable {
        var firstDay: Int
        /// Region → the last local day it was called, before today.
        var countries: [String: Int] = [:]
        /// Local hour → the last day the account placed a call in it, before today.
        var hours = [Int](repeating: Int.min / 2, count: 24)
        var todayCountries: Set<String> = []
        var todayHours: Set<Int> = []
        /// Spend of past days (local day → micros), within the history.
        var spend: [Int: Int64] = [:]
        var today: DailySpend

        init(day: Int) {
            firstDay = day
            today = DailySpend(day: day)
        }

        mutating func roll(to day: Int, keeping historyDays: Int) {
            guard day != today.day else { return }
            for region in todayCountries { countries[region] = today.day }
            for hour in todayHours { hours[hour] = today.day }
            if today.micros > 0 { spend[today.day] = today.micros }
            spend = spend.filter { day - $0.key <= historyDays }
            todayCountries.removeAll(keepingCapacity: true)
            todayHours.removeAll(keepingCapacity: true)
            today = DailySpend(day: day)
        }
    }

    private var histories: [String: History] = [:]
    private var clock: LocalClock
    private let historyDays: Int
    private let minHistoryDays: Int

    package init(clock: LocalClock, historyDays: Int, minHistoryDays: Int) {
        self.clock = clock
        self.historyDays = historyDays
        self.minHistoryDays = minHistoryDays
    }

    package var reach: Double { Double(historyDays + 1) * 86_400 }

    package func remember(into memory: inout any UnkeyedEncodingContainer) throws {
        try memory.encode(histories)
    }

    package mutating func recall(
        from memory: inout any UnkeyedDecodingContainer, policy: (Subject) -> SubjectPolicy
    ) throws {
        histories = try memory.decode([String: History].self)
    }

    package mutating func observe(_ event: CallEvent) -> [Finding] {
        guard event.kind != .answered else { return [] }
        let call = event.call
        let local = clock.local(event.time.timeIntervalSince1970)
        var history = histories.removeValue(forKey: call.account) ?? History(day: local.day)
        history.roll(to: local.day, keeping: historyDays)
        defer { histories[call.account] = history }
        let hasHistory = local.day - history.firstDay >= minHistoryDays
        let policy = event.subjects.account
        var findings: [Finding] = []
        switch event.kind {
        case .started:
            if hasHistory, call.destinationClass.isHighCost {
                let hotspot = call.hotspot != nil
                if let region = call.region, local.day - (history.countries[region] ?? Int.min / 2) > historyDays {
                    findings.append(
                        Finding(
                            rule: .newCountry, severity: Severity.warning.raised(if: hotspot), subject: policy.subject,
                            time: event.time,
                            headline:
                                "called \(region) (\(call.number)), a country it has not called in \(historyDays) days",
                            metrics: ["region": .text(region), "history_days": .count(historyDays)],
                            calls: [call.evidence]))
                }
                if local.day - history.hours[local.hour] > historyDays {
                    findings.append(
                        Finding(
                            rule: .unusualHour, severity: Severity.warning.raised(if: hotspot), subject: policy.subject,
                            time: event.time,
                            headline: "called \(call.number) at \(local.hour):00–\(local.hour + 1):00 local, "
                                + "an hour it was not active in \(historyDays) days",
                            metrics: ["hour": .count(local.hour), "history_days": .count(historyDays)],
                            calls: [call.evidence]))
                }
            }
            if let region = call.region, call.destinationClass.isExternal { history.todayCountries.insert(region) }
            history.todayHours.insert(local.hour)
        case .ended:
            guard call.costMicros > 0 else { break }
            history.today.add(call)
            guard hasHistory, history.spend.count >= 3 else { break }
            let median = Self.median(Array(history.spend.values))
            let multiple = policy[.spendSpikeMultiple]
            let minimum = Money.micros(policy[.spendSpikeMinimum])
            guard multiple > 0, history.today.micros >= minimum,
                Double(history.today.micros) >= multiple * Double(median)
            else { break }
            let severity: Severity = Double(history.today.micros) >= 2 * multiple * Double(median) ? .high : .warning
            let calls = history.today.evidence(at: severity, for: [call.evidence])
            var metrics = policy.metrics(for: .spendSpikeMultiple)
            metrics["spent"] = .money(history.today.micros)
            metrics["median_day"] = .money(median)
            metrics["spending_days"] = .count(history.spend.count)
            findings.append(
                Finding(
                    rule: .spendSpike, severity: severity, subject: policy.subject, time: event.time,
                    headline: "spent \(Money.format(history.today.micros, decimals: 2)) today, "
                        + "\(Int(Double(history.today.micros) / Double(max(median, 1)))) times its median day "
                        + "of \(Money.format(median, decimals: 2))",
                    windowKey: LocalClock.dayText(local.day), metrics: metrics, calls: calls))
        case .answered:
            break
        }
        return findings
    }

    private static func median(_ values: [Int64]) -> Int64 {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
