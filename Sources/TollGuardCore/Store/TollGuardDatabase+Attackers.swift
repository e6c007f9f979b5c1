import Foundation
import GRDB

/// An address the SIP attack watcher raised alerts on, over all its alerts.
package struct SIPAttacker: Sendable, Hashable {
    package var address: String
    /// The watcher's rules it tripped, by name.
    package var rules: [String]
    package var alerts: Int
    /// The attack lines counted against it, over its alerts.
    package var attempts: Int
    package var highest: Severity
    package var firstSeen: Date
    package var lastSeen: Date
    /// Alerts of it still open or acknowledged.
    package var openAlerts: Int
    /// Its latest log lines, newest first.
    package var lines: [EvidenceLogLine]
}

extension TollGuardDatabase {
    /// The addresses the SIP attack watcher raised alerts on (those whose address contains
    /// `matching`, when given), the latest first, each with its `linesEach` latest log lines.
    package func sipAttackers(matching: String? = nil, limit: Int = 500, linesEach: Int = 3) throws -> [SIPAttacker] {
        try writer.read { db in
            var sql = """
                SELECT subject, group_concat(DISTINCT rule) AS rules, count(*) AS alerts, sum(call_count) AS attempts,
                       max(severity_rank) AS highest, min(first_seen_utc) AS first_seen,
                       max(last_seen_utc) AS last_seen,
                       sum(state IN ('open', 'acknowledged')) AS open_alerts
                FROM alerts WHERE subject_type = 'ip' AND rule LIKE 'sip\\_%' ESCAPE '\\'
                """
            var arguments: StatementArguments = []
            if let matching, !matching.isEmpty {
                sql += " AND instr(lower(subject), lower(?)) > 0"
                arguments += [matching]
            }
            sql += " GROUP BY subject ORDER BY max(last_seen_utc) DESC, subject LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let stored = StoredRow(row, table: "alerts", key: "subject")
                let address: String = try stored("subject")
                let lines = try EvidenceLogLineRow.fetchAll(
                    db,
                    sql: """
                        SELECT l.* FROM alert_log_lines l JOIN alerts a ON a.id = l.alert_id
                        WHERE a.subject_type = 'ip' AND a.subject = ?
                        ORDER BY l.at_utc DESC, l.line DESC LIMIT ?
                        """, arguments: [address, linesEach]
                ).map(\.line)
                let rank: Int = try stored("highest")
                return SIPAttacker(
                    address: address,
                    rules: ((try stored.optional("rules") as String?) ?? "")
                        .split(separator: ",").map(String.init).sorted(),
                    alerts: try stored("alerts"), attempts: try stored.optional("attempts") ?? 0,
                    highest: Severity(rawValue: rank) ?? .info, firstSeen: try stored.date("first_seen"),
                    lastSeen: try stored.date("last_seen"), openAlerts: try stored("open_alerts"), lines: lines)
            }
        }
    }
}
