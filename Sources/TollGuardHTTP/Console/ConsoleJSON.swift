import Foundation
import TollGuardCore

/// `GET /api/v1/alerts`: a page of a queue tab as filtered, in queue order, with every tab's count.
struct QueueJSON: Encodable {
    var tab: String
    /// Alerts on this page.
    var count: Int
    /// Alerts in the tab as filtered, on every page.
    var total: Int
    var page: Int
    var pageSize: Int
    var counts: [String: Int]
    var alerts: [Entry]

    enum CodingKeys: String, CodingKey {
        case tab, count, total, page, counts, alerts
        case pageSize = "page_size"
    }

    struct Entry: Encodable {
        var alert: AlertJSON
        /// What the account spent on the (site-local) day of the alert's last call.
        var daySpendMicros: Int64?
        var dailyQuotaMicros: Int64?
        var atRiskMicros: Int64

        init(_ entry: ReviewQueueEntry) {
            alert = AlertJSON(entry.alert, calls: nil)
            daySpendMicros = entry.daySpendMicros
            dailyQuotaMicros = entry.quotaMicros
            atRiskMicros = entry.atRiskMicros
        }

        enum CodingKeys: String, CodingKey {
            case alert
            case daySpendMicros = "day_spend_micros"
            case dailyQuotaMicros = "daily_quota_micros"
            case atRiskMicros = "at_risk_micros"
        }
    }
}

/// `GET /api/v1/alerts/{id}`: the case file.
struct CaseFileJSON: Encodable {
    var alert: AlertJSON
    var journal: [JournalEntry]
    var hookDeliveries: [OutboxEntry]
    var kills: [CallKill]
    var suspension: Suspension?
    var related: [AlertJSON]
    var dailySpend: [DaySpend]
    var dailyQuotaMicros: Int64?
    var sourceAddresses: [String]
    var addressAlerts: [AlertJSON]
    var rangeAlerts: [RangeAlertJSON]
    var liveCalls: [LiveCallsSnapshot.Call]?

    /// An alert whose calls went to the same number range (`+88213520xxx`).
    struct RangeAlertJSON: Encodable {
        var range: String
        var alert: AlertJSON
    }

    init(_ file: ConsoleRoute.CaseFile) {
        alert = AlertJSON(file.alert, calls: file.calls, logLines: file.lines)
        journal = file.journal
        hookDeliveries = file.deliveries
        kills = file.kills
        suspension = file.suspension
        related = file.related.map { AlertJSON($0, calls: nil) }
        dailySpend = file.spend
        dailyQuotaMicros = file.quotaMicros
        sourceAddresses = file.addresses
        addressAlerts = file.addressAlerts.map { AlertJSON($0, calls: nil) }
        rangeAlerts = file.rangeNeighbours.map {
            RangeAlertJSON(range: $0.range.description, alert: AlertJSON($0.alert, calls: nil))
        }
        liveCalls = file.liveCalls
    }

    enum CodingKeys: String, CodingKey {
        case alert, journal, kills, suspension, related
        case hookDeliveries = "hook_deliveries"
        case dailySpend = "daily_spend"
        case dailyQuotaMicros = "daily_quota_micros"
        case sourceAddresses = "source_addresses"
        case addressAlerts = "address_alerts"
        case rangeAlerts = "range_alerts"
        case liveCalls = "live_calls"
    }
}

/// What a change did: the alerts after it, and those refused with why.
struct ChangesJSON: Encodable {
    var changed: [AlertJSON]
    var refused: [RefusedJSON]
}

struct RefusedJSON: Encodable {
    var id: Int64
    var error: String
}

/// `GET /api/v1/accounts`.
struct AccountsJSON: Encodable {
    var date: String
    var timeZone: String
    var currency: String
    var accounts: [ConsoleRoute.AccountDay]

    enum CodingKeys: String, CodingKey {
        case date, currency, accounts
        case timeZone = "time_zone"
    }
}

/// `GET /api/v1/suspensions`: newest first, each with its hooks' deliveries.
struct SuspensionsJSON: Encodable {
    var suspensions: [Entry]

    struct Entry: Encodable {
        var suspension: Suspension
        var hooks: [OutboxEntry]
    }
}

/// `GET /api/v1/attackers`: one address the SIP attack watcher raised alerts on.
struct AttackerJSON: Encodable {
    var address: String
    var rules: [String]
    var alerts: Int
    var openAlerts: Int
    var attempts: Int
    var severity: String
    var firstSeen: Date
    var lastSeen: Date
    /// The ban log's lines for it.
    var bans: Int
    var lines: [AlertJSON.LogLineJSON]

    init(_ attacker: SIPAttacker, bans: Int) {
        address = attacker.address
        rules = attacker.rules
        alerts = attacker.alerts
        openAlerts = attacker.openAlerts
        attempts = attacker.attempts
        severity = attacker.highest.name
        firstSeen = attacker.firstSeen
        lastSeen = attacker.lastSeen
        self.bans = bans
        lines = attacker.lines.map(AlertJSON.LogLineJSON.init)
    }

    enum CodingKeys: String, CodingKey {
        case address, rules, alerts, attempts, severity, bans, lines
        case openAlerts = "open_alerts"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
    }
}

/// `GET /api/v1/live`: the calls up as of the live pipeline's last refresh, the most expensive first.
struct LiveJSON: Encodable {
    /// The switch's time of the snapshot; absent before the first refresh.
    var at: Date?
    var calls: [LiveCallsSnapshot.Call]
}
