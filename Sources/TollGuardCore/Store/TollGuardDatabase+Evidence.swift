import Foundation
import GRDB

/// Linking alert evidence to the stored calls.
///
/// `serve` stores an alert as soon as its finding comes out of the engine, before the calls
/// behind it are stored (they follow in the next micro-batch, or end minutes later): its evidence
/// rows wait, unlinked, with the cost the call had when it was seen. Once a call is stored, its
/// waiting evidence rows take its row and its cost, and their alerts' totals and summaries follow.
extension TollGuardDatabase {
    /// A call as evidence names it: its dedup key and start.
    package struct CallReference: Sendable, Hashable {
        /// The stored call's dedup key.
        package var key: String
        package var start: Date
        /// The key its evidence was kept under, when the engine knew the call otherwise: an
        /// Asterisk call's live Uniqueid, stored as `uniqueid/sequence`.
        package var evidenceKey: String

        package init(key: String, start: Date, evidenceKey: String? = nil) {
            self.key = key
            self.start = start
            self.evidenceKey = evidenceKey ?? key
        }
    }

    /// Links the evidence rows waiting for `calls` to those of them that are stored, takes their
    /// cost and brings the alerts concerned up to date; the ids of the alerts changed.
    @discardableResult
    package func linkEvidence(toCalls calls: [CallReference], summarizer: AlertSummarizer) async throws -> [Int64] {
        guard !calls.isEmpty else { return [] }
        return try await writer.write { db in
            var costChanges: [Int64: Int64] = [:]
            let waiting = try db.cachedStatement(
                sql: "SELECT alert_id, cost_micros FROM alert_calls WHERE call_key = ? AND call_row_id IS NULL")
            for call in Set(calls) {
                let rows = try Row.fetchAll(waiting, arguments: [call.evidenceKey])
                guard !rows.isEmpty, let stored = try Self.storedCall(call, db) else { continue }
                for row in rows {
                    let alertID: Int64 = row[0]
                    let old: Int64 = row[1]
                    let cost = stored.costMicros ?? old
                    try db.execute(
                        sql:
                            "UPDATE alert_calls SET call_row_id = ?, cost_micros = ? WHERE alert_id = ? AND call_key = ?",
                        arguments: [stored.id, cost, alertID, call.evidenceKey])
                    costChanges[alertID, default: 0] += cost - old
                }
            }
            for (alertID, change) in costChanges {
                try Self.retotal(alertID: alertID, costChange: change, summarizer: summarizer, db)
            }
            return costChanges.keys.sorted()
        }
    }

    /// The row id and cost of the stored call `call`, looked up as the insert stores it: under
    /// its day's key hash (or a neighbouring day's), else among the calls whose hash collided.
    private static func storedCall(_ call: CallReference, _ db: Database) throws -> (id: Int64, costMicros: Int64?)? {
        let slots = CallKeyHash.slots(key: call.key, startedAt: Int64(call.start.timeIntervalSince1970.rounded(.down)))
        let byHash = try db.cachedStatement(
            sql: "SELECT id, cost_micros FROM calls WHERE key_hash = ? AND dedup_key = ?")
        for hash in [slots.own, slots.earlierDay, slots.laterDay].compactMap({ $0 }) {
            if let row = try Row.fetchOne(byHash, arguments: [hash, call.key]) { return (row[0], row[1]) }
        }
        let colliding = try db.cachedStatement(
            sql: "SELECT id, cost_micros FROM calls WHERE key_hash IS NULL AND dedup_key = ?")
        return try Row.fetchOne(colliding, arguments: [call.key]).map { ($0[0], $0[1]) }
    }

    /// Adds `costChange` to alert `alertID`'s cost and writes its summary again.
    static func retotal(alertID: Int64, costChange: Int64, summarizer: AlertSummarizer, _ db: Database) throws {
        guard costChange != 0, let alert = try StoredAlert.fetchOne(db, key: alertID) else { return }
        let costMicros = max(0, alert.costMicros + costChange)
        let regions = try EvidenceCallRow.regions(ofAlert: alertID).fetchAll(db)
        let summary = summarizer.summary(
            subject: alert.subject, headline: alert.headline, callCount: alert.callCount, regions: regions,
            costMicros: costMicros, firstSeen: alert.firstSeen, lastSeen: alert.lastSeen)
        typealias Columns = StoredAlert.Columns
        try StoredAlert.filter(Columns.id == alertID).updateAll(
            db, Columns.costMicros.set(to: costMicros), Columns.summary.set(to: summary))
    }
}
