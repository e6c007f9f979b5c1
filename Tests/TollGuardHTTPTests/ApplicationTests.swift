import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing
import TollGuardCore
import TollGuardHTTP
import TollGuardTestSupport

/// `serve`'s HTTP application in process (`app.test(.router)`): each route's answers, with the
/// routes wired to an in-memory store as `serve` wires them to its pipeline.
@Suite struct ApplicationTests {
    static let logger = Logger(label: "test.http")
    static let basic = "Basic " + Data("freeswitch:s3cret".utf8).base64EncodedString()

    /// A mod_json_cdr document of one answered call from `account` to `destination`.
    static func jsonCDR(uuid: String, account: String = "1001", destination: String = "12125550100") -> ByteBuffer {
        ByteBuffer(bytes: CDRDocuments.json(uuid: uuid, account: account, destination: destination))
    }

    /// Routes over `database`: posted calls are stored there (or refused when `storing` is off).
    static func routes(
        _ database: TollGuardDatabase, credentials: HTTPCredentials, loopbackOnly: Bool = true, storing: Bool = true,
        healthy: Bool = true
    ) -> HTTPRoutes {
        var settings = CDRPostSettings()
        settings.maxBodyBytes = 2048
        let page = ReportPage(
            database: database, configuration: ReloadableConfiguration(TollGuardConfiguration()), timeZone: .gmt,
            countryNames: [:])
        return HTTPRoutes(
            health: { HealthStatus(healthy: healthy, reason: healthy ? "ok" : "event socket not connected: refused") },
            metrics: { "tollguard_events_total 7\n" },
            cdrPost: CDRPostRoute(settings: settings, credentials: credentials, logger: logger) {
                record, source, stored in
                guard storing else {
                    stored(.notStored(reason: "the store refused it"))
                    return .taken
                }
                do {
                    _ = try database.store([(record, nil)], source: source)
                    stored(.taken)
                } catch {
                    stored(.notStored(reason: "\(error)"))
                }
                return .taken
            },
            reportPage: ReportPageRoute(credentials: credentials, loopbackOnly: loopbackOnly, logger: logger) { date in
                try await page.render(date: date, now: Date(timeIntervalSince1970: 1_795_000_000))
            })
    }

    static func app(_ routes: HTTPRoutes) -> some ApplicationProtocol {
        buildApplication(HTTPServerSettings(host: "127.0.0.1", port: 0), routes: routes, logger: logger)
    }

    @Test func healthzSaysOkOrTheReason() async throws {
        let database = try TollGuardDatabase.inMemory()
        let empty = HTTPCredentials(basic: nil, token: nil)
        try await Self.app(Self.routes(database, credentials: empty)).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok\n")
            }
        }
        try await Self.app(Self.routes(database, credentials: empty, healthy: false)).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == "event socket not connected: refused\n")
            }
        }
    }

    @Test func metricsAreThePrometheusText() async throws {
        let database = try TollGuardDatabase.inMemory()
        let routes = Self.routes(database, credentials: HTTPCredentials(basic: nil, token: nil))
        try await Self.app(routes).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                #expect(String(buffer: response.body) == "tollguard_events_total 7\n")
            }
        }
    }

    @Test func cdrPostsAnswerAsTheModulesExpect() async throws {
        let database = try TollGuardDatabase.inMemory()
        let credentials = HTTPCredentials(basic: "freeswitch:s3cret", token: "t0ken")
        try await Self.app(Self.routes(database, credentials: credentials)).test(.router) { client in
            let body = Self.jsonCDR(uuid: "a0000000-0000-4000-8000-000000000001")
            // No credentials, wrong ones: 401 with the challenge, nothing stored.
            try await client.execute(uri: "/cdr", method: .post, body: body) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Basic realm=\"tollguard\"")
            }
            let wrong = "Basic " + Data("freeswitch:guess".utf8).base64EncodedString()
            try await client.execute(uri: "/cdr", method: .post, headers: [.authorization: wrong], body: body) {
                #expect($0.status == .unauthorized)
            }
            #expect(try database.callCount() == 0)
            // A body that is no CDR: 400 with the reason.
            try await client.execute(
                uri: "/cdr", method: .post, headers: [.authorization: Self.basic], body: ByteBuffer(string: "hello")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("neither a JSON nor an XML CDR"))
            }
            // Over max_body_bytes: 413.
            try await client.execute(
                uri: "/cdr", method: .post, headers: [.authorization: Self.basic],
                body: ByteBuffer(repeating: UInt8(ascii: " "), count: 4096)
            ) { #expect($0.status == .contentTooLarge) }
            // A call: 200 once stored, by Basic or by the bearer token; the same call again is not stored twice.
            try await client.execute(uri: "/cdr", method: .post, headers: [.authorization: Self.basic], body: body) {
                response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "stored\n")
            }
            try await client.execute(
                uri: "/cdr", method: .post, headers: [.authorization: "Bearer t0ken"],
                body: Self.jsonCDR(uuid: "a0000000-0000-4000-8000-000000000001")
            ) { #expect($0.status == .ok) }
            #expect(try database.callCount() == 1)
        }
    }

    @Test func aCallThatCannotBeStoredIsA503SoTheModuleRetries() async throws {
        let database = try TollGuardDatabase.inMemory()
        let credentials = HTTPCredentials(basic: "freeswitch:s3cret", token: nil)
        try await Self.app(Self.routes(database, credentials: credentials, storing: false)).test(.router) { client in
            try await client.execute(
                uri: "/cdr", method: .post, headers: [.authorization: Self.basic],
                body: Self.jsonCDR(uuid: "a0000000-0000-4000-8000-000000000002")
            ) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == "not stored: the store refused it; retry\n")
                #expect(response.headers[.retryAfter] == "30")
            }
        }
        #expect(try database.callCount() == 0)
    }

    /// The scheme of an `Authorization` header is read whatever its case (`bearer`, `BASIC`).
    @Test func theAuthorizationSchemeIsCaseInsensitive() {
        let credentials = HTTPCredentials(basic: "freeswitch:s3cret", token: "t0ken")
        #expect(credentials.authorize("bearer t0ken"))
        #expect(credentials.authorize("BEARER t0ken"))
        #expect(credentials.authorize("basic " + Data("freeswitch:s3cret".utf8).base64EncodedString()))
        #expect(!credentials.authorize("bearer t0ke"))
        #expect(!credentials.authorize("bearert0ken"))
        #expect(!credentials.authorize("token t0ken"))
    }

    /// A CDR that is no whole call — no uuid to recognize it by, a negative billsec — is a 400
    /// with the reason (the module keeps it in its error folder), never a 200 that stores nothing
    /// or stores it wrong.
    @Test func aCDRThatIsNoWholeCallIsRefusedWithTheReason() async throws {
        let database = try TollGuardDatabase.inMemory()
        @Sendable func cdr(_ variables: [String: String]) -> ByteBuffer {
            let document: [String: Any] = [
                "variables": [
                    "accountcode": "1001", "start_epoch": "1795000000", "answer_epoch": "1795000002",
                    "end_epoch": "1795000062", "billsec": "60", "hangup_cause": "NORMAL_CLEARING",
                ].merging(variables) { $1 },
                "callflow": [["caller_profile": ["caller_id_number": "1001", "destination_number": "12125550100"]]],
            ]
            return ByteBuffer(bytes: Array((try? JSONSerialization.data(withJSONObject: document)) ?? Data()))
        }
        let credentials = HTTPCredentials(basic: "freeswitch:s3cret", token: nil)
        try await Self.app(Self.routes(database, credentials: credentials)).test(.router) { client in
            try await client.execute(
                uri: "/cdr", method: .post, headers: [.authorization: Self.basic], body: cdr([:])
            ) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("no uuid"))
            }
            try await client.execute(
                uri: "/cdr", method: .post, headers: [.authorization: Self.basic],
                body: cdr(["uuid": "a0000000-0000-4000-8000-000000000009", "billsec": "-5"])
            ) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body) == "billsec -5 is negative\n")
            }
        }
        #expect(try database.callCount() == 0)
    }

    /// A post whose call nothing answers for (a pipeline stopped, a store hanging) is answered 503
    /// when its wait is over, never held for ever.
    @Test func aPostNobodyAnswersForIsA503WhenItsWaitIsOver() async throws {
        let database = try TollGuardDatabase.inMemory()
        var routes = Self.routes(database, credentials: HTTPCredentials(basic: "freeswitch:s3cret", token: nil))
        let handedOn = Atomic<Int>(0)
        var route = CDRPostRoute(
            settings: CDRPostSettings(), credentials: HTTPCredentials(basic: "freeswitch:s3cret", token: nil),
            logger: Self.logger
        ) {
            _, _, _ in
            handedOn.add(1, ordering: .relaxed)
            return .taken
        }
        route.storeWait = .milliseconds(500)
        routes.cdrPost = route
        try await Self.app(routes).test(.router) { client in
            try await client.execute(
                uri: "/cdr", method: .post, headers: [.authorization: Self.basic],
                body: Self.jsonCDR(uuid: "a0000000-0000-4000-8000-000000000003")
            ) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).hasPrefix("not stored: the store did not take it within"))
            }
        }
        #expect(handedOn.load(ordering: .relaxed) == 1)
    }

    @Test func theReportPageAsksForCredentialsAndShowsTheStoredDay() async throws {
        let database = try TollGuardDatabase.inMemory()
        let credentials = HTTPCredentials(basic: "freeswitch:s3cret", token: nil)
        try await Self.app(Self.routes(database, credentials: credentials)).test(.router) { client in
            try await client.execute(
                uri: "/cdr", method: .post, headers: [.authorization: Self.basic],
                body: Self.jsonCDR(uuid: "a0000000-0000-4000-8000-000000000003", account: "7707")
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/report?date=2026-11-18", method: .get) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(
                uri: "/report?date=2026-11-18", method: .get, headers: [.authorization: Self.basic]
            ) {
                response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
                #expect(String(buffer: response.body).contains("7707"))
            }
            try await client.execute(
                uri: "/report?date=18.11.2026", method: .get, headers: [.authorization: Self.basic]
            ) {
                #expect($0.status == .badRequest)
            }
        }
    }

    @Test func withoutCredentialsTheReportIsServedOnLoopbackOnly() async throws {
        let database = try TollGuardDatabase.inMemory()
        let none = HTTPCredentials(basic: nil, token: nil)
        try await Self.app(Self.routes(database, credentials: none, loopbackOnly: true)).test(.router) { client in
            try await client.execute(uri: "/report", method: .get) { #expect($0.status == .ok) }
        }
        try await Self.app(Self.routes(database, credentials: none, loopbackOnly: false)).test(.router) { client in
            try await client.execute(uri: "/report", method: .get) { #expect($0.status == .forbidden) }
        }
    }
}
