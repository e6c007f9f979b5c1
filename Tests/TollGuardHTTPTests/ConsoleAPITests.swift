import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TollGuardCore
import TollGuardHTTP
import TollGuardHooks
import TollGuardTestSupport

/// The console's JSON API in process: the OpenAPI document against the routes, callers by token
/// or cookie, every role held on the server, and the data the pages show.
@Suite struct ConsoleAPITests {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/TollGuardHTTP/Console/openapi.json")

    /// A bearer token for `name` (as `tollguard users token` makes one).
    static func token(_ database: TollGuardDatabase, _ name: String) throws -> String {
        let token = SessionToken.make()
        try database.startSession(
            user: name, tokenHash: SessionToken.storedHash(of: token), csrfToken: SessionToken.make(),
            expires: Date().addingTimeInterval(3_600), journaledAs: "token.created")
        return token
    }

    static func bearer(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: "application/json"]
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
    }

    @Test func theOpenAPIDocumentDescribesExactlyTheAPIRoutes() throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.document))
        let paths = try #require((object as? [String: Any])?["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, operations) in paths {
            for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
        }
        let routes = HTTPRoutes(
            health: { HealthStatus(healthy: true, reason: "ok") }, metrics: { "" },
            console: try ConsoleRoute(
                actions: ActionLayer(
                    database: try TollGuardDatabase.inMemory(), configuration: TollGuardConfiguration(),
                    logger: ConsoleTests.logger), logger: ConsoleTests.logger))
        let served = Set(
            buildRouter(routes).routes.filter { $0.path.description.hasPrefix("/api/") }
                .map { "\($0.method) \($0.path.description)" })
        #expect(served.count >= 13)
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented))")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served))")
    }

    @Test func everyCallNeedsACallerAndEveryRoleIsHeldOnTheServer() async throws {
        let database = try TollGuardDatabase.inMemory()
        let id = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001")))
        try await ConsoleTests.console(database).test(.router) { client in
            let viewer = try Self.token(database, "vera")
            let reviewer = try Self.token(database, "rob")
            let admin = try Self.token(database, "ada")
            let reads = [
                "/api/v1/me", "/api/v1/alerts", "/api/v1/alerts/\(id)", "/api/v1/accounts", "/api/v1/suspensions",
                "/api/v1/attackers", "/api/v1/journal",
            ]
            for uri in reads {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .unauthorized, "\(uri)") }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer not-a-token"]) {
                    #expect($0.status == .unauthorized, "\(uri)")
                }
                try await client.execute(uri: uri, method: .get, headers: Self.bearer(viewer)) {
                    #expect($0.status == .ok, "\(uri)")
                    #expect($0.headers[.contentType] == "application/json")
                }
            }
            let changes: [(String, HTTPRequest.Method, String)] = [
                ("/api/v1/alerts/\(id)/changes", .post, #"{"action": "acknowledge"}"#),
                ("/api/v1/alerts/changes", .post, #"{"action": "acknowledge", "ids": [\#(id)]}"#),
                ("/api/v1/accounts/1001/quota", .put, #"{"amount": 25, "reason": "r"}"#),
                ("/api/v1/accounts/1001/raise", .post, #"{"amount": 90, "reason": "r"}"#),
                ("/api/v1/suspensions", .post, #"{"account": "1001", "reason": "r"}"#),
                ("/api/v1/suspensions/1001/lift", .post, #"{"reason": "r"}"#),
            ]
            for (uri, method, body) in changes {
                try await client.execute(
                    uri: uri, method: method, headers: Self.bearer(viewer), body: ByteBuffer(string: body)
                ) {
                    #expect($0.status == .forbidden, "a viewer: \(uri)")
                }
            }
            #expect(try database.alert(id: id)?.state == .open)
            try await client.execute(
                uri: "/api/v1/accounts/1001/quota", method: .put, headers: Self.bearer(reviewer),
                body: ByteBuffer(string: #"{"amount": 25, "reason": "r"}"#)
            ) { #expect($0.status == .forbidden, "a reviewer sets no quota") }
            try await client.execute(
                uri: "/api/v1/accounts/1001/raise", method: .post, headers: Self.bearer(reviewer),
                body: ByteBuffer(string: #"{"amount": 90, "reason": "r"}"#)
            ) { #expect($0.status == .forbidden, "a reviewer raises no quota") }
            try await client.execute(
                uri: "/api/v1/accounts/1001/raise", method: .post, headers: Self.bearer(admin),
                body: ByteBuffer(string: #"{"amount": 90}"#)
            ) { #expect($0.status == .badRequest, "a raise needs a reason") }
            try await client.execute(
                uri: "/api/v1/accounts/1001/raise", method: .post, headers: Self.bearer(admin),
                body: ByteBuffer(string: #"{"amount": 90, "reason": "conference call marathon"}"#)
            ) { response in
                #expect(response.status == .ok)
                let raise = try Self.json(response)
                #expect(raise["daily_micros"] as? Int == 90_000_000)
                #expect(raise["reason"] as? String == "conference call marathon")
                #expect(raise["set_by"] as? String == "ada")
            }
            try await client.execute(
                uri: "/api/v1/alerts/\(id)/changes", method: .post, headers: Self.bearer(reviewer),
                body: ByteBuffer(string: #"{"action": "acknowledge", "comment": "on it"}"#)
            ) { response in
                #expect(response.status == .ok)
                let changed = try #require(try Self.json(response)["changed"] as? [[String: Any]])
                #expect(changed.first?["state"] as? String == "acknowledged")
            }
            try await client.execute(
                uri: "/api/v1/accounts/1001/quota", method: .put, headers: Self.bearer(admin),
                body: ByteBuffer(string: #"{"amount": "25.50", "reason": "agreed with the customer"}"#)
            ) { response in
                #expect(response.status == .ok)
                let quota = try Self.json(response)["quota_micros"] as? Int
                #expect(quota == 25_500_000)
            }
        }
        #expect(try database.alert(id: id)?.state == .acknowledged)
        #expect(try await database.quotaTable()["1001"] == 25_500_000)
        #expect(try await database.quotaRaises()["1001"]?.values.first == 90_000_000)
        #expect(try database.journal(subjectType: "alert", subject: String(id)).first?.actor == "rob")
    }

    @Test func aChangeMadeWithTheSessionCookieCarriesTheFormToken() async throws {
        let database = try TollGuardDatabase.inMemory()
        let id = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001")))
        try await ConsoleTests.console(database).test(.router) { client in
            let cookie = try await ConsoleTests.logIn(client, "rob")
            let token = try ConsoleTests.csrf(in: try await ConsoleTests.page(client, "/console", cookie))
            let body = ByteBuffer(string: #"{"action": "acknowledge"}"#)
            try await client.execute(
                uri: "/api/v1/alerts/\(id)/changes", method: .post, headers: [.cookie: cookie], body: body
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/api/v1/alerts/\(id)/changes", method: .post,
                headers: [.cookie: cookie, .init("X-CSRF-Token")!: token, .origin: "https://evil.example"], body: body
            ) { #expect($0.status == .forbidden) }
            #expect(try database.alert(id: id)?.state == .open)
            try await client.execute(
                uri: "/api/v1/alerts/\(id)/changes", method: .post,
                headers: [.cookie: cookie, .init("X-CSRF-Token")!: token],
                body: body
            ) { #expect($0.status == .ok) }
        }
        #expect(try database.alert(id: id)?.state == .acknowledged)
    }

    @Test func theAPIGivesWhatThePagesShowAndTakesWhatTheFormsTake() async throws {
        let database = try TollGuardDatabase.inMemory()
        let small = try #require(
            try AlertSeeds.store(database, rule: .velocity, severity: .high, subject: Subject(.account, "1001")))
        let big = try #require(
            try AlertSeeds.store(
                database, rule: .velocity, severity: .warning, subject: Subject(.account, "1002"), costMicros: 9_000_000
            ))
        let other = try #require(
            try AlertSeeds.store(database, rule: .dailyQuota, severity: .high, subject: Subject(.account, "1003")))
        try await ConsoleTests.console(database).test(.router) { client in
            let reviewer = try Self.token(database, "rob")
            // The queue: money at risk first; the filter as the page takes it.
            try await client.execute(uri: "/api/v1/alerts", method: .get, headers: Self.bearer(reviewer)) { response in
                let object = try Self.json(response)
                let alerts = try #require(object["alerts"] as? [[String: Any]])
                #expect(alerts.compactMap { ($0["alert"] as? [String: Any])?["id"] as? Int }.first == Int(big))
                #expect((object["counts"] as? [String: Int])?["open"] == 3)
            }
            try await client.execute(
                uri: "/api/v1/alerts?rule=daily_quota", method: .get, headers: Self.bearer(reviewer)
            ) { response in
                let alerts = try #require(try Self.json(response)["alerts"] as? [[String: Any]])
                #expect(alerts.compactMap { ($0["alert"] as? [String: Any])?["id"] as? Int } == [Int(other)])
            }
            // A false positive needs its reason, as in the form; a malformed body says what is wrong.
            try await client.execute(
                uri: "/api/v1/alerts/\(small)/changes", method: .post, headers: Self.bearer(reviewer),
                body: ByteBuffer(string: #"{"action": "false_positive"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                let error = try Self.json(response)["error"] as? String
                #expect(error?.contains("reason") == true)
            }
            try await client.execute(
                uri: "/api/v1/alerts/\(small)/changes", method: .post, headers: Self.bearer(reviewer),
                body: ByteBuffer(string: #"{"comment": "no action"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                let error = try Self.json(response)["error"] as? String
                #expect(error?.contains("action is missing") == true, "\(error ?? "")")
            }
            // Everything a filter shows, snoozed until a time to come.
            try await client.execute(
                uri: "/api/v1/alerts/changes", method: .post, headers: Self.bearer(reviewer),
                body: ByteBuffer(
                    string:
                        #"{"action": "snooze_until", "until": "2099-01-01T00:00:00Z", "filter": {"rule": "velocity"}}"#)
            ) { response in
                #expect(response.status == .ok)
                let changed = try Self.json(response)["changed"] as? [Any]
                #expect(changed?.count == 2)
            }
            // Closed alerts cannot snooze: refused one by one, 409 when nothing changed.
            try await client.execute(
                uri: "/api/v1/alerts/\(other)/changes", method: .post, headers: Self.bearer(reviewer),
                body: ByteBuffer(string: #"{"action": "resolve", "disposition": "fraud_stopped"}"#)
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/v1/alerts/\(other)/changes", method: .post, headers: Self.bearer(reviewer),
                body: ByteBuffer(string: #"{"action": "snooze_worse"}"#)
            ) { response in
                #expect(response.status == .conflict)
                let refused = try #require(try Self.json(response)["refused"] as? [[String: Any]])
                #expect((refused.first?["error"] as? String)?.contains("only an open or acknowledged alert") == true)
            }
            // The case file, with its journal.
            try await client.execute(uri: "/api/v1/alerts/\(other)", method: .get, headers: Self.bearer(reviewer)) {
                let object = try Self.json($0)
                #expect((object["alert"] as? [String: Any])?["state"] as? String == "resolved")
                let journal = try #require(object["journal"] as? [[String: Any]])
                #expect(journal.first?["after"] as? String == "resolved (fraud, stopped)")
            }
            try await client.execute(uri: "/api/v1/alerts/999", method: .get, headers: Self.bearer(reviewer)) {
                #expect($0.status == .notFound)
            }
            // Suspend and lift, with their answers.
            try await client.execute(
                uri: "/api/v1/suspensions", method: .post, headers: Self.bearer(reviewer),
                body: ByteBuffer(string: #"{"account": "1002", "reason": "calls to Somalia", "hours": 2}"#)
            ) { response in
                #expect(response.status == .ok)
                let state = try Self.json(response)["state"] as? String
                #expect(state == "active")
            }
            try await client.execute(
                uri: "/api/v1/suspensions/1002/lift", method: .post, headers: Self.bearer(reviewer),
                body: ByteBuffer(string: #"{"reason": "password changed"}"#)
            ) { response in
                let state = try Self.json(response)["state"] as? String
                #expect(state == "lifted")
            }
            try await client.execute(
                uri: "/api/v1/suspensions/1002/lift", method: .post, headers: Self.bearer(reviewer),
                body: ByteBuffer(string: #"{"reason": "again"}"#)
            ) { #expect($0.status == .notFound) }
        }
        #expect(try database.reviewQueue(.snoozed).entries.map(\.alert.id).sorted() == [small, big].sorted())
    }
}
