import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TollGuardCore
import TollGuardHooks

/// How the console runs.
package struct ConsoleSettings: Sendable {
    /// Cookies only over HTTPS: on when serve speaks TLS or sits behind a proxy that does.
    package var secureCookies = false
    /// How long a login lasts.
    package var sessionLifetime: TimeInterval = 12 * 3_600
    /// The currency money is shown in.
    package var currency = "USD"
    /// The site's time zone: the day a quota counts.
    package var timeZone = TimeZone.gmt
    /// The analysis settings in force (quotas by account, groups and default; public contexts):
    /// read at each page, so a reloaded configuration shows at once.
    package var analysis: @Sendable () -> AnalysisSettings = { AnalysisSettings() }
    /// The SIP watcher's ban log (`sip_watch.ban_log`; empty: none), read at each page.
    package var banLog: @Sendable () -> String = { "" }
    /// The calls up now, where serve has live sources (nil: none, the live page says so).
    package var liveCalls: (@Sendable () -> LiveCallsSnapshot?)? = nil
    /// On a node of a cluster, what its console shows (``clusterNotice(node:store:)``), on every page.
    package var clusterNotice: String? = nil

    package init() {}
}

/// The review console: log in, the queue, an alert's case file, triage, accounts and quotas,
/// suspensions, the journal.
///
/// Server-rendered pages that work without JavaScript; every change is a form POST carrying the
/// session's CSRF token (and, when the browser sends one, an `Origin` of this host), checked
/// against the user's role on the server. People's changes go through the action layer, so
/// hooks hear of them.
package struct ConsoleRoute: Sendable {
    /// The node's own store: what its own logs show (the SIP attackers).
    let database: TollGuardDatabase
    /// Where the console's records are: the node's store, or the cluster's.
    let store: any ConsoleStore
    let settings: ConsoleSettings
    private let passwords: PasswordHashing
    private let throttle: LoginThrottle
    let pages: ConsolePages
    let logger: Logger
    /// Live updates to open pages; nil where serve runs without them.
    let updates: ConsoleUpdates?
    private static let cookieName = "tollguard_session"
    /// Verified against when the name is unknown, so an unknown name takes as long as a wrong
    /// password; made at the first such login.
    private let decoyHash = DecoyHash()

    package init(
        actions: ActionLayer, store: (any ConsoleStore)? = nil, settings: ConsoleSettings = ConsoleSettings(),
        updates: ConsoleUpdates? = nil, passwords: PasswordHashing = PasswordHashing(),
        throttle: LoginThrottle = LoginThrottle(), logger: Logger
    ) throws {
        self.database = actions.database
        self.store = store ?? LocalConsoleStore(actions: actions)
        self.updates = updates
        self.settings = settings
        self.passwords = passwords
        self.throttle = throttle
        self.logger = logger
        pages = try ConsolePages()
    }

    /// A signed-in request: who, and the token forms must carry.
    struct Signed {
        var user: ConsoleUser
        var csrf: String
        var tokenHash: String
    }

    package func add(to router: Router<BasicRequestContext>) {
        addAPI(to: router)
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
        router.get("console/console.js") { _, _ in
            var response = Response.page(ConsoleScript.source, status: .ok)
            response.headers[.contentType] = "text/javascript; charset=utf-8"
            return response
        }
        router.get("console/events") { request, _ in
            guard try await signedIn(request) != nil else { return Response.page("log in", status: .unauthorized) }
            guard let updates else { return Response.page("live updates are off", status: .notFound) }
            // The alerts raised since the page was made (its `since`) come first, then every update.
            let stream = updates.subscribe()
            let since = request.uri.queryParameters["since"].flatMap { Int64($0) }
            var missed: ConsoleUpdate?
            if let since { missed = try await updates.raised(after: since) }
            return Self.eventStream(stream, first: missed)
        }
        router.get("console/login") { _, _ in
            Response.page(pages.render(ConsolePages.LoginPage(name: ""), "login"), status: .ok)
        }
        router.post("console/login") { request, _ in try await login(request) }
        router.post("console/logout") { request, _ in
            let form = try await Self.form(request)
            if let signed = try await signedIn(request), SessionToken.matches(form["csrf"] ?? "", signed.csrf) {
                try await store.endSession(tokenHash: signed.tokenHash, now: Date())
            }
            var response = Response.redirect(to: "/console/login")
            response.setCookie(expiredCookie)
            return response
        }
        router.get("console") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            return try await queue(QueueQuery(request.uri.queryParameters), signed)
        }
        router.get("console/alerts.csv") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            return try await queueCSV(QueueQuery(request.uri.queryParameters), signed)
        }
        router.post("console/alerts") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            return try await changeAlerts(request, signed)
        }
        router.get("console/alerts/{id}") { request, context in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            let id = try context.parameters.require("id", as: Int64.self)
            return try await alertPage(id, signed, allCalls: request.uri.queryParameters["calls"] == "all")
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
        router.get("console/suspensions") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            return try await suspensions(error: nil, signed)
        }
        router.post("console/suspensions") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            return try await changeSuspension(request, signed)
        }
        router.get("console/live") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            return try await live(signed)
        }
        router.get("console/attackers") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            return try await attackers(request.uri.queryParameters["address"].map(String.init), signed)
        }
        router.get("console/journal") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            return try await journal(JournalQuery(request.uri.queryParameters), signed)
        }
        addExports(to: router)
    }

    // MARK: Sessions

    /// The session of the request's cookie, when it is a live one.
    func signedIn(_ request: Request) async throws -> Signed? {
        guard let token = request.cookies[Self.cookieName]?.value, !token.isEmpty else { return nil }
        return try await session(token)
    }

    /// The session `token` names, when it is a live one.
    func session(_ token: String) async throws -> Signed? {
        let hash = SessionToken.storedHash(of: token)
        guard let (user, csrf) = try await store.session(tokenHash: hash, now: Date()) else {
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
        let user = try await store.user(named: name)
        let passwords = self.passwords
        let decoy = decoyHash
        let matches = try await NIOThreadPool.singleton.runIfActive {
            passwords.verify(password, hash: user?.passwordHash ?? decoy.hash(with: passwords))
        }
        guard let user, matches else {
            await throttle.failed(keys)
            try await store.record(
                JournalEntry(at: Date(), actor: name, action: "login.failed", subjectType: "user", subject: name))
            logger.notice("console login failed", metadata: ["user": "\(name)"])
            let page = ConsolePages.LoginPage(error: "Wrong name or password.", name: name)
            return Response.page(pages.render(page, "login"), status: .unauthorized)
        }
        await throttle.succeeded(keys[0])
        let token = SessionToken.make()
        let csrf = SessionToken.make()
        let now = Date()
        try await store.startSession(
            user: user.name, tokenHash: SessionToken.storedHash(of: token), csrfToken: csrf,
            expires: now.addingTimeInterval(settings.sessionLifetime), now: now)
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

    /// Why a changing request is refused: a missing or wrong CSRF token, or a foreign `Origin`.
    func refusal(_ request: Request, form: [String: String], signed: Signed) -> Response? {
        crossSiteRefusal(request, token: form["csrf"] ?? "", signed: signed).map {
            Response.page($0, status: .forbidden)
        }
    }

    /// Why a change carrying the form token `token` is refused (wrong token, foreign `Origin`); nil when it is not.
    func crossSiteRefusal(_ request: Request, token: String, signed: Signed) -> String? {
        guard SessionToken.matches(token, signed.csrf) else {
            return "the form's token is missing or stale: reload the page"
        }
        if let origin = request.headers[.origin], let host = request.head.authority {
            guard origin == "http://\(host)" || origin == "https://\(host)" else {
                return "a change from another site (Origin \(origin)) is refused"
            }
        }
        return nil
    }

    /// A URL-encoded form body (at most 64 KiB).
    static func form(_ request: Request) async throws -> [String: String] {
        URLEncodedForm.fields(try await formBody(request))
    }

    /// A URL-encoded form body's text (at most 64 KiB).
    static func formBody(_ request: Request) async throws -> String {
        var request = request
        return String(buffer: try await request.collectBody(upTo: 64 * 1024))
    }

    /// `messages` as a `text/event-stream` response: each update one `alerts` event, a comment
    /// line for each heartbeat, until the stream ends or the page goes.
    static func eventStream(_ messages: AsyncStream<ConsoleUpdates.Message>, first: ConsoleUpdate? = nil) -> Response {
        var headers = Response.consoleSecurityHeaders
        headers[.contentType] = "text/event-stream; charset=utf-8"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 5000\n: live updates\n\n"))
                if let first { try await writer.write(ByteBuffer(string: first.eventText)) }
                for await message in messages {
                    switch message {
                    case .update(let update): try await writer.write(ByteBuffer(string: update.eventText))
                    case .heartbeat: try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                    }
                }
                try await writer.finish(nil)
            })
    }

    /// The page header: who is signed in, the tabs and their counts.
    func header(_ title: String, _ signed: Signed) async throws -> PageHeader {
        let user = signed.user.name
        let counts = try await store.reviewCounts(user: user, now: Date())
        let newest = try await store.newestAlertID()
        return PageHeader(
            title: title, signedIn: true, liveUpdates: updates != nil, newestAlert: newest, userName: user,
            role: signed.user.role.rawValue, csrf: signed.csrf,
            openCount: counts[.open] ?? 0, mineCount: counts[.mine] ?? 0,
            acknowledgedCount: counts[.acknowledged] ?? 0, snoozedCount: counts[.snoozed] ?? 0,
            closedCount: counts[.closed] ?? 0, clusterNotice: settings.clusterNotice)
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
