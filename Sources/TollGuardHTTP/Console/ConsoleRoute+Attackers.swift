import Foundation
import Hummingbird
import TollGuardCore

/// The SIP attackers page: every address the SIP attack watcher raised alerts on, with its
/// counts, whether the ban log banned it, and the log lines behind it (attacker text, escaped).
extension ConsoleRoute {
    struct AttackerRow {
        var address: String
        var rules: String
        var alerts: Int
        var attempts: Int
        var severity: String
        var firstSeen: String
        var lastSeen: String
        var openAlerts: Int
        var bans: Int
        var banned: Bool
        var lines: [String]
        /// The queue filtered to this address.
        var queueLink: String
    }

    struct AttackersPage {
        var header: PageHeader
        var address: String
        var rows: [AttackerRow]
        var hasRows: Bool
        var banLog: String?
        var csvLink: String
    }

    func attackers(_ address: String?, _ signed: Signed) async throws -> Response {
        var header = try await header("SIP attackers", signed)
        header.onAttackers = true
        let matching = address?.trimmingCharacters(in: .whitespaces)
        let attackers = try await database.inThreadPool { try $0.sipAttackers(matching: matching) }
        let banLog = settings.banLog()
        let bans = banLog.isEmpty ? [:] : BanLog(path: banLog).banCounts()
        let rows = attackers.map { attacker in
            var query = URLComponents()
            query.queryItems = [
                URLQueryItem(name: "tab", value: "open"), URLQueryItem(name: "subject", value: attacker.address),
            ]
            let banned = bans[BanLog.canonicalAddress(attacker.address) ?? attacker.address] ?? 0
            return AttackerRow(
                address: attacker.address, rules: attacker.rules.joined(separator: ", "), alerts: attacker.alerts,
                attempts: attacker.attempts, severity: attacker.highest.name,
                firstSeen: ConsolePages.time(attacker.firstSeen), lastSeen: ConsolePages.time(attacker.lastSeen),
                openAlerts: attacker.openAlerts, bans: banned, banned: banned > 0,
                lines: attacker.lines.map { "\($0.file):\($0.line): \($0.text)" },
                queueLink: "/console?" + (query.percentEncodedQuery ?? ""))
        }
        let page = AttackersPage(
            header: header, address: matching ?? "", rows: rows, hasRows: !rows.isEmpty,
            banLog: banLog.isEmpty ? nil : banLog,
            csvLink: "/console/attackers.csv"
                + (matching.flatMap { $0.isEmpty ? nil : $0 }.map {
                    "?address=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                } ?? ""))
        return Response.page(pages.render(page, "attackers"), status: .ok)
    }
}
