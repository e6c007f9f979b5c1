import Foundation
import GRDB

/// Builds a `PeriodReport` from the store: calls that started in `[from, to)`, alerts that touch it.
package struct ReportBuilder: Sendable {
    package let database: TollGuardDatabase
    package let configuration: TollGuardConfiguration
    package let timeZone: TimeZone
    package let countryNames: [String: String]
    /// Evidence calls shown per alert (all are counted).
    package var evidencePerAlert = 12
    /// Accounts and countries listed.
    package var topAccounts = 15
    package var topCountries = 10

    package init(
        database: TollGuardDatabase, configuration: TollGuardConfiguration, timeZone: TimeZone,
        countryNames: [String: String]
    ) {
        self.database = database
        self.configuration = configuration
        self.timeZone = timeZone
        self.countryNames = countryNames
    }

    /// The file name of a report: the local date of a one-day period, else `FIRST--LAST` day.
    package static func name(from: Date, to: Date, in timeZone: TimeZone) -> String {
        let local = LocalTimeFormatter(timeZone: timeZone)
        let first = local.day(from)
        let last = local.day(to.addingTimeInterval(-1))
        return first == last ? first : "\(first)--\(last)"
    }

    /// The report of the calls that started in `[from, to)` and the alerts that touch it, read
    /// from one snapshot of the store.
    package func build(from: Date, to: Date, site: String = "", now: Date = Date()) throws -> PeriodReport {
        try database.writer.read { db in try build(from: from, to: to, site: site, now: now, db) }
    }

    /// ``build(from:to:site:now:)`` without holding a thread of the cooperative pool (`serve`'s `/report`).
    package func build(from: Date, to: Date, site: String = "", now: Date = Date()) async throws -> PeriodReport {
        try await database.writer.read { db in try build(from: from, to: to, site: site, now: now, db) }
    }

    private func build(from: Date, to: Date, site: String, now: Date, _ db: Database) throws -> PeriodReport {
        let local = LocalTimeFormatter(timeZone: timeZone)
        let hourCount = max(1, Int((to.timeIntervalSince(from) / 3600).rounded(.up)))
        var hours = (0..<hourCount).map {
            PeriodReport.Hour(start: local.minutes(from.addingTimeInterval(Double($0) * 3600)))
        }
        var totals = PeriodReport.Totals()
        struct Account {
            var calls = 0
            var spend: Int64 = 0
            var byDay: [Int: Int64] = [:]
        }
        var accounts: [Subject: Account] = [:]
        let publicContexts = Set(configuration.analysis.publicContexts)
        var countries: [String: PeriodReport.CountryTotal] = [:]
        var switches: [String: PeriodReport.SwitchTotal] = [:]
        var namedSwitches = false
        var clock = LocalClock(timeZone: timeZone)
        do {
            let calls = try ReportedCall.started(from: from, to: to).fetchCursor(db)
            while let call = try calls.next() {
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
                if call.isAnswered { switches[switchName]?.answered += 1 }
                if call.isAnswered {
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
                    call.account, callerNumber: call.callerNumber, context: call.context,
                    publicContexts: publicContexts)
                accounts[account, default: Account()].calls += 1
                accounts[account, default: Account()].spend += cost
                accounts[account, default: Account()].byDay[clock.local(start.timeIntervalSince1970).day, default: 0] +=
                    cost
            }
        }
        totals.minutes /= 60
        for index in countries.keys { countries[index]?.minutes /= 60 }

        let quotas = try QuotaEntry.fetchAll(db)
        var resolver = PolicyResolver(
            settings: configuration.analysis,
            quotas: Dictionary(quotas.map { ($0.account, $0.dailyMicros) }, uniquingKeysWith: { $1 }))
        let spenders = accounts.sorted {
            ($0.value.spend, $1.key.value, $1.key.kind.rawValue) > ($1.value.spend, $0.key.value, $0.key.kind.rawValue)
        }
        .prefix(topAccounts)
        let accountRows = spenders.map { account, totals in
            let peak = totals.byDay.max { ($0.value, $1.key) < ($1.value, $0.key) } ?? (0, 0)
            let quota = resolver.policy(for: account).active(.dailyQuota)
            return PeriodReport.AccountSpend(
                account: account.value, subjectType: account.kind, calls: totals.calls, spendMicros: totals.spend,
                peakDay: LocalClock.dayText(peak.key),
                peakDaySpendMicros: peak.value,
                dailyQuotaMicros: quota.map { Int64(($0 * Double(Money.microsPerUnit)).rounded()) })
        }
        let countryRows = countries.values.sorted {
            ($0.spendMicros, $0.calls, $1.region) > ($1.spendMicros, $1.calls, $0.region)
        }
        .prefix(topCountries)

        var alerts: [PeriodReport.Alert] = []
        let touching = StoredAlert.all().matching(
            AlertFilter(states: Set(AlertState.allCases), since: from, before: to))
        for alert in try touching.mostSevereFirst().fetchAll(db) {
            totals.alertsBySeverity[alert.severity.name, default: 0] += 1
            let evidence = try AlertCall.evidence(ofAlert: alert.id).fetchAll(db).prefix(evidencePerAlert).map { call in
                PeriodReport.EvidenceRow(
                    time: local.seconds(call.time), account: call.account ?? "", callerName: call.callerName ?? "",
                    dialed: call.dialed ?? call.number, number: call.number,
                    region: call.region.map { countryNames[$0] ?? $0 } ?? "", scope: call.destinationClass ?? "",
                    billsec: call.billsec ?? 0, disposition: call.disposition ?? "", costMicros: call.costMicros)
            }
            alerts.append(
                PeriodReport.Alert(
                    id: alert.id, rule: alert.rule, severity: alert.severity.name,
                    subjectType: alert.subject.kind.rawValue,
                    subject: alert.subject.value, state: alert.state.rawValue,
                    firstSeen: local.minutes(alert.firstSeen),
                    lastSeen: local.minutes(alert.lastSeen), summary: alert.summary, calls: alert.callCount,
                    spendMicros: alert.costMicros, evidence: Array(evidence)))
        }
        alerts.sort {
            (Severity(name: $0.severity) ?? .info, $1.firstSeen) > (Severity(name: $1.severity) ?? .info, $0.firstSeen)
        }
        var report = PeriodReport(
            name: Self.name(from: from, to: to, in: timeZone), site: site, timeZone: timeZone.identifier,
            currency: configuration.rating.currency, from: local.minutes(from), to: local.minutes(to),
            generated: CivilTime.utcText(now) + "Z", totals: totals, hours: hours, accounts: accountRows,
            countries: Array(countryRows), alerts: alerts)
        report.actions = try Self.actions(from: from, to: to, local: local, db)
        if namedSwitches {
            report.switches = switches.values.sorted { ($0.calls, $1.name) > ($1.calls, $0.name) }
        }
        return report
    }

    /// The suspensions made (and decided report-only), lifted, and the calls hung up in `[from, to)`, oldest first.
    private static func actions(from: Date, to: Date, local: LocalTimeFormatter, _ db: Database) throws
        -> [PeriodReport.Action]
    {
        let range: [any DatabaseValueConvertible] = [StoredTime.text(from), StoredTime.text(to)]
        var dated: [(Date, PeriodReport.Action)] = []
        func add(_ text: String, _ kind: String, _ account: String, _ detail: String) {
            guard let time = StoredTime.date(text) else { return }
            dated.append(
                (time, PeriodReport.Action(time: local.minutes(time), kind: kind, account: account, detail: detail)))
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT id, account, enforced, reason, actor, created_utc FROM suspensions
                WHERE created_utc >= ? AND created_utc < ? ORDER BY id
                """, arguments: StatementArguments(range))
        {
            let enforced: Bool = row["enforced"]
            let id: Int64 = row["id"]
            let reason: String = row["reason"]
            let actor: String = row["actor"]
            add(
                row["created_utc"], enforced ? "suspended" : "would suspend", row["account"],
                "suspension \(id) by \(actor): \(reason)")
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT id, account, lifted_utc, lifted_by FROM suspensions
                WHERE lifted_utc >= ? AND lifted_utc < ? ORDER BY id
                """, arguments: StatementArguments(range))
        {
            let id: Int64 = row["id"]
            let by: String? = row["lifted_by"]
            add(row["lifted_utc"], "lifted", row["account"], "suspension \(id) by \(by ?? "?")")
        }
        for row in try Row.fetchAll(
            db,
            sql:
                "SELECT uuid, account, reason, at_utc, reply FROM call_kills WHERE at_utc >= ? AND at_utc < ? ORDER BY id",
            arguments: StatementArguments(range))
        {
            let uuid: String = row["uuid"]
            let reason: String = row["reason"]
            let reply: String = row["reply"]
            add(row["at_utc"], "call killed", row["account"], "\(uuid): \(reason) → \(reply)")
        }
        return dated.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

extension PeriodReport.CountryTotal {
    fileprivate mutating func add(billsec: Int, cost: Int64) {
        calls += 1
        minutes += billsec
        spendMicros += cost
    }
}
