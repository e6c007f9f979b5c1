import Foundation
import GRDB

/// Migration `v9-evidence-links`: evidence rows `serve` wrote before their calls were stored
/// (until this version they stayed unlinked, at the cost the call had while it was up) take the
/// stored call's row and cost, and their alerts' cost and summary money follow.
///
/// Frozen with the migration: the calls are found under ``KeyHashV8`` values.
enum EvidenceLinkRepairV9 {
    static func run(_ db: Database) throws {
        let rows = try Row.fetchAll(
            db, sql: "SELECT alert_id, call_key, at_utc, cost_micros FROM alert_calls WHERE call_row_id IS NULL")
        var costChanges: [Int64: Int64] = [:]
        for row in rows {
            let alertID: Int64 = row["alert_id"]
            let key: String = row["call_key"]
            let old: Int64 = row["cost_micros"]
            guard let start = StoredTime.date(row["at_utc"]), let call = try storedCall(key: key, start: start, db)
            else { continue }
            let cost = call.costMicros ?? old
            try db.execute(
                sql: "UPDATE alert_calls SET call_row_id = ?, cost_micros = ? WHERE alert_id = ? AND call_key = ?",
                arguments: [call.id, cost, alertID, key])
            costChanges[alertID, default: 0] += cost - old
        }
        let currency = try String.fetchOne(db, sql: "SELECT currency FROM rate_deck LIMIT 1") ?? "USD"
        let money = AlertSummarizer(timeZone: .gmt, currency: currency, countryNames: [:])
        for (alertID, change) in costChanges where change != 0 {
            guard
                let alert = try Row.fetchOne(
                    db, sql: "SELECT cost_micros, summary FROM alerts WHERE id = ?", arguments: [alertID])
            else { continue }
            let old: Int64 = alert["cost_micros"]
            let new = max(0, old + change)
            let summary = summary(alert["summary"], from: old, to: new, money: money)
            try db.execute(
                sql: "UPDATE alerts SET cost_micros = ?, summary = ? WHERE id = ?", arguments: [new, summary, alertID])
        }
    }

    /// `summary` with its closing amount moved from `old` to `new` (the summarizer writes the
    /// amount last, and none when it is zero).
    static func summary(_ summary: String, from old: Int64, to new: Int64, money: AlertSummarizer) -> String {
        let oldAmount = Money.format(old, decimals: 2)
        guard new > 0 else { return summary }
        if old > 0, summary.hasSuffix(oldAmount) {
            return summary.dropLast(oldAmount.count) + Money.format(new, decimals: 2)
        }
        return old == 0 ? summary + ", " + money.money(new) : summary
    }

    private static func storedCall(key: String, start: Date, _ db: Database) throws -> (
        id: Int64, costMicros: Int64?
    )? {
        for shift in [0.0, -86_400, 86_400] {
            guard let hash = KeyHashV8.value(dedupKey: key, startUTC: StoredTime.text(start.addingTimeInterval(shift)))
            else { continue }
            if let row = try Row.fetchOne(
                db, sql: "SELECT id, cost_micros FROM calls WHERE key_hash = ? AND dedup_key = ?",
                arguments: [hash, key])
            {
                return (row[0], row[1])
            }
        }
        return try Row.fetchOne(
            db, sql: "SELECT id, cost_micros FROM calls WHERE key_hash IS NULL AND dedup_key = ?", arguments: [key]
        ).map { ($0[0], $0[1]) }
    }
}
