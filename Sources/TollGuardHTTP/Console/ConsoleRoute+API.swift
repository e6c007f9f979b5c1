import Foundation
import HTTPTypes
import Hummingbird
import TollGuardCore

/// The console's JSON API under `/api/v1`: every page's data and every action, with the same
/// roles, described in `Sources/TollGuardHTTP/Console/openapi.json` (a test holds the two equal).
///
/// A caller is a bearer token (`Authorization: Bearer …`, made by `tollguard users token`) or
/// the console's session cookie; a change made with the cookie carries the session's form token
/// in `X-CSRF-Token` (and, when the browser sends one, an `Origin` of this host).
extension ConsoleRoute {
    static let apiPrefix = "api/v1"

    func addAPI(to router: Router<BasicRequestContext>) {
        let api = router.group(RouterPath(Self.apiPrefix))
        api.get("me") { request, _ in
            try await caller(request) { signed in
                .json(["name": signed.user.name, "role": signed.user.role.rawValue])
            }
        }
        api.get("alerts") { request, _ in
            try await caller(request) { signed in
                let query = QueueQuery(request.uri.queryParameters)
                let queue = try await reviewQueue(query, signed)
                let counts = try await store.reviewCounts(user: signed.user.name, now: Date())
                return .json(
                    QueueJSON(
                        tab: query.tab.rawValue, count: queue.entries.count, total: queue.total, page: query.page,
                        pageSize: QueueQuery.pageSize,
                        counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
                        alerts: queue.entries.map(QueueJSON.Entry.init)))
            }
        }
        api.get("alerts/{id}") { request, context in
            try await caller(request) { _ in
                let id = try context.parameters.require("id", as: Int64.self)
                guard let file = try await caseFile(id) else { return .error("no alert \(id)", .notFound) }
                return .json(CaseFileJSON(file))
            }
        }
        api.post("alerts/{id}/changes") { request, context in
            try await change(request) { signed in
                var triage = try await Self.decode(TriageRequest.self, request)
                triage.ids = [try context.parameters.require("id", as: Int64.self)]
                triage.wholeFilter = false
                return try await triageAnswer(triage, signed)
            }
        }
        api.post("alerts/changes") { request, _ in
            try await change(request) { signed in
                try await triageAnswer(try await Self.decode(TriageRequest.self, request), signed)
            }
        }
        api.get("accounts") { request, _ in
            try await caller(request) { _ in
                let date = request.uri.queryParameters["date"].map(String.init)
                guard let day = day(date) else { return .error("date \(date ?? ""): use YYYY-MM-DD", .badRequest) }
                return .json(
                    AccountsJSON(
                        date: day.text, timeZone: settings.timeZone.identifier, currency: settings.currency,
                        accounts: try await accountDays(day)))
            }
        }
        api.put("accounts/{account}/quota") { request, context in
            try await change(request) { signed in
                let account = try context.parameters.require("account")
                let body = try await Self.decode(QuotaRequest.self, request)
                switch try await setQuota(account, amount: body.amount, reason: body.reason, signed) {
                case .success(let micros): return .json(QuotaJSON(account: account, quotaMicros: micros))
                case .failure(let refusal): return .error(refusal.message, refusal.status)
                }
            }
        }
        api.post("accounts/{account}/raise") { request, context in
            try await change(request) { signed in
                let account = try context.parameters.require("account")
                let body = try await Self.decode(QuotaRequest.self, request)
                switch try await raiseQuota(account, amount: body.amount, reason: body.reason, signed) {
                case .success(let raise): return .json(raise)
                case .failure(let refusal): return .error(refusal.message, refusal.status)
                }
            }
        }
        api.get("suspensions") { request, _ in
            try await caller(request) { _ in
                let listed = try await suspensionsWithHooks()
                return .json(SuspensionsJSON(suspensions: listed.map(SuspensionsJSON.Entry.init)))
            }
        }
        api.post("suspensions") { request, _ in
            try await change(request) { signed in
                let body = try await Self.decode(SuspendRequest.self, request)
                return .outcome(
                    try await suspend(body.account, reason: body.reason, hours: body.hours.map { String($0) }, signed))
            }
        }
        api.post("suspensions/{account}/lift") { request, context in
            try await change(request) { signed in
                let body = try await Self.decode(LiftRequest.self, request)
                return .outcome(
                    try await unsuspend(try context.parameters.require("account"), reason: body.reason, signed))
            }
        }
        api.get("live") { request, _ in
            try await caller(request) { _ in
                guard let liveCalls = settings.liveCalls else {
                    return .error("serve has no live source (event socket or tailed CDR files)", .notFound)
                }
                let snapshot = liveCalls()
                return .json(LiveJSON(at: snapshot?.at, calls: snapshot?.calls ?? []))
            }
        }
        api.get("attackers") { request, _ in
            try await caller(request) { _ in
                let matching = request.uri.queryParameters["address"].map(String.init)
                let attackers = try await sipAttackers(matching: matching)
                return .json(["attackers": attackers.map { AttackerJSON($0.attacker, bans: $0.bans) }])
            }
        }
        api.get("journal") { request, _ in
            try await caller(request) { _ in
                let limit = request.uri.queryParameters["limit"].flatMap { Int($0) }.map { min(max($0, 1), 5_000) }
                let entries = try await store.journal(
                    subjectType: nil, subject: nil, actor: nil, actionPrefix: nil, limit: limit ?? 500)
                return .json(["entries": entries])
            }
        }
    }

    // MARK: Callers

    /// The API's caller: a bearer token, else the session cookie.
    private func apiCaller(_ request: Request) async throws -> (signed: Signed, bearer: Bool)? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return try await session(String(parts[1])).map { ($0, true) }
        }
        return try await signedIn(request).map { ($0, false) }
    }

    /// Runs `answer` for a signed-in caller; 401 without one.
    private func caller(_ request: Request, _ answer: (Signed) async throws -> Response) async throws -> Response {
        guard let (signed, _) = try await apiCaller(request) else {
            return .error("log in, or send Authorization: Bearer <token>", .unauthorized)
        }
        return try await answer(signed)
    }

    /// Runs a change for a signed-in caller; one signed in by cookie must send `X-CSRF-Token`.
    private func change(_ request: Request, _ answer: (Signed) async throws -> Response) async throws -> Response {
        guard let (signed, bearer) = try await apiCaller(request) else {
            return .error("log in, or send Authorization: Bearer <token>", .unauthorized)
        }
        if !bearer, let refusal = crossSiteRefusal(request, token: request.headers[.csrfToken] ?? "", signed: signed) {
            return .error(refusal, .forbidden)
        }
        do {
            return try await answer(signed)
        } catch let error as DecodingError {
            return .error("the body is not the JSON this call takes: \(Self.describe(error))", .badRequest)
        }
    }

    private func triageAnswer(_ triage: TriageRequest, _ signed: Signed) async throws -> Response {
        switch try await triageAlerts(triage, signed) {
        case .failure(let refusal): return .error(refusal.message, refusal.status)
        case .success(let result):
            let refused = result.refused.map { RefusedJSON(id: $0.id, error: $0.error.description) }
            return .json(
                ChangesJSON(changed: result.changed.map { AlertJSON($0.after, calls: nil) }, refused: refused),
                status: result.changed.isEmpty && !refused.isEmpty ? .conflict : .ok)
        }
    }

    // MARK: Bodies

    private struct QuotaRequest: Decodable {
        var amount: String
        var reason: String?

        private enum CodingKeys: String, CodingKey { case amount, reason }

        /// `amount` as a number (`25.5`) or a string (`"25.50"`).
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let number = try? container.decode(Double.self, forKey: .amount) {
                amount = String(number)
            } else {
                amount = try container.decode(String.self, forKey: .amount)
            }
            reason = try container.decodeIfPresent(String.self, forKey: .reason)
        }
    }

    private struct QuotaJSON: Encodable {
        var account: String
        var quotaMicros: Int64

        enum CodingKeys: String, CodingKey {
            case account
            case quotaMicros = "quota_micros"
        }
    }

    private struct SuspendRequest: Decodable {
        var account: String
        var reason: String?
        var hours: Double?
    }

    private struct LiftRequest: Decodable {
        var reason: String?
    }

    /// A JSON body (at most 64 KiB), times in ISO 8601.
    private static func decode<Body: Decodable>(_ type: Body.Type, _ request: Request) async throws -> Body {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(try await formBody(request).utf8))
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "\(key.stringValue) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            (context.codingPath.map(\.stringValue).joined(separator: ".") + " " + context.debugDescription)
                .trimmingCharacters(in: .whitespaces)
        @unknown default: "\(error)"
        }
    }
}

extension HTTPField.Name {
    /// The console's form token, on API changes made with the session cookie.
    static let csrfToken: HTTPField.Name = {
        guard let name = HTTPField.Name("X-CSRF-Token") else { preconditionFailure("X-CSRF-Token is a field name") }
        return name
    }()
}

extension Response {
    /// `value` as JSON: keys sorted, times in ISO 8601, no caching.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var response = Response.page(String(decoding: data, as: UTF8.self), status: status)
        response.headers[.contentType] = "application/json"
        return response
    }

    /// `{"error": "…"}` with `status`.
    static func error(_ message: String, _ status: HTTPResponse.Status) -> Response {
        json(["error": message], status: status)
    }

    /// A suspension, or why not.
    static func outcome(_ result: Result<Suspension, ConsoleRoute.TriageRefusal>) -> Response {
        switch result {
        case .success(let suspension): json(suspension)
        case .failure(let refusal): error(refusal.message, refusal.status)
        }
    }
}
