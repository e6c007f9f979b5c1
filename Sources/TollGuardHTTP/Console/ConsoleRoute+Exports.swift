import Foundation
import Hummingbird
import TollGuardCore

/// What a journal address asks for: `/console/journal?actor=rob&action=alert.`.
struct JournalQuery: Sendable {
    var actor: String?
    var action: String?

    init(_ parameters: Hummingbird.Parameters) {
        func field(_ name: String) -> String? {
            parameters[Substring(name)].map(String.init).flatMap {
                $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0
            }
        }
        actor = field("actor")
        action = field("action")
    }

    /// The query string (`actor=rob&action=alert.`).
    var queryString: String {
        var components = URLComponents()
        components.queryItems =
            [
                actor.map { URLQueryItem(name: "actor", value: $0) },
                action.map { URLQueryItem(name: "action", value: $0) },
            ]
            .compactMap { $0 }
        return components.percentEncodedQuery ?? ""
    }
}

/// The journal page, and every list's CSV export exactly as its page filters it (each export
/// journaled).
extension ConsoleRoute {
    func journal(_ query: JournalQuery, _ signed: Signed) async throws -> Response {
        var header = try await header("Journal", signed)
        header.onJournal = true
        let entries = try await store.journal(
            subjectType: nil, subject: nil, actor: query.actor, actionPrefix: query.action, limit: 500)
        let page = ConsolePages.JournalPage(
            header: header, entries: entries.map(ConsolePages.journalRow), actor: query.actor ?? "",
            action: query.action ?? "", csvLink: "/console/journal.csv?" + query.queryString)
        return Response.page(pages.render(page, "journal"), status: .ok)
    }

    func addExports(to router: Router<BasicRequestContext>) {
        router.get("console/journal.csv") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            let query = JournalQuery(request.uri.queryParameters)
            let entries = try await store.journal(
                subjectType: nil, subject: nil, actor: query.actor, actionPrefix: query.action, limit: 100_000)
            return try await export(
                "journal", query: query.queryString, signed,
                header: ["at_utc", "actor", "action", "subject_type", "subject", "before", "after", "note"],
                rows: entries.map {
                    [
                        StoredTime.text($0.at), $0.actor, $0.action, $0.subjectType ?? "", $0.subject ?? "",
                        $0.before ?? "", $0.after ?? "", $0.note ?? "",
                    ]
                })
        }
        router.get("console/accounts.csv") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            let date = request.uri.queryParameters["date"].map(String.init)
            guard let day = day(date) else {
                return Response.page("date \(date ?? ""): use YYYY-MM-DD", status: .badRequest)
            }
            let currency = settings.currency
            return try await export(
                "accounts", query: "date=\(day.text)", signed,
                header: ["date", "account", "calls", "spent", "daily_quota", "quota_from", "currency"],
                rows: try await accountDays(day).map {
                    [
                        day.text, $0.account, String($0.calls), Money.format($0.spentMicros, decimals: 2),
                        $0.quotaMicros.map { Money.format($0, decimals: 2) } ?? "",
                        $0.quotaMicros == nil ? "" : $0.quotaConfigured ? "configuration" : "quota table", currency,
                    ]
                })
        }
        router.get("console/suspensions.csv") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            let suspensions = try await store.suspensions(includeHistory: true)
            return try await export(
                "suspensions", query: "", signed,
                header: [
                    "id", "account", "state", "reason", "by", "since_utc", "until_utc", "lifted_utc", "lifted_by",
                    "lift_comment", "alerts",
                ],
                rows: suspensions.reversed().map {
                    [
                        String($0.id), $0.account, $0.state, $0.reason, $0.actor, StoredTime.text($0.since),
                        $0.until.map(StoredTime.text) ?? "", $0.liftedAt.map(StoredTime.text) ?? "",
                        $0.liftedBy ?? "", $0.liftComment ?? "", $0.alertIDs.map(String.init).joined(separator: " "),
                    ]
                })
        }
        router.get("console/attackers.csv") { request, _ in
            guard let signed = try await signedIn(request) else { return Response.redirect(to: "/console/login") }
            let matching = request.uri.queryParameters["address"].map(String.init)
            let attackers = try await sipAttackers(matching: matching, limit: 100_000)
            return try await export(
                "attackers", query: matching.map { "address=\($0)" } ?? "", signed,
                header: [
                    "address", "rules", "attempts", "alerts", "open_alerts", "severity", "first_seen_utc",
                    "last_seen_utc", "bans",
                ],
                rows: attackers.map { attacker, bans in
                    [
                        attacker.address, attacker.rules.joined(separator: " "), String(attacker.attempts),
                        String(attacker.alerts), String(attacker.openAlerts), attacker.highest.name,
                        StoredTime.text(attacker.firstSeen), StoredTime.text(attacker.lastSeen), String(bans),
                    ]
                })
        }
    }

    /// `rows` under `header` as a CSV download (`tollguard-<fileName>.csv`), journaled as
    /// `export.<list>` of `subjectType` (default: the list) and the filter `query`, with how many
    /// rows there were (`3 rows`, or `3 <counting>`).
    func export(
        _ list: String, subjectType: String? = nil, query: String, _ signed: Signed, fileName: String? = nil,
        counting counted: String = "rows", header: [String], rows: [[String]]
    ) async throws -> Response {
        let actor = signed.user.name
        try await store.record(
            JournalEntry(
                at: Date(), actor: actor, action: "export.\(list)", subjectType: subjectType ?? list, subject: query,
                after: "\(rows.count) \(counted)"))
        var response = Response.page(([header] + rows).map(ConsoleCSV.row).joined(), status: .ok)
        response.headers[.contentType] = "text/csv; charset=utf-8"
        response.headers[.contentDisposition] = "attachment; filename=\"tollguard-\(fileName ?? list).csv\""
        return response
    }
}
