import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardTestSupport

/// An alert's evidence written before its calls were stored (as `serve` writes it) takes the
/// stored calls' rows and cost, in the live store, through a later `analyze`, and in stores
/// written before this was fixed (migration `v9-evidence-links`).
@Suite struct EvidenceLinkTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)
    static let summarizer = AlertSummarizer(timeZone: .gmt, currency: "USD", countryNames: [:])

    static func call(_ index: Int) -> CallRecord {
        let key = "link-\(index)"
        let started = start.addingTimeInterval(Double(index) * 60)
        return CallRecord(
            dedupKey: key, callID: key, account: "1019", callerNumber: "1019", destination: "01123276566891",
            startedAt: started, answeredAt: started.addingTimeInterval(2), endedAt: started.addingTimeInterval(602),
            duration: 602, billsec: 600, disposition: .answered)
    }

    static func evidence(_ record: CallRecord, costMicros: Int64, rowID: Int64? = nil) -> EvidenceCall {
        EvidenceCall(
            key: record.dedupKey, rowID: rowID, time: record.startedAt, number: "+23276566891", region: "SL",
            costMicros: costMicros)
    }

    /// An alert about account 1019 with `calls` as its evidence, stored as `serve` stores it.
    static func raise(_ calls: [EvidenceCall], in database: TollGuardDatabase, severity: Severity = .high) throws
        -> Int64?
    {
        var aggregator = AlertAggregator(evidenceLimit: 50)
        aggregator.add(
            Finding(
                rule: .concurrentInternational, severity: severity, subject: Subject(.account, "1019"), time: start,
                headline: "had 3 international/premium calls at once (limit 2)", calls: calls))
        return try database.apply(
            aggregator.drafts, summarizer: summarizer, evidenceLimit: 50, raisedBy: "serve", now: start
        ).newIDs.first
    }

    static func priced(_ record: CallRecord, costMicros: Int64) -> (CallRecord, CallDestination?) {
        var price = CallPrice()
        price.costMicros = costMicros
        let classification = NumberClassification(dialed: record.destination, scope: .international)
        return (record, CallDestination(classification: classification, price: price))
    }

    @Test func storingTheCallsLinksTheEvidenceAndMovesTheAlertsMoney() async throws {
        let database = try TollGuardDatabase(writer: DatabaseQueue())
        let records = (0..<3).map(Self.call)
        let id = try #require(try Self.raise(records.map { Self.evidence($0, costMicros: 0) }, in: database))
        #expect(try database.alertCalls(id: id).allSatisfy { $0.account == nil })
        #expect(try database.alert(id: id)?.costMicros == 0)
        #expect(try database.alertHistory(id: id).first?.actor == "serve")

        _ = try await database.store(records.map { Self.priced($0, costMicros: 5_580_000) }, source: "fs-event-socket")
        let changed = try await database.linkEvidence(
            toCalls: records.map { .init(key: $0.dedupKey, start: $0.startedAt) }, summarizer: Self.summarizer)
        #expect(changed == [id])
        let evidence = try database.alertCalls(id: id)
        #expect(evidence.map(\.account) == ["1019", "1019", "1019"])
        #expect(evidence.map(\.billsec) == [600, 600, 600])
        #expect(evidence.map(\.costMicros) == [5_580_000, 5_580_000, 5_580_000])
        let alert = try #require(try database.alert(id: id))
        #expect(alert.costMicros == 16_740_000)
        #expect(alert.summary.hasSuffix(", $16.74"), "\(alert.summary)")

        // Linking again changes nothing.
        let again = try await database.linkEvidence(
            toCalls: records.map { .init(key: $0.dedupKey, start: $0.startedAt) }, summarizer: Self.summarizer)
        #expect(again.isEmpty)
        #expect(try database.alert(id: id)?.costMicros == 16_740_000)
    }

    @Test func aCallNotStoredLeavesItsEvidenceWaiting() async throws {
        let database = try TollGuardDatabase(writer: DatabaseQueue())
        let record = Self.call(0)
        let id = try #require(try Self.raise([Self.evidence(record, costMicros: 1_000)], in: database))
        let changed = try await database.linkEvidence(
            toCalls: [.init(key: record.dedupKey, start: record.startedAt)], summarizer: Self.summarizer)
        #expect(changed.isEmpty)
        #expect(try database.alertCalls(id: id).map(\.costMicros) == [1_000])
    }

    /// The same draft again, now with the call's row and final cost (what `analyze` finds after
    /// `serve`, or the quota's ended call after its projection): the stored row takes both.
    @Test func aLaterFindingOfTheSameCallBringsItsRowAndCost() throws {
        let database = try TollGuardDatabase(writer: DatabaseQueue())
        let records = (0..<2).map(Self.call)
        let id = try #require(try Self.raise(records.map { Self.evidence($0, costMicros: 100_000) }, in: database))
        _ = try database.store(records.map { Self.priced($0, costMicros: 2_000_000) }, source: "fs-event-socket")
        let rowIDs = try database.writer.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM calls ORDER BY start_utc")
        }
        _ = try Self.raise(
            zip(records, rowIDs).map { Self.evidence($0, costMicros: 2_000_000, rowID: $1) }, in: database,
            severity: .critical)
        let evidence = try database.alertCalls(id: id)
        #expect(evidence.map(\.costMicros) == [2_000_000, 2_000_000])
        #expect(evidence.allSatisfy { $0.account == "1019" })
        let alert = try #require(try database.alert(id: id))
        #expect(alert.costMicros == 4_000_000)
        #expect(alert.severity == .critical)
        #expect(alert.summary.hasSuffix("$4.00"))
    }

    @Test func theMigrationRepairsAStoreServeWroteBeforeTheFix() throws {
        let queue = try DatabaseQueue()
        try TollGuardDatabase.migrator.migrate(queue, upTo: "v8-day-ordered-key-hash")
        let record = Self.call(0)
        let startText = CivilTime.utcText(record.startedAt)
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO calls (key_hash, dedup_key, call_id, account, caller_number, caller_name, destination,
                        context, start_utc, end_utc, duration, billsec, disposition, hangup_cause, source_format,
                        dest_scope, cost_micros)
                    VALUES (?, ?, ?, '1019', '1019', '', '01123276566891', 'default', ?, ?, 602, 600, 'answered', '',
                        'fs-event-socket', 'international', 5580000)
                    """,
                arguments: [
                    KeyHashV8.value(dedupKey: record.dedupKey, startUTC: startText), record.dedupKey, record.callID,
                    startText, CivilTime.utcText(record.endedAt),
                ])
            for (id, summary, cost) in [
                (1, "1019 had 3 calls at once: 1 call to Sierra Leone, 02:45", Int64(0)),
                (2, "1019 exceeded the daily quota: 1 call to Sierra Leone, 02:45, $1.20", Int64(1_200_000)),
            ] {
                try db.execute(
                    sql: """
                        INSERT INTO alerts (id, rule, severity, severity_rank, subject_type, subject, first_seen_utc,
                            last_seen_utc, summary, headline, metrics, call_count, cost_micros, created_utc, updated_utc)
                        VALUES (?, 'concurrent_calls', 'high', 2, 'account', '1019', ?, ?, ?, 'x', '{}', 1, ?, ?, ?)
                        """, arguments: [id, startText, startText, summary, cost, startText, startText])
                try db.execute(
                    sql: """
                        INSERT INTO alert_calls (alert_id, call_key, call_row_id, at_utc, number, region, cost_micros)
                        VALUES (?, ?, NULL, ?, '+23276566891', 'SL', ?)
                        """, arguments: [id, record.dedupKey, startText, cost])
            }
        }
        let database = try TollGuardDatabase(writer: queue)
        for id: Int64 in [1, 2] {
            let evidence = try database.alertCalls(id: id)
            #expect(evidence.map(\.account) == ["1019"])
            #expect(evidence.map(\.costMicros) == [5_580_000])
            #expect(try database.alert(id: id)?.costMicros == 5_580_000)
        }
        #expect(try database.alert(id: 1)?.summary == "1019 had 3 calls at once: 1 call to Sierra Leone, 02:45, $5.58")
        #expect(
            try database.alert(id: 2)?.summary == "1019 exceeded the daily quota: 1 call to Sierra Leone, 02:45, $5.58")
    }
}
