import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TollGuardCore

/// How the console runs.
package struct ConsoleSettings: Sendable {
    /// Cookies only over HTTPS: on when serve speaks TLS or sits behind a proxy that does.
    package var secureCookies = false
    /// How long a login lasts.
    package var sessionLifetime: TimeInterval = 12 * 3_600
    /// How long a false positive keeps its rule quiet for its subject.
    package var falsePositiveQuiet: TimeInterval = 7 * 86_400
    /// The currency money is shown in.
    package var currency = "USD"
    /// The site's time zone: the day a quota counts.
    package var timeZone = TimeZone.gmt
    /// The analysis settings in force (quotas by account, groups and default; public contexts):
    /// read at each page, so a reloaded configuration shows at once.
    package var analysis: @Sendable () -> AnalysisSettings = { AnalysisSettings() }

    package init() {}
}

/// The review console: log in, the queue, an alert's case file, triage, the journal.
///
/// Server-rendered pages that work without JavaScript; every change is a form POST carrying the
/// session's CSRF token (and, when the browser sends one, an `Origin` of this host), checked
/// against the user's role on the server.
package struct ConsoleRoute: Sendable {
    private let database: TollGuardDatabase
    private let settings: ConsoleSettings
    private let passwords: PasswordHashing
    private let throttle: LoginThrottle
    private let pages: ConsolePages
    private let logger: Logger
    private static let cookieName = "tollguard_session"
    /// Verified against when the name is unknown, so an unknown name takes as long as a wrong
    /// password; made at the first such login.
    private let decoyHash = DecoyHash()

    package init(
        database: TollGuardDatabase, settings: ConsoleSettings = ConsoleSettings(),
        passwords: PasswordHashing = PasswordHashing(), throttle: LoginThrottle = LoginThrottle(), logger: Logger
    ) throws {
        self.database = database
        self.settings = settings
        self.passwords = passwords
        self.throttle = throttle
        self.logger = logger
        pages = try ConsolePages()
    }

    /// A signed-in request: who, and the token forms must carry.
    private struct Signed {
        var user: ConsoleUser
        var csrf: String
        var tokenHash: String
    }

    package func add(to router: Router<BasicRequestContext>) {
        router.get("console/style.css") { _, _ in
            var response = Response.page(ConsoleTemplates.stylesheet, status: .ok)
            response.headers[.contentType] = "text/css; charset=utf-8"
            return response
        }
        // Browsers ask for /favicon.ico on pages without an icon link (the refusals, `/`).
        for path in ["console/icon.svg", "favicon.ico"] {
            router.get(RouterPath(path)) { _, _ in
                var response = Response.page(ConsoleTemplates.icon, status: .ok)
                response.headers[.contentType] = "image/svg+xml"
                return response
            }
        }
        router.get("console/login") { _, _ in
            Response.page(pages.render(ConsolePages.LoginPage(name: ""), "login"), status: .ok)
        }
        router.post("console/login") { request, _ in try await login(request) }
        router.post("console/logout") { request, _ in
            let form = try await Self.form(request)
            if let signed = try await signedIn(request), SessionToken.matches(form["csrf"] ?? "", signed.csrf) {
                try await database.inThreadPool { try $0.endSession(tokenHash: signed.tokenHash) }
            }
            var response = Response.redirect(to: "/console/login")
            response.setCookie(expiredCookie)
            return response
        }
        router.get("console") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            let tab = request.uri.queryParameters["tab"].flatMap { ReviewTab(rawValue: String($0)) } ?? .open
            return try await queue(tab, signed)
        }
        router.get("console/alerts/{id}") { request, context in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            let id = try context.parameters.require("id", as: Int64.self)
            return try await alertPage(id, signed)
        }
        router.post("console/alerts/{id}") { request, context in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            let id = try context.parameters.require("id", as: Int64.self)
            return try await changeAlert(id, request, signed)
        }
        router.get("console/accounts") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            let date = request.uri.queryParameters["date"].map(String.init)
            return try await accounts(date: date, error: nil, signed)
        }
        router.post("console/accounts/quota") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            return try await changeQuota(request, signed)
        }
        router.get("console/journal") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            var header = try await header("Journal", signed)
            header.onJournal = true
            let entries = try await database.inThreadPool { try $0.journal(limit: 500) }
            return Response.page(
                pages.render(
                    ConsolePages.JournalPage(header: header, entries: entries.map(ConsolePages.journalRow)),
                    "journal"), status: .ok)
        }
    }

    // MARK: Sessions

    private func signedIn(_ request: Request) async throws -> Signed? {
        guard let token = request.cookies[Self.cookieName]?.value, !token.isEmpty else { return nil }
        let hash = SessionToken.storedHash(of: token)
        guard let (user, csrf) = try await database.inThreadPool({ try $0.session(tokenHash: hash) }) else {
            return nil
        }
        return Signed(user: user, csrf: csrf, tokenHash: hash)
    }

    private func login(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        let name = form["name"] ?? ""
        let password = form["password"] ?? ""
        let keys = ["name:" + name]
        let wait = await throttle.wait(for: keys)
        if wait > 0 {
            let page = ConsolePages.LoginPage(
                error: "Too many failed logins for this name: try again in \(Int(wait.rounded(.up))) s.", name: name)
            return Response.page(pages.render(page, "login"), status: .tooManyRequests)
        }
        let user = try await database.inThreadPool { try $0.user(named: name) }
        let passwords = self.passwords
        let decoy = decoyHash
        let matches = try await NIOThreadPool.singleton.runIfActive {
            passwords.verify(password, hash: user?.passwordHash ?? decoy.hash(with: passwords))
        }
        guard let user, matches else {
            await throttle.failed(keys)
            try await database.inThreadPool {
                try $0.record(
                    JournalEntry(at: Date(), actor: name, action: "login.failed", subjectType: "user", subject: name))
            }
            logger.notice("console login failed", metadata: ["user": "\(name)"])
            let page = ConsolePages.LoginPage(error: "Wrong name or password.", name: name)
            return Response.page(pages.render(page, "login"), status: .unauthorized)
        }
        await throttle.succeeded(keys[0])
        let token = SessionToken.make()
        let csrf = SessionToken.make()
        let now = Date()
        try await database.inThreadPool {
            try $0.startSession(
                user: user.name, tokenHash: SessionToken.storedHash(of: token), csrfToken: csrf,
                expires: now.addingTimeInterval(settings.sessionLifetime), now: now)
        }
        var response = Response.redirect(to: "/console")
        response.setCookie(
            Cookie(
                name: Self.cookieName, value: token, maxAge: Int(settings.sessionLifetime), path: "/",
                secure: settings.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    private var expiredCookie: Cookie {
        Cookie(
            name: Self.cookieName, value: "", maxAge: 0, path: "/", secure: settings.secureCookies, httpOnly: true,
            sameSite: .strict)
    }

    // MARK: Pages

    private func header(_ title: String, _ signed: Signed) async throws -> PageHeader {
        let user = signed.user.name
        let counts = try await database.inThreadPool { try $0.reviewCounts(user: user) }
        return PageHeader(
            title: title, signedIn: true, userName: user, role: signed.user.role.rawValue, csrf: signed.csrf,
            openCount: counts[.open] ?? 0, mineCount: counts[.mine] ?? 0,
            acknowledgedCount: counts[.acknowledged] ?? 0, snoozedCount: counts[.snoozed] ?? 0,
            closedCount: counts[.closed] ?? 0)
    }

    private func queue(_ tab: ReviewTab, _ signed: Signed) async throws -> Response {
        let titles: [ReviewTab: String] = [
            .open: "Open alerts", .mine: "Assigned to me", .acknowledged: "Acknowledged", .snoozed: "Snoozed",
            .closed: "Closed",
        ]
        var header = try await header(titles[tab] ?? "Alerts", signed)
        header.onOpen = tab == .open
        header.onMine = tab == .mine
        header.onAcknowledged = tab == .acknowledged
        header.onSnoozed = tab == .snoozed
        header.onClosed = tab == .closed
        let user = signed.user.name
        let analysis = settings.analysis()
        let zone = settings.timeZone
        let entries = try await database.inThreadPool {
            try $0.reviewQueue(tab, user: user, analysis: analysis, timeZone: zone)
        }
        let rows = entries.map { ConsolePages.queueRow($0, currency: settings.currency) }
        let page = ConsolePages.QueuePage(
            header: header, heading: header.title, entries: rows, hasEntries: !rows.isEmpty)
        return Response.page(pages.render(page, "queue"), status: .ok)
    }

    private func alertPage(_ id: Int64, _ signed: Signed) async throws -> Response {
        guard let alert = try await database.inThreadPool({ try $0.alert(id: id) }) else {
            return Response.page("no alert \(id)", status: .notFound)
        }
        let (calls, lines, journal) = try await database.inThreadPool { database in
            (
                try database.alertCalls(id: id), try database.alertLogLines(id: id),
                try database.journal(subjectType: "alert", subject: String(id))
            )
        }
        let header = try await header("Alert \(id)", signed)
        let calls_ = calls.map { ConsolePages.callRow($0, currency: settings.currency) }
        let page = ConsolePages.AlertPage(
            header: header, id: id, csrf: signed.csrf, severity: alert.severity.description, headline: alert.headline,
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
            calls: calls_,
            hasCalls: !calls_.isEmpty, logLines: lines.map(\.text), hasLogLines: !lines.isEmpty,
            timeline: journal.reversed().map(ConsolePages.timelineItem))
        return Response.page(pages.render(page, "alert"), status: .ok)
    }

    /// The site-local day `text` (`YYYY-MM-DD`) names, today when nil; nil when `text` is no date.
    private func day(_ text: String?) -> (start: Date, end: Date, text: String)? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = settings.timeZone
        let start: Date
        if let text {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3,
                let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
            else { return nil }
            start = date
        } else {
            start = calendar.startOfDay(for: Date())
        }
        guard let end = calendar.date(byAdding: .day, value: 1, to: start) else { return nil }
        let components = calendar.dateComponents([.year, .month, .day], from: start)
        let label = String(
            format: "%04d-%02d-%02d", components.year ?? 0, components.month ?? 0, components.day ?? 0)
        return (start, end, label)
    }

    private func accounts(date: String?, error: String?, _ signed: Signed) async throws -> Response {
        var header = try await header("Accounts and quotas", signed)
        header.onAccounts = true
        guard let day = day(date) else {
            return Response.page("date \(date ?? ""): use YYYY-MM-DD", status: .badRequest)
        }
        let analysis = settings.analysis()
        let (spend, quotas) = try await database.inThreadPool { database in
            (
                try database.spendByAccount(from: day.start, to: day.end, publicContexts: analysis.publicContexts)
                    .filter { $0.subject.kind == .account },
                try database.quotas()
            )
        }
        let quotaByAccount = Dictionary(quotas.map { ($0.account, $0.dailyMicros) }, uniquingKeysWith: { $1 })
        var resolver = PolicyResolver(settings: analysis, quotas: quotaByAccount)
        var figures: [String: (calls: Int, spent: Int64)] = [:]
        for entry in spend { figures[entry.subject.value] = (entry.calls, entry.costMicros) }
        for quota in quotas where figures[quota.account] == nil { figures[quota.account] = (0, 0) }
        let mayAdminister = signed.user.role.mayAdminister
        let currency = settings.currency
        let rows = figures.map { account, figure -> (Double, Int64, ConsolePages.AccountRow) in
            // The quota analysis applies: the table's, else the configuration's (marked as such).
            let quota =
                quotaByAccount[account]
                ?? resolver.policy(for: Subject(.account, account)).active(.dailyQuota).map(Money.micros)
            let configured = quotaByAccount[account] == nil && quota != nil
            let bar = quota.map { ConsolePages.bar(spent: figure.spent, quota: $0) }
            let fraction = quota.flatMap { $0 > 0 ? Double(figure.spent) / Double($0) : nil } ?? -1
            return (
                fraction, figure.spent,
                ConsolePages.AccountRow(
                    account: account, calls: figure.calls, spent: ConsolePages.money(figure.spent, currency),
                    quota: quota.map { ConsolePages.money($0, currency) + (configured ? " (configured)" : "") }
                        ?? "none",
                    hasQuota: quota != nil, amount: quota.map { Money.format($0, decimals: 2) } ?? "",
                    percentText: bar?.text ?? "",
                    quotaClass: bar?.colour ?? "", quotaPercent: bar?.percent ?? 0, mayAdminister: mayAdminister,
                    csrf: signed.csrf)
            )
        }
        .sorted { ($0.0, $0.1, $1.2.account) > ($1.0, $1.1, $0.2.account) }.map(\.2)
        let page = ConsolePages.AccountsPage(
            header: header, date: day.text, zone: settings.timeZone.identifier, error: error,
            rows: rows, hasRows: !rows.isEmpty, mayAdminister: mayAdminister)
        return Response.page(pages.render(page, "accounts"), status: error == nil ? .ok : .badRequest)
    }

    // MARK: Actions

    private func changeQuota(_ request: Request, _ signed: Signed) async throws -> Response {
        let form = try await Self.form(request)
        if let refusal = refusal(request, form: form, signed: signed) { return refusal }
        guard signed.user.role.mayAdminister else {
            return Response.page("a \(signed.user.role.rawValue) may not change quotas", status: .forbidden)
        }
        let account = form["account"] ?? ""
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let amount = (form["amount"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !account.isEmpty else { return Response.page("which account?", status: .badRequest) }
        guard !reason.isEmpty else {
            return try await accounts(date: nil, error: "A quota change needs a reason.", signed)
        }
        guard let micros = Money.micros(amount), micros >= 0 else {
            return try await accounts(
                date: nil, error: "\(amount) is no amount: use a number like 25 or 12.50.", signed)
        }
        let currency = settings.currency
        try await database.inThreadPool {
            try $0.setQuota(
                account: account, dailyMicros: micros, currency: currency, setBy: signed.user.name, reason: reason)
        }
        return Response.redirect(to: "/console/accounts")
    }

    private static let transitions: [String: AlertState] = [
        "acknowledge": .acknowledged, "resolve": .resolved, "false_positive": .falsePositive, "reopen": .open,
    ]

    private func changeAlert(_ id: Int64, _ request: Request, _ signed: Signed) async throws -> Response {
        let form = try await Self.form(request)
        if let refusal = refusal(request, form: form, signed: signed) { return refusal }
        guard signed.user.role.mayTriage else {
            return Response.page("a \(signed.user.role.rawValue) may not change alerts", status: .forbidden)
        }
        let comment = form["comment"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        let quiet = settings.falsePositiveQuiet
        let actor = signed.user.name
        let change: @Sendable (TollGuardDatabase) throws -> StoredAlert
        switch form["action"] ?? "" {
        case let action where Self.transitions[action] != nil:
            let state = Self.transitions[action] ?? .open
            change = { try $0.setAlertState(id: id, to: state, actor: actor, comment: comment, suppressFor: quiet) }
        case "snooze_worse":
            change = { database in
                guard let alert = try database.alert(id: id) else { throw AlertStateError.noSuchAlert(id) }
                let snooze = AlertSnooze(
                    worseThanCostMicros: alert.costMicros, worseAtCalls: alert.callCount + Self.moreCallsToWake)
                return try database.snoozeAlert(id: id, snooze, actor: actor, comment: comment)
            }
        case "snooze_until":
            guard let until = localTime(form["until"] ?? ""), until > Date() else {
                return Response.page("snooze until when? give a time to come", status: .badRequest)
            }
            change = { try $0.snoozeAlert(id: id, AlertSnooze(until: until), actor: actor, comment: comment) }
        case "unsnooze":
            change = { try $0.unsnoozeAlert(id: id, actor: actor, comment: comment) }
        case "assign_me":
            change = { try $0.assignAlert(id: id, to: actor, actor: actor) }
        case "unassign":
            change = { try $0.assignAlert(id: id, to: nil, actor: actor) }
        default:
            return Response.page("unknown action", status: .badRequest)
        }
        do {
            _ = try await database.inThreadPool(change)
        } catch let error as AlertStateError {
            return Response.page(error.description, status: error == .noSuchAlert(id) ? .notFound : .conflict)
        }
        return Response.redirect(to: "/console/alerts/\(id)")
    }

    /// How many more calls wake an alert snoozed until worse.
    static let moreCallsToWake = 5

    /// A `datetime-local` value (`YYYY-MM-DDTHH:MM`) in the site's time zone.
    private func localTime(_ text: String) -> Date? {
        var converter = LocalTimeConverter(timeZone: settings.timeZone)
        return converter.date(localText: text.replacingOccurrences(of: "T", with: " "))
    }

    /// Why a changing request is refused: a missing or wrong CSRF token, or a foreign `Origin`.
    private func refusal(_ request: Request, form: [String: String], signed: Signed) -> Response? {
        guard SessionToken.matches(form["csrf"] ?? "", signed.csrf) else {
            return Response.page("the form's token is missing or stale: reload the page", status: .forbidden)
        }
        if let origin = request.headers[.origin], let host = request.head.authority {
            guard origin == "http://\(host)" || origin == "https://\(host)" else {
                return Response.page("a change from another site (Origin \(origin)) is refused", status: .forbidden)
            }
        }
        return nil
    }

    /// A URL-encoded form body (at most 64 KiB).
    private static func form(_ request: Request) async throws -> [String: String] {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        return URLEncodedForm.fields(String(buffer: body))
    }
}

/// A hash of a random password, made once, for logins under unknown names.
private final class DecoyHash: Sendable {
    private let made = Mutex<String?>(nil)

    func hash(with passwords: PasswordHashing) -> String {
        made.withLock { made in
            if let made { return made }
            let hash = passwords.hash(SessionToken.make())
            made = hash
            return hash
        }
    }
}
