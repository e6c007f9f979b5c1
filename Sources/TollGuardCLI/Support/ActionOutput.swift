import Foundation
import TollGuardCore
import TollGuardHooks

// How commands print alerts, suspensions and what the action layer did: shared by every
// command that shows them, so none calls another command's code.

extension TextTable {
    /// Alerts as `alerts list` shows them.
    ///
    /// With `zone`, the local day each was last seen; with `width`, summaries are cut (`…`) so each row fits
    /// (`alerts show` has them whole).
    static func alerts(_ alerts: [StoredAlert], zone: TimeZone? = nil, width: Int? = nil) -> TextTable {
        let time = zone.map { LocalTimeFormatter(timeZone: $0) }
        var table =
            time == nil
            ? TextTable("ID", "SEVERITY", "STATE", "RULE", "SUBJECT", "SUMMARY")
            : TextTable("ID", "SEVERITY", "STATE", "DAY", "RULE", "SUBJECT", "SUMMARY")
        var rows: [[String]] = []
        for alert in alerts {
            var row = [String(alert.id), alert.severity.name, alert.state.rawValue]
            if let time { row.append(time.day(alert.lastSeen)) }
            row += [alert.rule, "\(alert.subject.kind.rawValue) \(alert.subject.value)", alert.summary]
            rows.append(row.map(TextTable.printable))
        }
        if let width, let first = rows.first {
            // Two spaces between columns; the summary takes what the others leave (at least 20).
            let widths = (0..<first.count - 1).map { column in
                max(table.headerWidth(column), rows.map { $0[column].count }.max() ?? 0)
            }
            let room = max(20, width - widths.reduce(0, +) - 2 * widths.count)
            for index in rows.indices where rows[index][first.count - 1].count > room {
                rows[index][first.count - 1] = rows[index][first.count - 1].prefix(room - 1) + "…"
            }
        }
        for row in rows { table.append(row) }
        return table
    }

    /// Suspensions as `suspensions` shows them.
    static func suspensions(_ suspensions: [Suspension], zone: TimeZone) -> TextTable {
        let time = LocalTimeFormatter(timeZone: zone)
        var table = TextTable("ID", "ACCOUNT", "STATE", "SINCE", "UNTIL", "BY", "ALERTS", "REASON")
        for suspension in suspensions {
            var state = suspension.state
            if let lifted = suspension.liftedAt { state += " \(time.minutes(lifted)) by \(suspension.liftedBy ?? "?")" }
            table.append([
                String(suspension.id), suspension.account, state, time.minutes(suspension.since),
                suspension.until.map(time.minutes) ?? "-", suspension.actor,
                Output.ids(suspension.alertIDs), suspension.reason,
            ])
        }
        return table
    }
}

/// Sentences the commands share.
enum Output {
    /// `3, 7, 12 (+4 more)`: at most eight ids.
    static func ids(_ ids: [Int64]) -> String {
        let shown = ids.prefix(8).map(String.init).joined(separator: ", ")
        return ids.count > 8 ? shown + " (+\(ids.count - 8) more)" : shown
    }

    /// ` (2 critical, 5 high)`, or nothing when there are none.
    static func bySeverity(_ counts: [Severity: Int]) -> String {
        let parts = Severity.allCases.reversed().compactMap { severity in
            counts[severity].map { "\($0) \(severity.name)" }
        }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
    }

    /// Fails (exit 1) when a delivery of this pass did not go through.
    ///
    /// For `suspend` and `unsuspend`, the hook is what blocks or frees the account on the PBX.
    static func requireDelivered(_ pass: DeliveryPass, what: String) throws {
        let undelivered = pass.attempts.filter { $0.result.outcome != .delivered }
        guard !undelivered.isEmpty else { return }
        let reasons = undelivered.map { attempt in
            let result = attempt.result
            let detail = result.error ?? result.status.map { "exit/status \($0)" } ?? result.outcome.rawValue
            let output = result.output.isEmpty ? "" : ": " + result.output.prefix(200)
            return "hook \(attempt.delivery.hook) \(result.outcome.rawValue) (\(detail))\(output)"
        }
        throw CommandFailure(
            TextTable.printable(
                "\(what) is recorded, but the PBX may not have done it: " + reasons.joined(separator: "; ")
                    + (pass.retrying > 0 ? " (retried by serve or `tollguard hooks deliver`)" : "")))
    }

    /// `hooks: 3 delivered, 1 to retry (tollguard hooks status)`; nil when nothing was attempted.
    static func deliveries(_ pass: DeliveryPass) -> String? {
        guard !pass.attempts.isEmpty || !pass.stillDue.isEmpty else { return nil }
        var parts = ["\(pass.delivered) delivered"]
        if pass.retrying > 0 { parts.append("\(pass.retrying) to retry") }
        if pass.failed > 0 { parts.append("\(pass.failed) failed") }
        if !pass.stillDue.isEmpty {
            let hooks = pass.stillDue.map { "\(TextTable.printable($0.hook)) \($0.deliveries)" }.joined(separator: ", ")
            parts.append("still pending after the wait: \(hooks) (serve or `tollguard hooks deliver` delivers them)")
        }
        return "hooks: " + parts.joined(separator: ", ")
            + (pass.delivered == pass.attempts.count ? "" : " (tollguard hooks status)")
    }

    /// Suspensions made, would-be suspensions (report-only), expiries and the hook deliveries of a round.
    static func printActions(_ round: ActionRound, zone: TimeZone) {
        let actions = round.actions
        if !actions.suspended.isEmpty {
            print("\nsuspended by the policy:")
            print(TextTable.suspensions(actions.suspended, zone: zone).render())
        }
        if !actions.wouldSuspend.isEmpty {
            print("\nwould suspend (suspension.mode = report-only; nothing suspended):")
            print(TextTable.suspensions(actions.wouldSuspend, zone: zone).render())
        }
        printExpired(round.expired)
        if actions.joinedExisting > 0 {
            print(
                "\(Plural.of(actions.joinedExisting, "alert")) added to suspensions already in force (no hook runs twice)"
            )
        }
        if let line = deliveries(round.delivery) { print(line) }
    }

    /// One line per suspension that expired and was lifted.
    static func printExpired(_ expired: [Suspension]) {
        for suspension in expired {
            print(TextTable.printable("suspension \(suspension.id) of \(suspension.account) expired; lifted"))
        }
    }
}
