import Foundation

/// The figures of a period's report, counted call by call from whichever store holds the calls
/// (this node's SQLite, the cluster's PostgreSQL), then assembled with the alerts that touch the
/// period and what was done in it.
package struct ReportTally: Sendable {
    package let from: Date
    package let to: Date
    let timeZone: TimeZone
    let countryNames: [String: String]
    let publicContexts: Set<String>
    /// Accounts and countries listed.
    var topAccounts = 15
    var topCountries = 10

    private struct Account {
        var calls = 0
        var spend: Int64 = 0
        var byDay: [Int: Int64] = [:]
    }

    private let hourCount: Int
    private var hours: [PeriodReport.Hour]
    private var totals = PeriodReport.Totals()
    private var accounts: [Subject: Account] = [:]
    private var countries: [String: PeriodReport.CountryTotal] = [:]
    private var switches: [String: PeriodReport.SwitchTotal] = [:]
    private var namedSwitches = false
    private var clock: LocalClock
    private let local: LocalTimeFormatter
    private var alerts: [PeriodReport.Alert] = []
    private var actions: [(time: Date, action: PeriodReport.Action)] = []

    package init(
        from: Date, to: Date, timeZone: TimeZone, countryNames: [String: String], publicContexts: [String]
    ) {
        self.from = from
        self.to = to
        self.timeZone = timeZone
        self.countryNames = countryNames
        self.publicContexts = Set(publicContexts)
        local = LocalTimeFormatter(timeZone: timeZone)
        clock = LocalClock(timeZone: timeZone)
        hourCount = max(1, Int((to.timeIntervalSince(from) / 3600).rounded(.up)))
        hours = (0..<hourCount).map { [local] in
            PeriodReport.Hour(start: local.minutes(from.addingTimeInterval(Double($0) * 3600)))
        }
    }

    /// Counts a call that started in the period.
    package mutating func add(_ call: ReportedCall) {
        let start = call.startedAt
        let billsec = call.billsec
        let cost = call.costMicros
        let hour = min(hourCount - 1, max(0, Int(start.timeIntervalSince(from) / 3600)))
        hours[hour].calls += 1
        hours[hour].spendMicros += cost
        totals.calls += 1
        totals.spendMicros += cost
        totals.minutes += billsec
        let switchName = call.switchName ?? PeriodReport.SwitchTotal.noSwitch
        if call.switchName != nil { namedSwitches = true }
        switches[switchName, default: PeriodReport.SwitchTotal(name: switchName)].calls += 1
        switches[switchName, default: PeriodReport.SwitchTotal(name: switchName)].spendMicros += cost
        if call.isAnswered {
            switches[switchName]?.answered += 1
            hours[hour].answered += 1
            totals.answered += 1
        }
        if call.scope == .international || call.scope == .sameCodeOtherRegion {
            totals.international += 1
            if let region = call.region {
                countries[
                    region,
                    default: PeriodReport.CountryTotal(
                        region: region,
                        name: countryNames[region] ?? (region == "001" ? "International networks" : region),
                        calls: 0, minutes: 0, spendMicros: 0)
                ]
                .add(billsec: billsec, cost: cost)
            }
        }
        let account = Subject.account(
            call.account, callerNumber: call.callerNumber, context: call.context, publicContexts: publicContexts)
        accounts[account, default: Account()].calls += 1
        accounts[account, default: Account()].spend += cost
        accounts[account, default: Account()].byDay[clock.local(start.timeIntervalSince1970).day, default: 0] += cost
    }

    /// Adds an alert that touches the period, with the first `evidenceLimit` of its evidence calls.
    package mutating func add(_ alert: StoredAlert, evidence: some Sequence<AlertCall>, evidenceLimit: Int) {
        totals.alertsBySeverity[alert.severity.name, default: 0] += 1
        let rows = evidence.prefix(evidenceLimit).map { [local, countryNames] call in
            PeriodReport.EvidenceRow(
                time: local.seconds(call.time), account: call.account ?? "", callerName: call.callerName ?? "",
                dialed: call.dialed ?? call.number, number: call.number,
                region: call.region.map { countryNames[$0] ?? $0 } ?? "", scope: call.destinationClass ?? "",
                billsec: call.billsec ?? 0, disposition: call.disposition ?? "", costMicros: call.costMicros)
        }
        alerts.append(
            PeriodReport.Alert(
                id: alert.id, rule: alert.rule, severity: alert.severity.name, subjectType: alert.subject.kind.rawValue,
                subject: alert.subject.value, state: alert.state.rawValue, firstSeen: local.minutes(alert.firstSeen),
                lastSeen: local.minutes(alert.lastSeen), summary: alert.summary, calls: alert.callCount,
                spendMicros: alert.costMicros, evidence: Array(rows)))
    }

    /// Adds a suspension made in the period (report-only: one the policy would have made).
    package mutating func addSuspension(
        id: Int64, account: String, enforced: Bool, actor: String, reason: String, at time: Date
    ) {
        addAction(
            at: time, kind: enforced ? "suspended" : "would suspend", account: account,
            detail: "suspension \(id) by \(actor): \(reason)")
    }

    /// Adds a suspension lifted in the period.
    package mutating func addLifting(ofSuspension id: Int64, account: String, by actor: String?, at time: Date) {
        addAction(at: time, kind: "lifted", account: account, detail: "suspension \(id) by \(actor ?? "?")")
    }

    /// Adds a call hung up in the period: `call` names it (its uuid, and where known its switch).
    package mutating func addKill(of call: String, account: String, reason: String, answer: String, at time: Date) {
        addAction(at: time, kind: "call killed", account: account, detail: "\(call): \(reason) → \(answer)")
    }

    private mutating func addAction(at time: Date, kind: String, account: String, detail: String) {
        actions.append(
            (time, PeriodReport.Action(time: local.minutes(time), kind: kind, account: account, detail: detail)))
    }

    /// The report: the top spenders against their daily quota (`quotas`: the accounts' own, in
    /// micro-units; the rest take `analysis`'s), the top countries, the alerts most severe first,
    /// the actions oldest first.
    package func report(
        site: String, currency: String, analysis: AnalysisSettings, quotas: [String: Int64], now: Date
    ) -> PeriodReport {
        var totals = self.totals
        totals.minutes /= 60
        var countries = self.countries
        for index in countries.keys { countries[index]?.minutes /= 60 }
        var resolver = PolicyResolver(settings: analysis, quotas: quotas)
        let spenders = accounts.sorted {
            ($0.value.spend, $1.key.value, $1.key.kind.rawValue) > ($1.value.spend, $0.key.value, $0.key.kind.rawValue)
        }
        .prefix(topAccounts)
        let accountRows = spenders.map { account, totals in
            let peak = totals.byDay.max { ($0.value, $1.key) < ($1.value, $0.key) } ?? (0, 0)
            let quota = resolver.policy(for: account).active(.dailyQuota)
            return PeriodReport.AccountSpend(
                account: account.value, subjectType: account.kind, calls: totals.calls, spendMicros: totals.spend,
                peakDay: LocalClock.dayText(peak.key), peakDaySpendMicros: peak.value,
                dailyQuotaMicros: quota.map { Int64(($0 * Double(Money.microsPerUnit)).rounded()) })
        }
        let countryRows = countries.values.sorted {
            ($0.spendMicros, $0.calls, $1.region) > ($1.spendMicros, $1.calls, $0.region)
        }
        .prefix(topCountries)
        let alerts = self.alerts.sorted {
            (Severity(name: $0.severity) ?? .info, $1.firstSeen) > (Severity(name: $1.severity) ?? .info, $0.firstSeen)
        }
        var report = PeriodReport(
            name: ReportBuilder.name(from: from, to: to, in: timeZone), site: site, timeZone: timeZone.identifier,
            currency: currency, from: local.minutes(from), to: local.minutes(to),
            generated: CivilTime.utcText(now) + "Z",
            totals: totals, hours: hours, accounts: accountRows, countries: Array(countryRows), alerts: alerts)
        report.actions = actions.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
            .map(\.element.action)
        if namedSwitches {
            report.switches = switches.values.sorted { ($0.calls, $1.name) > ($1.calls, $0.name) }
        }
        return report
    }
}

extension PeriodReport.CountryTotal {
    fileprivate mutating func add(billsec: Int, cost: Int64) {
        calls += 1
        minutes += billsec
        spendMicros += cost
    }
}
