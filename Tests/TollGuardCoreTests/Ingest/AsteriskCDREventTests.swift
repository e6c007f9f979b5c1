import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// A `Cdr` event from the Asterisk Manager and the `Master.csv` row of the same call are one
/// stored call.
///
/// The fixtures are ours, written from `cdr_manager.c`'s field list and `cdr_csv.c`'s quoting.
@Suite struct AsteriskCDREventTests {
    static func cdr(sequence: Bool, answered: Bool = true) -> AMIMessage {
        var headers: [(name: String, value: String)] = [
            ("Event", "Cdr"), ("Privilege", "cdr,all"), ("AccountCode", "1001"), ("Source", "1001"),
            ("Destination", "0088213520123"), ("DestinationContext", "from-internal"),
            ("CallerID", "\"Reception \"desk\"\" <1001>"), ("Channel", "PJSIP/1001-0000002a"),
            ("DestinationChannel", "PJSIP/trunk-0000002b"), ("LastApplication", "Dial"),
            ("LastData", "PJSIP/0088213520123@trunk,60,tT"), ("StartTime", "2026-12-03 10:00:00"),
            ("AnswerTime", answered ? "2026-12-03 10:00:07" : ""), ("EndTime", "2026-12-03 10:31:07"),
            ("Duration", "1867"), ("BillableSeconds", answered ? "1860" : "0"),
            ("Disposition", answered ? "ANSWERED" : "NO ANSWER"), ("AMAFlags", "DOCUMENTATION"),
            ("UniqueID", "1764752400.42"), ("UserField", ""),
        ]
        if sequence { headers += [("PeerAccount", ""), ("LinkedID", "1764752400.42"), ("Sequence", "17")] }
        return AMIMessage(headers)
    }

    /// The row `cdr_csv` writes for the same call (`loguniqueid`, `loguserfield` on).
    static let masterRow =
        #""1001","1001","0088213520123","from-internal","""Reception ""desk"""" <1001>","PJSIP/1001-0000002a","#
        + #""PJSIP/trunk-0000002b","Dial","PJSIP/0088213520123@trunk,60,tT","2026-12-03 10:00:00","#
        + #""2026-12-03 10:00:07","2026-12-03 10:31:07",1867,1860,"ANSWERED","DOCUMENTATION","1764752400.42","""#

    static let berlin = TimeZone(identifier: "Europe/Berlin") ?? .gmt

    @Test func theEventIsReadAsTheRowCdrCsvWritesForTheCall() throws {
        #expect(AsteriskCDREvent.masterCSVLine(Self.cdr(sequence: false)) == Self.masterRow)
        #expect(
            AsteriskCDREvent.masterCSVLine(Self.cdr(sequence: true)) == Self.masterRow + #","","1764752400.42",17"#)
        var decoder = CDRRowDecoder(format: .asterisk, timeZone: Self.berlin)
        let record = try AsteriskCDREvent.record(Self.cdr(sequence: true), decoder: &decoder).get()
        #expect(record.dedupKey == "1764752400.42/17")
        #expect(record.account == "1001" && record.destination == "0088213520123")
        #expect(record.callerName == "Reception \"desk\"")
        #expect(record.billsec == 1860)
        // The switch's local 10:00 in Berlin is 09:00 UTC.
        #expect(StoredTime.text(record.startedAt) == "2026-12-03 09:00:00")
        let unanswered = try AsteriskCDREvent.record(Self.cdr(sequence: false, answered: false), decoder: &decoder)
            .get()
        #expect(unanswered.answeredAt == nil && unanswered.disposition == .noAnswer)
    }

    /// Stored from the event first, the call is not stored again from a tailed or nightly
    /// `Master.csv`, with or without the sequence mapped.
    @Test func aMasterCSVOfTheSameCallsAddsNothing() throws {
        for sequence in [false, true] {
            let folder = try TemporaryDirectory()
            let database = try TollGuardDatabase.inMemory()
            var decoder = CDRRowDecoder(format: .asterisk, timeZone: Self.berlin)
            let record = try AsteriskCDREvent.record(Self.cdr(sequence: sequence), decoder: &decoder).get()
            _ = try database.store([(record, nil)], source: "ami")
            let row = sequence ? Self.masterRow + #","","1764752400.42",17"# : Self.masterRow
            let path = try folder.write("Master.csv", text: row + "\n")
            var options = IngestOptions(timeZone: Self.berlin)
            options.format = .asterisk
            let summary = try CDRFileIngester(database: database, options: options, logger: testLogger)
                .ingest(path: path)
            #expect(summary.rowsRead == 1)
            #expect(summary.inserted == 0 && summary.duplicates == 1, "sequence mapped: \(sequence)")
            #expect(try database.callCount() == 1)
        }
    }
}
