import Foundation
import GRDB
import TollGuardCore

/// Stores alerts exactly as analysis would (drafts applied to the store), so the action layer
/// can be tested on chosen rules, severities and subjects.
package enum AlertSeeds {
    package static let start = Date(timeIntervalSince1970: 1_795_000_000)

    /// Stores one alert with `calls` evidence calls to `number` (one cent each...
    ///
    /// or `cost`), the first linked to the stored calls `callRowIDs`; returns its id.
    @discardableResult
    package static func store(
        _ database: TollGuardDatabase, rule: AnalysisRule, severity: Severity, subject: Subject,
        at time: Date = start, calls: Int = 2, number: String = "+37190000001", region: String = "LV",
        costMicros: Int64 = 1_500_000, now: Date = start, callRowIDs: [Int64] = []
    ) throws -> Int64? {
        let evidence = (0..<calls).map { index in
            EvidenceCall(
                key: "\(subject.value)-\(rule.rawValue)-\(time.timeIntervalSince1970)-\(index)",
                rowID: index < callRowIDs.count ? callRowIDs[index] : nil,
                time: time.addingTimeInterval(Double(index)), number: number, region: region, costMicros: costMicros)
        }
        var aggregator = AlertAggregator(evidenceLimit: 100)
        aggregator.add(
            Finding(
                rule: rule, severity: severity, subject: subject, time: time,
                headline: "tripped \(rule.rawValue)", calls: evidence))
        let changes = try database.apply(
            aggregator.drafts, summarizer: AlertSummarizer(timeZone: .gmt, currency: "USD", countryNames: [:]),
            evidenceLimit: 100, raisedBy: "analyze", now: now)
        return changes.newIDs.first
    }

    /// Stores one SIP-watcher alert on `address` with `lines` as its log lines; returns its id.
    @discardableResult
    package static func storeSIPAttack(
        _ database: TollGuardDatabase, address: String, rule: AnalysisRule = .sipAuthFailures, lines: [String],
        at time: Date = start
    ) throws -> Int64? {
        let evidence = lines.enumerated().map { index, text in
            EvidenceLogLine(
                file: "/var/log/asterisk/security", line: index + 1, time: time.addingTimeInterval(Double(index)),
                text: text)
        }
        var aggregator = AlertAggregator(evidenceLimit: 100)
        var finding = Finding(
            rule: rule, severity: .high, subject: Subject(.ip, address), time: time,
            headline: "\(lines.count) failed logins from \(address)", calls: [])
        finding.lines = evidence
        aggregator.add(finding)
        let changes = try database.apply(
            aggregator.drafts, summarizer: AlertSummarizer(timeZone: .gmt, currency: "USD", countryNames: [:]),
            evidenceLimit: 100, raisedBy: "sip-watch", now: time)
        return changes.newIDs.first
    }

    /// Stores one answered call of `account` at `time` that cost `costMicros` (the spend a quota
    /// counts); returns its row id.
    @discardableResult
    package static func storeCall(
        _ database: TollGuardDatabase, key: String, account: String, at time: Date, billsec: Int = 600,
        costMicros: Int64, sourceIP: String? = nil
    ) throws -> Int64 {
        try database.writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO calls (dedup_key, call_id, account, caller_number, caller_name, destination, context,
                        start_utc, end_utc, duration, billsec, disposition, hangup_cause, source_format, cost_micros,
                        source_ip)
                    VALUES (?, ?, ?, ?, '', '37190000001', 'default', ?, ?, ?, ?, 'answered', 'NORMAL_CLEARING',
                        'test', ?, ?)
                    """,
                arguments: [
                    key, key, account, account, StoredTime.text(time), StoredTime.text(time), billsec, billsec,
                    costMicros, sourceIP,
                ])
            return db.lastInsertedRowID
        }
    }

    /// A program hook named `name` subscribed to `events`.
    package static func programHook(
        _ name: String, path: String = "/bin/true", events: [HookEventType] = [.suspend, .unsuspend]
    ) -> HookSettings {
        var hook = HookSettings(name: name, kind: .program)
        hook.path = path
        hook.events = events
        return hook
    }
}
