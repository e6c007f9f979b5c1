import Foundation
import TollGuardCore

/// The console's exports, as CSV a spreadsheet opens safely.
///
/// Subjects, headlines and names may be attacker-controlled: a field a spreadsheet would read as a
/// formula (starting `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`.
enum ConsoleCSV {
    /// The queue's columns.
    static let queueHeader = [
        "id", "severity", "rule", "subject_type", "subject", "headline", "state", "assignee", "first_seen_utc",
        "last_seen_utc", "calls", "cost", "day_spend", "daily_quota", "currency", "snoozed",
    ]

    /// One queue entry's fields, under ``queueHeader``.
    static func queueFields(_ entry: ReviewQueueEntry, currency: String) -> [String] {
        let alert = entry.alert
        return [
            String(alert.id), alert.severity.name, alert.rule, alert.subject.kind.rawValue, alert.subject.value,
            alert.headline, alert.state.rawValue, alert.assignee ?? "", StoredTime.text(alert.firstSeen),
            StoredTime.text(alert.lastSeen), String(alert.callCount), Money.format(alert.costMicros, decimals: 2),
            entry.daySpendMicros.map { Money.format($0, decimals: 2) } ?? "",
            entry.quotaMicros.map { Money.format($0, decimals: 2) } ?? "", currency, alert.snooze?.description ?? "",
        ]
    }

    /// One CSV record (RFC 4180), CRLF-terminated.
    static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
