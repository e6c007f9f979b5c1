import Foundation
import Mustache
import TollGuardCore

/// What every page's header shows: who is signed in, the tabs and their counts.
struct PageHeader {
    var title: String
    var signedIn = false
    /// Whether the page loads the live-updates script (serve runs ``ConsoleUpdates``).
    var liveUpdates = false
    /// The newest alert when the page was made: its stream starts after it.
    var newestAlert: Int64 = 0
    var userName = ""
    var role = ""
    var csrf = ""
    var openCount = 0
    var mineCount = 0
    var acknowledgedCount = 0
    var snoozedCount = 0
    var closedCount = 0
    var onOpen = false
    var onMine = false
    var onAcknowledged = false
    var onSnoozed = false
    var onClosed = false
    var onJournal = false
    var onAccounts = false
    var onSuspensions = false
    var onAttackers = false
    var onLive = false
    /// On a node of a cluster: what this console shows, and where the cluster's alerts are.
    var clusterNotice: String?
}

/// One choice of a `<select>`.
struct Option {
    var value: String
    var label: String
    var selected = false
}

/// Renders the console's pages from the store's data (every value escaped by the templates).
struct ConsolePages: Sendable {
    private let library: MustacheLibrary

    init() throws {
        var templates: [String: MustacheTemplate] = [:]
        for (name, text) in ConsoleTemplates.all { templates[name] = try MustacheTemplate(string: text) }
        library = MustacheLibrary(templates: templates)
    }

    func render(_ page: Any, _ template: String) -> String {
        library.render(TemplateContext.flatten(page) ?? page, withTemplate: template) ?? ""
    }

    // MARK: Login

    struct LoginPage {
        var header = PageHeader(title: "Log in")
        var error: String?
        var name: String
    }

    // MARK: Queue

    struct QueueRow {
        var id: Int64
        var severity: String
        var subject: String
        var headline: String
        var rule: String
        var atRisk: String
        var quota: Bool
        var quotaText: String
        var quotaClass: String
        var quotaPercent: Int
        var lastSeen: String
        var state: String
        var stateBy: String?
        var assignee: String?
        var snooze: String?
        /// Raised since the person's last visit to the queue.
        var isNew = false
    }

    struct QueuePage {
        var header: PageHeader
        var heading: String
        var entries: [QueueRow]
        var hasEntries: Bool
        var count: Int
        /// How many of them are new since the person's last visit.
        var newCount: Int
        var hasNew: Bool
        var tab: String
        var rules: [Option]
        var severities: [Option]
        var subject: String
        var filtered: Bool
        /// The page's own address (`/console?tab=…&rule=…`), to come back to after a change.
        var here: String
        /// The CSV export of exactly what the page shows.
        var csvLink: String
        var mayTriage: Bool
        var csrf: String
        var dispositions: [Option]
        var reasons: [Option]
        var paging: Paging
    }

    /// Where a page of a long list is: rows `first`–`last` of `total`, and the pages beside it.
    struct Paging {
        var first: Int
        var last: Int
        var total: Int
        var previous: String?
        var next: String?
        /// Whether there is more than one page.
        var isPaged: Bool

        init(first: Int, last: Int, total: Int, previous: String?, next: String?) {
            self.first = first
            self.last = last
            self.total = total
            self.previous = previous
            self.next = next
            isPaged = previous != nil || next != nil
        }
    }

    static func queueRow(_ entry: ReviewQueueEntry, currency: String) -> QueueRow {
        let alert = entry.alert
        let quotaBar = entry.quotaMicros.map { Self.bar(spent: entry.daySpendMicros ?? 0, quota: $0) }
        return QueueRow(
            id: alert.id, severity: alert.severity.description, subject: alert.subject.description,
            headline: alert.headline, rule: alert.rule, atRisk: money(entry.atRiskMicros, currency),
            quota: entry.quotaMicros != nil,
            quotaText: entry.quotaMicros.map {
                "\(money(entry.daySpendMicros ?? 0, currency)) of \(money($0, currency))"
            } ?? "",
            quotaClass: quotaBar?.colour ?? "", quotaPercent: quotaBar?.percent ?? 0, lastSeen: time(alert.lastSeen),
            state: alert.state.rawValue,
            stateBy: alert.stateBy, assignee: alert.assignee, snooze: alert.snooze?.description)
    }

    // MARK: Alert

    struct Metric {
        var name: String
        var value: String
    }

    /// The state changes an alert allows now.
    struct AllowedActions {
        var acknowledge: Bool
        var resolve: Bool
        var falsePositive: Bool
        var reopen: Bool
    }

    struct CallRow {
        var time: String
        var account: String
        var callerName: String
        var number: String
        var region: String
        var destinationClass: String
        var risk: String
        var billsec: String
        var cost: String
        var switchName: String
    }

    struct TimelineItem {
        var at: String
        var actor: String
        var what: String
        var note: String?
    }

    struct RelatedAlert {
        var id: Int64
        var severity: String
        var headline: String
        var subject: String
        var state: String
        var lastSeen: String

        init(_ alert: StoredAlert) {
            id = alert.id
            severity = alert.severity.description
            headline = alert.headline
            subject = alert.subject.description
            state = alert.state.rawValue
            lastSeen = ConsolePages.time(alert.lastSeen)
        }
    }

    /// `calls` by region (country or NANP area), the costliest first.
    static func countries(of calls: [AlertCall], currency: String) -> [CountryRow] {
        var byRegion: [String: (calls: Int, micros: Int64)] = [:]
        for call in calls {
            let figures = byRegion[call.region ?? "unknown", default: (0, 0)]
            byRegion[call.region ?? "unknown"] = (figures.calls + 1, figures.micros + call.costMicros)
        }
        return byRegion.sorted { ($0.value.micros, $0.value.calls, $1.key) > ($1.value.micros, $1.value.calls, $0.key) }
            .map { CountryRow(region: $0.key, calls: $0.value.calls, cost: money($0.value.micros, currency)) }
    }

    /// Where an alert's evidence calls went, by country or region.
    struct CountryRow {
        var region: String
        var calls: Int
        var cost: String
    }

    /// An alert related to the case by a number range.
    struct RangeAlert {
        var range: String
        var alert: RelatedAlert
    }

    struct AlertPage {
        var header: PageHeader
        var chart: SpendChart?
        var countries: [CountryRow]
        var hasCountries: Bool
        var addresses: [String]
        var hasAddresses: Bool
        var addressAlerts: [RelatedAlert]
        var hasAddressAlerts: Bool
        var rangeAlerts: [RangeAlert]
        var hasRangeAlerts: Bool
        /// nil without live sources; empty when the account has no call up.
        var liveCalls: [ConsoleRoute.LiveCallRow]?
        var hasLiveCalls: Bool
        var dispositions: [Option]
        var reasons: [Option]
        var people: [Option]
        var suspension: String?
        var related: [RelatedAlert]
        var hasRelated: Bool
        var id: Int64
        var csrf: String
        var severity: String
        var headline: String
        var rule: String
        var subject: String
        var firstSeen: String
        var lastSeen: String
        var callCount: Int
        var cost: String
        var state: String
        var stateBy: String?
        var stateAt: String?
        var summary: String
        var metrics: [Metric]
        var mayTriage: Bool
        var actions: AllowedActions
        var assignee: String?
        var mine: Bool
        var snooze: String?
        var snoozable: Bool
        var zone: String
        var calls: [CallRow]
        var hasCalls: Bool
        /// Evidence calls kept with the alert; more than `calls` holds when only the latest are listed.
        var callCountKept: Int
        var callsListed: Int
        var moreCalls: Bool
        var logLines: [String]
        var hasLogLines: Bool
        var timeline: [TimelineItem]
    }

    /// The state changes an alert in `state` allows.
    static func actions(from state: AlertState) -> AllowedActions {
        let next = state.successors
        return AllowedActions(
            acknowledge: next.contains(.acknowledged), resolve: next.contains(.resolved),
            falsePositive: next.contains(.falsePositive), reopen: next.contains(.open))
    }

    static func callRow(_ call: AlertCall, currency: String) -> CallRow {
        CallRow(
            time: time(call.time), account: call.account ?? "", callerName: call.callerName ?? "",
            number: call.dialed ?? call.number, region: call.region ?? "",
            destinationClass: call.destinationClass ?? "",
            risk: call.risk ?? "", billsec: call.billsec.map(String.init) ?? "", cost: money(call.costMicros, currency),
            switchName: call.switchName ?? "")
    }

    static func timelineItem(_ entry: JournalEntry) -> (Date, TimelineItem) {
        let change = [entry.before, entry.after].compactMap { $0 }.joined(separator: " → ")
        return (
            entry.at,
            TimelineItem(
                at: time(entry.at), actor: entry.actor, what: entry.action + (change.isEmpty ? "" : " (\(change))"),
                note: entry.note)
        )
    }

    /// A hook delivery as the timeline shows it: the hook, the event, and what it answered.
    static func timelineItem(_ delivery: OutboxEntry) -> (Date, TimelineItem) {
        (
            delivery.delivered ?? delivery.created,
            TimelineItem(
                at: time(delivery.delivered ?? delivery.created), actor: "hook " + delivery.hook,
                what: "\(delivery.eventType) \(hookOutcome(delivery))", note: delivery.lastOutput ?? delivery.lastError)
        )
    }

    /// A kill as the timeline shows it.
    static func timelineItem(_ kill: CallKill) -> (Date, TimelineItem) {
        (
            kill.at,
            TimelineItem(
                at: time(kill.at), actor: "kill", what: "call \(kill.uuid) hung up: \(kill.reason)", note: kill.reply)
        )
    }

    /// `delivered (200)`, `pending, attempt 2`, `failed: …`.
    static func hookOutcome(_ delivery: OutboxEntry) -> String {
        let status = delivery.lastStatus.map { " (\($0))" } ?? ""
        switch delivery.status {
        case .delivered: return "delivered" + status
        case .pending: return delivery.attempts == 0 ? "pending" : "pending, attempt \(delivery.attempts + 1)" + status
        case .failed: return "failed" + status
        }
    }

    static func dispositions() -> [Option] {
        AlertDisposition.allCases.map { Option(value: $0.rawValue, label: $0.label) }
    }

    static func reasons() -> [Option] {
        FalsePositiveReason.allCases.map { Option(value: $0.rawValue, label: $0.label) }
    }

    // MARK: Accounts

    struct AccountRow {
        var account: String
        var calls: Int
        var spent: String
        var quota: String
        /// Who raised the day's quota until midnight, and why.
        var raise: String?
        var hasQuota: Bool
        var amount: String
        var percentText: String
        var quotaClass: String
        var quotaPercent: Int
        var mayAdminister: Bool
        /// The page shows today: a raise until midnight is offered.
        var mayRaise: Bool
        var csrf: String
    }

    struct AccountsPage {
        var header: PageHeader
        var date: String
        var zone: String
        var error: String?
        var rows: [AccountRow]
        var hasRows: Bool
        var mayAdminister: Bool
    }

    /// The bar's step (0–100 by 5) and colour for `spent` of `quota`.
    static func bar(spent: Int64, quota: Int64) -> (percent: Int, colour: String, text: String) {
        guard quota > 0 else { return (0, "", "no quota (0)") }
        let fraction = Double(spent) / Double(quota)
        return (
            min(100, Int((fraction * 100 / 5).rounded()) * 5), fraction >= 1 ? "over" : fraction >= 0.8 ? "near" : "",
            "\(Int((fraction * 100).rounded())) %"
        )
    }

    // MARK: Journal

    struct JournalRow {
        var at: String
        var actor: String
        var action: String
        var subject: String
        var change: String
        var note: String
    }

    struct JournalPage {
        var header: PageHeader
        var entries: [JournalRow]
        var actor: String
        var action: String
        var csvLink: String
    }

    static func journalRow(_ entry: JournalEntry) -> JournalRow {
        JournalRow(
            at: time(entry.at), actor: entry.actor, action: entry.action,
            subject: [entry.subjectType, entry.subject].compactMap { $0 }.joined(separator: " "),
            change: [entry.before, entry.after].compactMap { $0 }.joined(separator: " → "), note: entry.note ?? "")
    }

    // MARK: Formatting

    static func money(_ micros: Int64, _ currency: String) -> String {
        "\(Money.format(micros, decimals: 2)) \(currency)"
    }

    static func time(_ date: Date) -> String { StoredTime.text(date) }
}
