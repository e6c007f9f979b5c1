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

    func suspensions(error: String?, account: String = "", _ signed: Signed) async throws -> Response {
        var header = try await header("Suspensions", signed)
        header.onSuspensions = true
        let listed = try await database.inThreadPool { database in
            try database.suspensions(includeHistory: true).suffix(200).reversed().map { suspension in
                (suspension, try database.deliveries(ofSuspension: suspension.id))
            }
        }
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
        guard signed.user.role.mayTriage else { return Self.forbidden(signed.user.role, "suspend accounts") }
        let account = (form["account"] ?? "").trimmingCharacters(in: .whitespaces)
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !account.isEmpty else {
            return try await suspensions(error: "Which account?", signed)
        }
        guard !reason.isEmpty else {
            return try await suspensions(error: "A suspension or its lifting needs a reason.", account: account, signed)
        }
        switch form["action"] ?? "" {
        case "suspend":
            let hours = (form["hours"] ?? "").trimmingCharacters(in: .whitespaces)
            var until: Date?
            if !hours.isEmpty {
                guard let count = Double(hours), count > 0 else {
                    return try await suspensions(
                        error: "\(hours) is no number of hours (leave it empty: until lifted).", account: account,
                        signed)
                }
                until = Date().addingTimeInterval(count * 3600)
            }
            _ = try await actions.suspend(account: account, reason: reason, until: until, actor: signed.user.name)
        case "unsuspend":
            let (lifted, _) = try await actions.unsuspend(account: account, comment: reason, actor: signed.user.name)
            guard lifted != nil else {
                return try await suspensions(error: "\(account) is not suspended.", signed)
            }
        default:
            return Response.page("unknown action", status: .badRequest)
        }
        return Response.redirect(to: "/console/suspensions")
    }
}
