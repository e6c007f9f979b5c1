import Foundation

/// `reports/NAME-alerts.csv`: one row per alert, for spreadsheets and ticket systems.
///
/// Every cell is quoted, and a cell a spreadsheet would run as a formula — one starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return, as a dialled `+37190…` or a hostile caller
/// name does, also after a `;` where a spreadsheet splits — is prefixed with `'` (OWASP's
/// CSV-injection advice).
package enum AlertsCSV {
    package static let header = [
        "id", "severity", "rule", "subject_type", "subject", "state", "first_seen", "last_seen", "calls", "spend",
        "summary", "evidence_numbers",
    ]

    package static func render(_ report: PeriodReport) -> String {
        var lines = [header.joined(separator: ",")]
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

    /// One cell, neutralized and quoted.
    ///
    /// Every cell is quoted: a spreadsheet that splits on `;` (or a tab) rather than `,` still
    /// keeps it one cell, and a cell that starts with a formula character — after the quote, or
    /// after a `;` or tab such a spreadsheet would split at — is prefixed with `'`.
    package static func cell(_ text: String) -> String {
        var value = text
        if let first = value.unicodeScalars.first, formulaStarts.contains(first) {
            value = "'" + value
        }
        if value.unicodeScalars.contains(where: { $0 == ";" || $0 == "\t" }) {
            // What follows a separator another locale splits at must not start a formula either.
            var neutral = String.UnicodeScalarView()
            var afterSeparator = false
            for scalar in value.unicodeScalars {
                if afterSeparator, formulaStarts.contains(scalar) { neutral.append("'") }
                neutral.append(scalar)
                afterSeparator = scalar == ";" || scalar == "\t"
            }
            value = String(neutral)
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]
}
