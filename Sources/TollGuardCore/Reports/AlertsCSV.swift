import Foundation

/// `reports/NAME-alerts.csv`: one row per alert, for spreadsheets and ticket systems.
///
/// Cells are quoted when they need it, and a cell a spreadsheet would run as a formula —
/// one starting with `=`, `+`, `-`, `@`, a tab or a carriage return, as a dialled `+37190…`
/// or a hostile caller name does — is prefixed with `'` (OWASP's CSV-injection advice).
package enum AlertsCSV {
    package static let header = [
        "id", "severity", "rule", "subject_type", "subject", "state", "first_seen", "last_seen", "calls", "spend",
        "summary", "evidence_numbers",
    ]

    package static func render(_ report: PeriodReport) -> String {
        var lines = [header.map(cell).joined(separator: ",")]
        for alert in report.alerts {
            let numbers = alert.evidence.map(\.dialed).reduce(into: [String]()) {
                if !$0.contains($1) { $0.append($1) }
            }
            lines.append(
                [
                    String(alert.id), alert.severity, alert.rule, alert.subjectType, alert.subject, alert.state,
                    alert.firstSeen, alert.lastSeen, String(alert.calls), Money.format(alert.spendMicros, decimals: 2),
                    alert.summary, numbers.joined(separator: " "),
                ].map(cell).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// One cell, neutralized and quoted as needed.
    package static func cell(_ text: String) -> String {
        var value = text
        if let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
