import Foundation
import Hummingbird
import TollGuardCore
import TollGuardHooks

/// What a queue address asks for: a tab, a filter and a page
/// (`/console?tab=open&rule=…&severity=high&subject=10&page=2`).
struct QueueQuery: Sendable {
    var tab: ReviewTab = .open
    var filter = ReviewFilter()
    /// Which page of the queue, from 1.
    var page = 1
    /// The newest alert seen before the visit whose pages these are: a page link carries it, so
    /// the second page marks as new what the first would have.
    var seenBefore: Int64?

    static let pageSize = ReviewQueue.pageSize

    init(tab: ReviewTab = .open, filter: ReviewFilter = ReviewFilter(), page: Int = 1) {
        self.tab = tab
        self.filter = filter
        self.page = max(page, 1)
    }

    init(_ parameters: Hummingbird.Parameters) {
        self.init(
            fields: Dictionary(parameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { a, _ in a }))
    }

    /// From a form's or an address's fields; blank ones are no filter.
    init(fields: [String: String]) {
        func field(_ name: String) -> String? {
            fields[name].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        tab = field("tab").flatMap(ReviewTab.init(rawValue:)) ?? .open
        filter = ReviewFilter(
            rule: field("rule"), minimumSeverity: field("severity").flatMap(Severity.init(name:)),
            subject: field("subject"))
        page = max(field("page").flatMap { Int($0) } ?? 1, 1)
        seenBefore = field("seen").flatMap { Int64($0) }
    }

    /// Where the page starts in the whole queue.
    var offset: Int { (page - 1) * Self.pageSize }

    /// The query string: the tab and the filter (`tab=open&rule=daily_quota`), without the page.
    var queryString: String {
        var items = [URLQueryItem(name: "tab", value: tab.rawValue)]
        if let rule = filter.rule { items.append(URLQueryItem(name: "rule", value: rule)) }
        if let severity = filter.minimumSeverity { items.append(URLQueryItem(name: "severity", value: severity.name)) }
        if let subject = filter.subject { items.append(URLQueryItem(name: "subject", value: subject)) }
        var components = URLComponents()
        components.queryItems = items
        return components.percentEncodedQuery ?? "tab=\(tab.rawValue)"
    }

    /// The query string of page `page` of the same tab and filter, marking as new what came after `seen`.
    func queryString(page: Int, seen: Int64? = nil) -> String {
        queryString + (page > 1 ? "&page=\(page)" : "") + (seen.map { "&seen=\($0)" } ?? "")
    }
}

/// The queue, its CSV export, an alert's case file, and triage of one alert or many.
extension ConsoleRoute {
    static let tabTitles: [ReviewTab: String] = [
        .open: "Open alerts", .mine: "Assigned to me", .acknowledged: "Acknowledged", .snoozed: "Snoozed",
        .closed: "Closed",
    ]

    /// The queue for `query` as `signed` sees it, its page in full (`whole`: every alert in full;
    /// `idsOnly`: none).
    func reviewQueue(_ query: QueueQuery, _ signed: Signed, whole: Bool = false, idsOnly: Bool = false)
        async throws -> ReviewQueue
    {
        let user = signed.user.name
        let analysis = settings.analysis()
        let zone = settings.timeZone
        let (offset, limit): (Int, Int?) = whole ? (0, nil) : idsOnly ? (0, 0) : (query.offset, QueueQuery.pageSize)
        return try await store.reviewQueue(
            query.tab, filter: query.filter, user: user, now: Date(), analysis: analysis, timeZone: zone,
            offset: offset, limit: limit)
    }

    func queue(_ query: QueueQuery, _ signed: Signed) async throws -> Response {
        let tab = query.tab
        var header = try await header(Self.tabTitles[tab] ?? "Alerts", signed)
        header.onOpen = tab == .open
        header.onMine = tab == .mine
        header.onAcknowledged = tab == .acknowledged
        header.onSnoozed = tab == .snoozed
        header.onClosed = tab == .closed
        let queue = try await reviewQueue(query, signed)
        let user = signed.user.name
        let newest = header.newestAlert
        let rules = try await store.alertRules()
        let seenAtVisit = try await store.markQueueSeen(user: user, upTo: newest)
        let seenBefore = query.seenBefore ?? seenAtVisit
        let rows = queue.entries.map { entry in
            var row = ConsolePages.queueRow(entry, currency: settings.currency)
            row.isNew = entry.alert.id > seenBefore
            return row
        }
        let newCount = queue.ids.reduce(0) { $0 + ($1 > seenBefore ? 1 : 0) }
        let pageCount = max(1, (queue.total + QueueQuery.pageSize - 1) / QueueQuery.pageSize)
        let page = ConsolePages.QueuePage(
            header: header, heading: header.title, entries: rows, hasEntries: !rows.isEmpty, count: queue.total,
            newCount: newCount, hasNew: newCount > 0,
            tab: tab.rawValue,
            rules: rules.map { Option(value: $0, label: $0, selected: $0 == query.filter.rule) },
            severities: Severity.allCases.sorted(by: >).map {
                Option(value: $0.name, label: $0.name + " and above", selected: $0 == query.filter.minimumSeverity)
            },
            subject: query.filter.subject ?? "", filtered: !query.filter.isEmpty,
            here: "/console?" + query.queryString(page: query.page),
            csvLink: "/console/alerts.csv?" + query.queryString,
            mayTriage: signed.user.role.mayTriage, csrf: signed.csrf, dispositions: ConsolePages.dispositions(),
            reasons: ConsolePages.reasons(),
            paging: ConsolePages.Paging(
                first: queue.offset + 1, last: queue.offset + rows.count, total: queue.total,
                previous: query.page > 1
                    ? "/console?" + query.queryString(page: min(query.page - 1, pageCount), seen: seenBefore) : nil,
                next: query.page < pageCount
                    ? "/console?" + query.queryString(page: query.page + 1, seen: seenBefore) : nil))
        return Response.page(pages.render(page, "queue"), status: .ok)
    }

    /// The queue exactly as filtered, as CSV (journaled as an export).
    func queueCSV(_ query: QueueQuery, _ signed: Signed) async throws -> Response {
        let currency = settings.currency
        return try await export(
            "alerts", subjectType: "queue", query: query.queryString, signed, fileName: "alerts-\(query.tab.rawValue)",
            counting: "alerts", header: ConsoleCSV.queueHeader,
            rows: try await reviewQueue(query, signed, whole: true).entries.map {
                ConsoleCSV.queueFields($0, currency: currency)
            })
    }

    /// Everything an alert's case file shows.
    package struct CaseFile: Sendable {
        var alert: StoredAlert
        var calls: [AlertCall]
        var lines: [EvidenceLogLine]
        var journal: [JournalEntry]
        var deliveries: [OutboxEntry]
        /// Kills of the account's calls from an hour before the alert's first call.
        var kills: [CallKill]
        var suspension: Suspension?
        /// The latest other alerts of the same subject.
        var related: [StoredAlert]
        /// Who may be assigned alerts.
        var people: [String]
        /// The account's spend on each of the 30 days up to the alert's last call, and its daily quota.
        var spend: [DaySpend] = []
        var quotaMicros: Int64?
        /// The quotas raised for single days (`YYYY-MM-DD` → micro-units).
        var raisedQuotas: [String: Int64] = [:]
        /// Where the alert's calls came from (its address, for an address), and the alerts about
        /// those addresses (the SIP attack watcher's among them).
        var addresses: [String] = []
        var addressAlerts: [StoredAlert] = []
        /// Alerts whose calls went to the same number ranges as this one's.
        var rangeNeighbours: [RangeNeighbour] = []
        /// The account's calls up now, when serve has live sources.
        var liveCalls: [LiveCallsSnapshot.Call]?
    }

    /// Days of spend the case file charts.
    static let chartDays = 30

    /// Alert `id`'s case file, everything its page and its API read from the store; nil when
    /// there is no such alert.
    package func caseFile(_ id: Int64) async throws -> CaseFile? {
        let analysis = settings.analysis()
        let timeZone = settings.timeZone
        guard let (alert, calls) = try await store.alertWithCalls(id: id) else { return nil }
        let account = alert.subject.kind == .account ? alert.subject.value : nil
        var kills: [CallKill] = []
        var suspension: Suspension?
        if let account {
            kills = try await store.callKills(account: account).filter {
                $0.at >= alert.firstSeen.addingTimeInterval(-3600)
            }
            suspension = try await store.activeSuspension(account: account)
        }
        var file = CaseFile(
            alert: alert, calls: calls, lines: try await store.alertLogLines(id: id),
            journal: try await store.journal(
                subjectType: "alert", subject: String(id), actor: nil, actionPrefix: nil, limit: 200),
            deliveries: try await store.deliveries(ofAlert: id, subject: alert.subject),
            kills: kills, suspension: suspension,
            related: Array(
                try await store.alerts(ofSubject: alert.subject, limit: 21).filter { $0.id != id }.prefix(20)),
            people: try await store.users().filter { $0.role.mayTriage }.map(\.name))
        file.rangeNeighbours = try await store.rangeNeighbours(ofAlert: id, limit: 20)
        if alert.subject.kind == .ip {
            file.addresses = [alert.subject.value]
        } else {
            file.addresses = try await store.sourceAddresses(ofAlert: id, limit: 10)
        }
        file.addressAlerts = try await store.alerts(ofSubjects: file.addresses.map { Subject(.ip, $0) }, limit: 21)
            .filter { $0.id != id }
        if let account {
            file.spend = try await store.dailySpend(
                account: account, days: Self.chartDays, through: alert.lastSeen, timeZone: timeZone)
            file.quotaMicros = try await store.standingQuota(of: account, analysis: analysis)
            for (day, micros) in try await store.quotaRaises()[account] ?? [:] {
                file.raisedQuotas[LocalClock.dayText(day)] = micros
            }
        }
        if let account, let snapshot = settings.liveCalls?() {
            file.liveCalls = snapshot.calls.filter { $0.account == account }
        }
        return file
    }

    /// Evidence calls the case file lists unless asked for all (`?calls=all`): the latest.
    package static let callsShown = 25

    func alertPage(_ id: Int64, _ signed: Signed, allCalls: Bool = false) async throws -> Response {
        guard let file = try await caseFile(id) else { return Response.page("no alert \(id)", status: .notFound) }
        let alert = file.alert
        let header = try await header("Alert \(id)", signed)
        let shownCalls = allCalls ? file.calls : Array(file.calls.suffix(Self.callsShown))
        let calls = shownCalls.map { ConsolePages.callRow($0, currency: settings.currency) }
        let kills = file.kills
        let timeline =
            (file.journal.map(ConsolePages.timelineItem) + file.deliveries.map(ConsolePages.timelineItem)
            + kills.map(ConsolePages.timelineItem))
            .sorted { $0.0 < $1.0 }.map(\.1)
        let related = file.related.map(ConsolePages.RelatedAlert.init)
        let currency = settings.currency
        let countries = ConsolePages.countries(of: file.calls, currency: currency)
        let addressAlerts = file.addressAlerts.map(ConsolePages.RelatedAlert.init)
        let rangeAlerts = file.rangeNeighbours.map {
            ConsolePages.RangeAlert(range: $0.range.description, alert: ConsolePages.RelatedAlert($0.alert))
        }
        let liveCalls = file.liveCalls?.map { LiveCallRow($0, currency: currency) }
        let page = ConsolePages.AlertPage(
            header: header,
            chart: file.spend.isEmpty
                ? nil
                : SpendChart(
                    file.spend, quotaMicros: file.quotaMicros, raised: file.raisedQuotas, currency: currency),
            countries: countries, hasCountries: !countries.isEmpty, addresses: file.addresses,
            hasAddresses: !file.addresses.isEmpty, addressAlerts: addressAlerts,
            hasAddressAlerts: !addressAlerts.isEmpty,
            rangeAlerts: rangeAlerts, hasRangeAlerts: !rangeAlerts.isEmpty, liveCalls: liveCalls,
            hasLiveCalls: !(liveCalls ?? []).isEmpty, dispositions: ConsolePages.dispositions(),
            reasons: ConsolePages.reasons(),
            people: file.people.map { Option(value: $0, label: $0, selected: $0 == alert.assignee) },
            suspension: file.suspension.map {
                "suspended since \(ConsolePages.time($0.since)) by \($0.actor): \($0.reason)"
            },
            related: related, hasRelated: !related.isEmpty,
            id: id, csrf: signed.csrf, severity: alert.severity.description, headline: alert.headline,
            rule: alert.rule, subject: alert.subject.description, firstSeen: ConsolePages.time(alert.firstSeen),
            lastSeen: ConsolePages.time(alert.lastSeen), callCount: alert.callCount,
            cost: ConsolePages.money(alert.costMicros, settings.currency), state: alert.state.rawValue,
            stateBy: alert.stateBy, stateAt: alert.stateAt.map(ConsolePages.time), summary: alert.summary,
            metrics: alert.metrics.sorted { $0.key < $1.key }.map {
                ConsolePages.Metric(name: $0.key, value: "\($0.value)")
            },
            mayTriage: signed.user.role.mayTriage, actions: ConsolePages.actions(from: alert.state),
            assignee: alert.assignee, mine: alert.assignee == signed.user.name,
            snooze: alert.isSnoozed(at: Date()) ? alert.snooze?.description : nil,
            snoozable: alert.state == .open || alert.state == .acknowledged, zone: settings.timeZone.identifier,
            calls: calls, hasCalls: !calls.isEmpty, callCountKept: file.calls.count, callsListed: calls.count,
            moreCalls: calls.count < file.calls.count, logLines: file.lines.map(\.text),
            hasLogLines: !file.lines.isEmpty,
            timeline: timeline)
        return Response.page(pages.render(page, "alert"), status: .ok)
    }

    /// One alert's form: the change, then its case file again.
    func changeAlert(_ id: Int64, _ request: Request, _ signed: Signed) async throws -> Response {
        let body = try await Self.formBody(request)
        if let refusal = refusal(request, form: URLEncodedForm.fields(body), signed: signed) { return refusal }
        var triage = TriageRequest(form: URLEncodedForm.pairs(body))
        triage.ids = [id]
        triage.wholeFilter = false
        switch try await triageAlerts(triage, signed) {
        case .failure(let refusal): return Response.page(refusal.message, status: refusal.status)
        case .success(let result):
            if let refused = result.refused.first {
                return Response.page(
                    refused.error.description, status: refused.error == .noSuchAlert(id) ? .notFound : .conflict)
            }
            return Response.redirect(to: "/console/alerts/\(id)")
        }
    }

    /// The queue's form: one change on the alerts ticked (`ids`), or on every alert the filter
    /// shows (`scope=filter`, the filter in the form); then back to the queue.
    func changeAlerts(_ request: Request, _ signed: Signed) async throws -> Response {
        let body = try await Self.formBody(request)
        if let refusal = refusal(request, form: URLEncodedForm.fields(body), signed: signed) { return refusal }
        let triage = TriageRequest(form: URLEncodedForm.pairs(body))
        switch try await triageAlerts(triage, signed) {
        case .failure(let refusal): return Response.page(refusal.message, status: refusal.status)
        case .success(let result):
            guard result.refused.isEmpty else {
                let lines = result.refused.map { "<li>\(HTMLEscaping.escape($0.error.description))</li>" }
                return Response.page(
                    "<p>\(result.changed.count) alerts changed; these were not:</p><ul>\(lines.joined())</ul>"
                        + "<p><a href=\"/console?\(HTMLEscaping.escape(triage.query.queryString))\">Back to the queue</a></p>",
                    status: .conflict)
            }
            return Response.redirect(to: "/console?" + triage.query.queryString)
        }
    }

    /// Why a request asks for nothing the console does, or for what its user may not do.
    struct TriageRefusal: Error {
        var message: String
        var status: HTTPResponse.Status = .badRequest

        /// A `role` that may not do `what`.
        static func forbidden(_ role: ConsoleRole, _ what: String) -> TriageRefusal {
            TriageRefusal(message: "a \(role.rawValue) may not \(what)", status: .forbidden)
        }
    }

    /// Applies `triage` for `signed` through the action layer (the form and the API both come here).
    func triageAlerts(_ triage: TriageRequest, _ signed: Signed) async throws -> Result<TriageResult, TriageRefusal> {
        guard signed.user.role.mayTriage else { return .failure(.forbidden(signed.user.role, "change alerts")) }
        let change: AlertChange
        switch try await alertChange(triage, signed) {
        case .success(let chosen): change = chosen
        case .failure(let refusal): return .failure(refusal)
        }
        let ids = triage.wholeFilter ? try await reviewQueue(triage.query, signed, idsOnly: true).ids : triage.ids
        guard !ids.isEmpty else { return .failure(TriageRefusal(message: "no alert chosen: tick some first")) }
        return .success(
            try await store.changeAlerts(ids, change, actor: signed.user.name, comment: triage.comment))
    }

    /// The change a triage request asks for.
    func alertChange(_ triage: TriageRequest, _ signed: Signed) async throws -> Result<AlertChange, TriageRefusal> {
        switch triage.action {
        case "acknowledge": return .success(.acknowledge)
        case "reopen": return .success(.reopen)
        case "resolve":
            return .success(.resolve(triage.disposition.flatMap(AlertDisposition.init(rawValue:)) ?? .other))
        case "false_positive":
            guard let reason = triage.reason.flatMap(FalsePositiveReason.init(rawValue:)) else {
                return .failure(TriageRefusal(message: "a false positive needs a reason: pick one"))
            }
            return .success(.falsePositive(reason, closingMatching: triage.closeMatching))
        case "snooze_worse":
            // The queue's button sends no thresholds: worse in any way.
            guard triage.thresholdsGiven else { return .success(.snooze(.untilWorse)) }
            let cost = triage.moreCost.flatMap(Money.micros)
            let calls = triage.moreCalls.flatMap { Int($0) }
            guard triage.moreCost == nil || (cost ?? -1) >= 0, triage.moreCalls == nil || (calls ?? 0) > 0 else {
                return .failure(TriageRefusal(message: "more money is an amount (0 for any), more calls a count"))
            }
            let request = SnoozeRequest(moreCostMicros: cost, moreCalls: calls, newCountry: triage.newCountry)
            guard cost != nil || calls != nil || request.newCountry else {
                return .failure(TriageRefusal(message: "snooze until what? more money, more calls or a new country"))
            }
            return .success(.snooze(request))
        case "snooze_until":
            guard let until = triage.until ?? triage.untilLocalText.flatMap(localTime), until > Date() else {
                return .failure(TriageRefusal(message: "snooze until when? give a time to come"))
            }
            return .success(.snooze(SnoozeRequest(until: until)))
        case "unsnooze": return .success(.unsnooze)
        case "assign_me": return .success(.assign(signed.user.name))
        case "unassign": return .success(.assign(nil))
        case "assign":
            let name = triage.assignee ?? ""
            guard let user = try await store.user(named: name), user.role.mayTriage else {
                return .failure(TriageRefusal(message: "no reviewer named \(name)"))
            }
            return .success(.assign(user.name))
        case "comment":
            guard triage.comment != nil else {
                return .failure(TriageRefusal(message: "an empty comment says nothing"))
            }
            return .success(.comment)
        default:
            return .failure(TriageRefusal(message: "unknown action \(triage.action)"))
        }
    }

    /// A `datetime-local` value (`YYYY-MM-DDTHH:MM`) in the site's time zone.
    func localTime(_ text: String) -> Date? {
        var converter = LocalTimeConverter(timeZone: settings.timeZone)
        return converter.date(localText: text.replacingOccurrences(of: "T", with: " "))
    }
}
