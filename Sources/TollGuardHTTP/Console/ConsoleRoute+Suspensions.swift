import Foundation
import Hummingbird
import TollGuardCore
import TollGuardHooks

/// The suspensions page: current and past suspensions with what their hooks answered, and a
/// person's suspend and unsuspend (through the action layer, so the hooks run).
extension ConsoleRoute {
    struct HookRow {
        var hook: String
        var event: String
        var outcome: String
        var output: String?
    }

    struct SuspensionRow {
        var id: Int64
        var account: String
        var state: String
        var reason: String
        var actor: String
        var since: String
        var until: String?
        var lifted: String?
        var alerts: [Int64]
        var hooks: [HookRow]
        var hasHooks: Bool
        var active: Bool
        var mayTriage: Bool
        var csrf: String
    }

    struct SuspensionsPage {
        var header: PageHeader
        var error: String?
        var current: [SuspensionRow]
        var hasCurrent: Bool
        var past: [SuspensionRow]
        var hasPast: Bool
        var mayTriage: Bool
        var csrf: String
        var account: String
    }

    /// The latest 200 suspensions, newest first, each with its hooks' deliveries (the page and the API).
    func suspensionsWithHooks() async throws -> [(suspension: Suspension, hooks: [OutboxEntry])] {
        var listed: [(suspension: Suspension, hooks: [OutboxEntry])] = []
        for suspension in try await store.suspensions(includeHistory: true).suffix(200).reversed() {
            listed.append((suspension, try await store.deliveries(ofSuspension: suspension.id)))
        }
        return listed
    }

    func suspensions(error: String?, account: String = "", _ signed: Signed) async throws -> Response {
        var header = try await header("Suspensions", signed)
        header.onSuspensions = true
        let listed = try await suspensionsWithHooks()
        let mayTriage = signed.user.role.mayTriage
        let rows = listed.map { suspension, deliveries in
            let hooks = deliveries.map {
                HookRow(
                    hook: $0.hook, event: $0.eventType, outcome: ConsolePages.hookOutcome($0),
                    output: $0.lastOutput ?? $0.lastError)
            }
            return SuspensionRow(
                id: suspension.id, account: suspension.account, state: suspension.state, reason: suspension.reason,
                actor: suspension.actor, since: ConsolePages.time(suspension.since),
                until: suspension.until.map(ConsolePages.time),
                lifted: suspension.liftedAt.map {
                    "\(ConsolePages.time($0)) by \(suspension.liftedBy ?? "?")"
                        + (suspension.liftComment.map { ": \($0)" } ?? "")
                },
                alerts: suspension.alertIDs, hooks: hooks, hasHooks: !hooks.isEmpty, active: suspension.isActive,
                mayTriage: mayTriage, csrf: signed.csrf)
        }
        let current = rows.filter(\.active)
        let past = rows.filter { !$0.active }
        let page = SuspensionsPage(
            header: header, error: error, current: current, hasCurrent: !current.isEmpty, past: past,
            hasPast: !past.isEmpty, mayTriage: mayTriage, csrf: signed.csrf, account: account)
        return Response.page(pages.render(page, "suspensions"), status: error == nil ? .ok : .badRequest)
    }

    /// `action=suspend` (account, reason, optional hours) or `action=unsuspend` (account, reason).
    func changeSuspension(_ request: Request, _ signed: Signed) async throws -> Response {
        let form = try await Self.form(request)
        if let refusal = refusal(request, form: form, signed: signed) { return refusal }
        let account = (form["account"] ?? "").trimmingCharacters(in: .whitespaces)
        let outcome: Result<Suspension, TriageRefusal>
        switch form["action"] ?? "" {
        case "suspend":
            outcome = try await suspend(account, reason: form["reason"], hours: form["hours"], signed)
        case "unsuspend":
            outcome = try await unsuspend(account, reason: form["reason"], signed)
        default:
            return Response.page("unknown action", status: .badRequest)
        }
        switch outcome {
        case .success: return Response.redirect(to: "/console/suspensions")
        case .failure(let refusal) where refusal.status == .forbidden:
            return Response.page(refusal.message, status: .forbidden)
        case .failure(let refusal): return try await suspensions(error: refusal.message, account: account, signed)
        }
    }

    /// Suspends `account` for `signed`, through the action layer (its hooks run now); an account
    /// already suspended keeps its suspension.
    func suspend(_ account: String, reason: String?, hours: String?, _ signed: Signed) async throws
        -> Result<Suspension, TriageRefusal>
    {
        let given: String
        switch Self.suspensionChange(account, reason: reason, by: signed, "suspend accounts") {
        case .success(let reason): given = reason
        case .failure(let refusal): return .failure(refusal)
        }
        let hours = (hours ?? "").trimmingCharacters(in: .whitespaces)
        var until: Date?
        if !hours.isEmpty {
            guard let count = Double(hours), count > 0 else {
                return .failure(
                    TriageRefusal(message: "\(hours) is no number of hours (leave it empty: until lifted)."))
            }
            until = Date().addingTimeInterval(count * 3600)
        }
        switch try await store.suspend(account: account, reason: given, until: until, actor: signed.user.name) {
        case .suspended(let suspension), .alreadySuspended(let suspension): return .success(suspension)
        }
    }

    /// Lifts `account`'s suspension for `signed`, through the action layer (its hooks run now).
    func unsuspend(_ account: String, reason: String?, _ signed: Signed) async throws
        -> Result<Suspension, TriageRefusal>
    {
        let given: String
        switch Self.suspensionChange(account, reason: reason, by: signed, "lift suspensions") {
        case .success(let reason): given = reason
        case .failure(let refusal): return .failure(refusal)
        }
        guard
            let lifted = try await store.unsuspend(account: account, comment: given, actor: signed.user.name)
        else { return .failure(TriageRefusal(message: "\(account) is not suspended.", status: .notFound)) }
        return .success(lifted)
    }

    /// The reason of a suspension or its lifting, when `signed` may make it and gave an account and a reason.
    private static func suspensionChange(_ account: String, reason: String?, by signed: Signed, _ what: String)
        -> Result<String, TriageRefusal>
    {
        guard signed.user.role.mayTriage else { return .failure(.forbidden(signed.user.role, what)) }
        let reason = (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !account.isEmpty else { return .failure(TriageRefusal(message: "Which account?")) }
        guard !reason.isEmpty else {
            return .failure(TriageRefusal(message: "A suspension or its lifting needs a reason."))
        }
        return .success(reason)
    }
}
