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

    /// The SIP watcher's addresses (those containing `matching`), each with how often the ban
    /// log (`sip_watch.ban_log`) banned it: the page, its CSV and the API all read them here.
    func sipAttackers(matching: String?, limit: Int = 500) async throws -> [(attacker: SIPAttacker, bans: Int)] {
        let matching = matching?.trimmingCharacters(in: .whitespaces)
        let attackers = try await database.inThreadPool { try $0.sipAttackers(matching: matching, limit: limit) }
        let banLog = settings.banLog()
        let bans = banLog.isEmpty ? [:] : BanLog(path: banLog).banCounts()
        return attackers.map { ($0, bans[BanLog.canonicalAddress($0.address) ?? $0.address] ?? 0) }
    }

    func attackers(_ address: String?, _ signed: Signed) async throws -> Response {
        var header = try await header("SIP attackers", signed)
        header.onAttackers = true
        let matching = address?.trimmingCharacters(in: .whitespaces)
        let banLog = settings.banLog()
        let rows = try await sipAttackers(matching: matching).map { attacker, banned in
            AttackerRow(
                address: attacker.address, rules: attacker.rules.joined(separator: ", "), alerts: attacker.alerts,
                attempts: attacker.attempts, severity: attacker.highest.name,
                firstSeen: ConsolePages.time(attacker.firstSeen), lastSeen: ConsolePages.time(attacker.lastSeen),
                openAlerts: attacker.openAlerts, bans: banned, banned: banned > 0,
                lines: attacker.lines.map { "\($0.file):\($0.line): \($0.text)" },
                queueLink: "/console?"
                    + QueueQuery(tab: .open, filter: ReviewFilter(subject: attacker.address)).queryString)
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
