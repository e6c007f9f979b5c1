/// What the morning report says about a period (a day, or the demo's week): the traffic by
/// hour, who spent what against their quota, where the calls went, and the alerts with their
/// evidence.
///
/// Written as `reports/NAME.json`; rendered as HTML and the alerts CSV.
///
/// Money is in integer micro-units of `currency`; times are the site's local wall clock
/// (`2026-11-12 03:00`) with the zone named in `timeZone`.
package struct PeriodReport: Sendable, Codable, Equatable {
    package static let schemaVersion = 1

    package var schemaVersion = PeriodReport.schemaVersion
    /// `2026-11-12`, or `2026-11-09--2026-11-15` for several days.
    package var name: String
    package var site: String
    package var timeZone: String
    package var currency: String
    package var from: String
    package var to: String
    package var generated: String
    package var totals: Totals
    package var hours: [Hour]
    package var accounts: [AccountSpend]
    package var countries: [CountryTotal]
    package var alerts: [Alert]
    /// Calls and spend per live switch, when calls came from named switches (absent otherwise).
    package var switches: [SwitchTotal]? = nil
    /// What was done in the period: suspensions, report-only decisions, liftings, calls hung up.
    package var actions: [Action] = []

    /// One thing done about an account in the period.
    package struct Action: Sendable, Codable, Equatable {
        package var time: String
        /// `suspended`, `would suspend` (report-only), `lifted`, `call killed`.
        package var kind: String
        package var account: String
        package var detail: String

        package init(time: String, kind: String, account: String, detail: String) {
            self.time = time
            self.kind = kind
            self.account = account
            self.detail = detail
        }
    }

    package struct Totals: Sendable, Codable, Equatable {
        package var calls = 0
        package var answered = 0
        package var minutes = 0
        package var international = 0
        package var spendMicros: Int64 = 0
        /// Alerts touching the period, by severity name.
        package var alertsBySeverity: [String: Int] = [:]

        package init(
            calls: Int = 0, answered: Int = 0, minutes: Int = 0, international: Int = 0, spendMicros: Int64 = 0,
            alertsBySeverity: [String: Int] = [:]
        ) {
            self.calls = calls
            self.answered = answered
            self.minutes = minutes
            self.international = international
            self.spendMicros = spendMicros
            self.alertsBySeverity = alertsBySeverity
        }

        enum CodingKeys: String, CodingKey {
            case calls, answered, minutes, international
            case spendMicros = "spend_micros"
            case alertsBySeverity = "alerts_by_severity"
        }
    }

    /// One hour of the period.
    package struct Hour: Sendable, Codable, Equatable {
        package var start: String
        package var calls = 0
        package var answered = 0
        package var spendMicros: Int64 = 0

        package init(
            start: String, calls: Int = 0, answered: Int = 0, spendMicros: Int64 = 0
        ) {
            self.start = start
            self.calls = calls
            self.answered = answered
            self.spendMicros = spendMicros
        }

        enum CodingKeys: String, CodingKey {
            case start, calls, answered
            case spendMicros = "spend_micros"
        }
    }

    /// An account's spend: the whole period, and its most expensive local day against its daily quota.
    package struct AccountSpend: Sendable, Codable, Equatable {
        package var account: String
        /// `.caller` for a public context's caller ID standing in for an account (`Subject.Kind.caller`).
        package var subjectType: Subject.Kind
        package var calls: Int
        package var spendMicros: Int64
        package var peakDay: String
        package var peakDaySpendMicros: Int64
        /// Nil when the account has no quota.
        package var dailyQuotaMicros: Int64?

        package init(
            account: String, subjectType: Subject.Kind = .account, calls: Int, spendMicros: Int64, peakDay: String,
            peakDaySpendMicros: Int64, dailyQuotaMicros: Int64?
        ) {
            self.account = account
            self.subjectType = subjectType
            self.calls = calls
            self.spendMicros = spendMicros
            self.peakDay = peakDay
            self.peakDaySpendMicros = peakDaySpendMicros
            self.dailyQuotaMicros = dailyQuotaMicros
        }

        enum CodingKeys: String, CodingKey {
            case account, calls
            case subjectType = "subject_type"
            case spendMicros = "spend_micros"
            case peakDay = "peak_day"
            case peakDaySpendMicros = "peak_day_spend_micros"
            case dailyQuotaMicros = "daily_quota_micros"
        }
    }

    /// The calls of one live switch (`(files and posts)` for the calls that came from no switch).
    package struct SwitchTotal: Sendable, Codable, Equatable {
        package var name: String
        package var calls = 0
        package var answered = 0
        package var spendMicros: Int64 = 0

        package init(name: String) { self.name = name }

        /// The name the calls that came from no live switch are listed under.
        package static let noSwitch = "(files and posts)"

        enum CodingKeys: String, CodingKey {
            case name, calls, answered
            case spendMicros = "spend_micros"
        }
    }

    /// Calls to one destination country.
    package struct CountryTotal: Sendable, Codable, Equatable {
        package var region: String
        package var name: String
        package var calls: Int
        package var minutes: Int
        package var spendMicros: Int64

        package init(
            region: String, name: String, calls: Int, minutes: Int, spendMicros: Int64
        ) {
            self.region = region
            self.name = name
            self.calls = calls
            self.minutes = minutes
            self.spendMicros = spendMicros
        }

        enum CodingKeys: String, CodingKey {
            case region, name, calls, minutes
            case spendMicros = "spend_micros"
        }
    }

    /// An alert that touches the period, with the first of its evidence calls.
    package struct Alert: Sendable, Codable, Equatable {
        package var id: Int64
        package var rule: String
        package var severity: String
        package var subjectType: String
        package var subject: String
        package var state: String
        package var firstSeen: String
        package var lastSeen: String
        package var summary: String
        package var calls: Int
        package var spendMicros: Int64
        package var evidence: [EvidenceRow]

        package init(
            id: Int64, rule: String, severity: String, subjectType: String, subject: String, state: String,
            firstSeen: String, lastSeen: String, summary: String, calls: Int, spendMicros: Int64,
            evidence: [EvidenceRow]
        ) {
            self.id = id
            self.rule = rule
            self.severity = severity
            self.subjectType = subjectType
            self.subject = subject
            self.state = state
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
            self.summary = summary
            self.calls = calls
            self.spendMicros = spendMicros
            self.evidence = evidence
        }

        enum CodingKeys: String, CodingKey {
            case id, rule, severity, subject, state, summary, calls, evidence
            case subjectType = "subject_type"
            case firstSeen = "first_seen"
            case lastSeen = "last_seen"
            case spendMicros = "spend_micros"
        }
    }

    /// One evidence call.
    ///
    /// `callerName` and `dialed` come straight from the CDR: hostile text.
    package struct EvidenceRow: Sendable, Codable, Equatable {
        package var time: String
        package var account: String
        package var callerName: String
        package var dialed: String
        package var number: String
        package var region: String
        package var scope: String
        package var billsec: Int
        package var disposition: String
        package var costMicros: Int64

        package init(
            time: String, account: String, callerName: String, dialed: String, number: String, region: String,
            scope: String, billsec: Int, disposition: String, costMicros: Int64
        ) {
            self.time = time
            self.account = account
            self.callerName = callerName
            self.dialed = dialed
            self.number = number
            self.region = region
            self.scope = scope
            self.billsec = billsec
            self.disposition = disposition
            self.costMicros = costMicros
        }

        enum CodingKeys: String, CodingKey {
            case time, account, dialed, number, region, scope, billsec, disposition
            case callerName = "caller_name"
            case costMicros = "cost_micros"
        }
    }

    package init(
        name: String, site: String, timeZone: String, currency: String, from: String, to: String, generated: String,
        totals: Totals, hours: [Hour], accounts: [AccountSpend], countries: [CountryTotal], alerts: [Alert]
    ) {
        self.name = name
        self.site = site
        self.timeZone = timeZone
        self.currency = currency
        self.from = from
        self.to = to
        self.generated = generated
        self.totals = totals
        self.hours = hours
        self.accounts = accounts
        self.countries = countries
        self.alerts = alerts
    }

    enum CodingKeys: String, CodingKey {
        case name, site, currency, from, to, generated, totals, hours, accounts, countries, alerts, actions, switches
        case schemaVersion = "schema_version"
        case timeZone = "time_zone"
    }
}
