import Foundation

extension HookEvent {
    /// A `suspend`, `would_suspend` or `unsuspend` event about `suspension`.
    package static func about(
        _ suspension: Suspension, type: HookEventType, mode: SuspensionPolicy.Mode?, actor: String, reason: String,
        alerts: [AlertInfo], figures: Figures, now: Date
    ) -> HookEvent {
        HookEvent(
            id: newID(), type: type, time: now, mode: mode?.rawValue,
            subject: EventSubject(type: .account, value: suspension.account), account: suspension.account,
            reason: reason, actor: actor, severity: alerts.map(\.severity).max(),
            suspension: SuspensionInfo(
                id: suspension.id, enforced: suspension.enforced, since: suspension.since, until: suspension.until,
                comment: suspension.liftComment),
            alerts: alerts, figures: figures)
    }

    /// An `alert` or `quota_warning` event about one alert.
    package static func about(_ alert: StoredAlert, type: HookEventType, figures: Figures, now: Date) -> HookEvent {
        about(alert: AlertInfo(alert), subject: alert.subject, type: type, figures: figures, now: now)
    }

    /// An `alert` or `quota_warning` event about the cluster's alert `id`, as `draft` has it now.
    package static func about(
        _ draft: AlertDraft, id: Int64, type: HookEventType, summarizer: AlertSummarizer, now: Date
    ) -> HookEvent {
        about(
            alert: AlertInfo(draft, id: id, summarizer: summarizer), subject: draft.subject, type: type,
            figures: Figures(drafts: [draft], currency: summarizer.currency), now: now)
    }

    private static func about(
        alert info: AlertInfo, subject: Subject, type: HookEventType, figures: Figures, now: Date
    ) -> HookEvent {
        HookEvent(
            id: newID(), type: type, time: now, mode: nil,
            subject: EventSubject(type: subject.kind, value: subject.value),
            account: subject.kind == .account ? subject.value : nil, reason: info.summary, actor: "analysis",
            severity: info.severity, suspension: nil, alerts: [info], figures: figures)
    }
}

extension HookEvent {
    /// An `alert_changed` event: a person changed one alert.
    package static func about(_ outcome: AlertChangeOutcome, now: Date) -> HookEvent {
        let alert = outcome.after
        let entry = outcome.entry
        var event = HookEvent(
            id: newID(), type: .alertChanged, time: now, mode: nil,
            subject: EventSubject(type: alert.subject.kind, value: alert.subject.value),
            account: alert.subject.kind == .account ? alert.subject.value : nil,
            reason: entry.note ?? "\(entry.action) by \(entry.actor)", actor: entry.actor, severity: alert.severity,
            suspension: nil, alerts: [AlertInfo(alert)], figures: nil)
        event.change = ChangeInfo(action: entry.action, before: entry.before, after: entry.after, note: entry.note)
        return event
    }
}

extension HookEvent.AlertInfo {
    package init(_ alert: StoredAlert) {
        self.init(
            id: alert.id, rule: alert.rule, severity: alert.severity, summary: alert.summary,
            firstSeen: alert.firstSeen, lastSeen: alert.lastSeen, calls: alert.callCount, costMicros: alert.costMicros)
    }
}

extension HookEvent.AlertInfo {
    /// The cluster's alert `id` as `draft` has it now.
    package init(_ draft: AlertDraft, id: Int64, summarizer: AlertSummarizer) {
        self.init(
            id: id, rule: draft.rule.rawValue, severity: draft.severity, summary: summarizer.summary(of: draft),
            firstSeen: draft.firstSeen, lastSeen: draft.lastSeen, calls: draft.callCount, costMicros: draft.costMicros)
    }
}

extension HookEvent.Figures {
    /// The figures of the evidence calls of `drafts` (each call once).
    package init(drafts: [AlertDraft], currency: String) {
        self.init(
            calls: drafts.flatMap { $0.calls }.map { ($0.key, $0.number, $0.region, $0.costMicros, $0.switchName) },
            currency: currency)
    }

    /// The figures of a set of evidence calls (each call once, however many alerts carry it).
    package init(
        calls: [(key: String, number: String, region: String?, costMicros: Int64, switchName: String?)],
        currency: String
    ) {
        var seen: Set<String> = []
        var numbers: [String: Int] = [:]
        var regions: [String: Int] = [:]
        var switches: [String: Int] = [:]
        var cost: Int64 = 0
        for call in calls where seen.insert(call.key).inserted {
            cost += call.costMicros
            numbers[call.number, default: 0] += 1
            if let region = call.region { regions[region, default: 0] += 1 }
            if let name = call.switchName { switches[name, default: 0] += 1 }
        }
        func ranked(_ counts: [String: Int]) -> [String] {
            counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        }
        self.init(
            calls: seen.count, costMicros: cost, cost: Money.format(cost, decimals: 2), currency: currency,
            destinations: Array(ranked(numbers).prefix(10)), countries: ranked(regions),
            switches: switches.isEmpty ? nil : ranked(switches))
    }
}
