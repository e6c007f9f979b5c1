import Foundation
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// Channel events to call records: the real captures field by field, B legs, and the same
/// key as the CSV path so the nightly ingest of the same call adds nothing.
@Suite struct FreeSWITCHChannelTests {
    static func event(_ name: String) throws -> ESLEvent {
        try ESLEvent(frame: ESLFrameParser.frames(in: try ESLFrameParserTests.capture(name))[0])
    }

    @Test func hangupCompleteOfACancelledInboundCall() throws {
        let headers = try Self.event("esl-CHANNEL_HANGUP_COMPLETE-1.txt").headers
        #expect(!FreeSWITCHChannel.isOriginatedLeg(headers))
        let record = try #require(FreeSWITCHChannel.record(headers))
        #expect(record.dedupKey == "303c0f9f-4b32-4b9b-9f77-df0ca215bbe7")
        #expect(record.callID == record.dedupKey)
        #expect(record.account == "4986517174963")  // no accountcode, no directory user: the caller
        #expect(record.callerNumber == "4986517174963")
        #expect(record.destination == "4986517174963")
        #expect(record.context == "b2bua")
        #expect(record.sourceIP == "88.198.12.156")
        #expect(record.startedAt == Date(timeIntervalSince1970: 1_349_437_306.912_868))  // to the microsecond
        #expect(record.answeredAt == nil)
        #expect(record.endedAt == Date(timeIntervalSince1970: 1_349_437_362.372_974))
        #expect(record.duration == 56)
        #expect(record.billsec == 0)
        #expect(record.disposition == .cancelled)
        #expect(record.hangupCause == "ORIGINATOR_CANCEL")
        #expect(record.userAgent == "Jitsi1.0-build.3967Linux")
        #expect(record.trunk == nil)
    }

    @Test func answeredALegAndOriginatedBLeg() throws {
        let aLeg = try Self.event("esl-CHANNEL_ANSWER-2.txt").headers
        #expect(!FreeSWITCHChannel.isOriginatedLeg(aLeg))
        let live = try #require(FreeSWITCHChannel.liveCall(aLeg, at: nil))
        #expect(live.uuid == "78b86350-4fb8-4d2b-a629-1eeafd7d2f74")
        #expect(live.account == "1001")
        #expect(live.callerName == "Dan X-Lite")
        #expect(live.destination == "3")
        #expect(live.sourceIP == "172.16.50.1")
        #expect(live.startedAt == Date(timeIntervalSince1970: 1_420_557_157.855_728))
        #expect(live.answeredAt == Date(timeIntervalSince1970: 1_420_557_158.395_366))

        for name in ["esl-CHANNEL_CREATE-2.txt", "esl-CHANNEL_ANSWER-1.txt"] {
            #expect(FreeSWITCHChannel.isOriginatedLeg(try Self.event(name).headers), "\(name)")
        }
    }

    @Test func theCSVIngestOfACallSeenLiveAddsNothing() throws {
        let database = try TollGuardDatabase.inMemory()
        var writer = FreeSWITCHEventWriter()
        let call = CallRecord(
            dedupKey: "5f2b6c1e-0d8a-4c47-9e1b-2a7f3c9d4e10", callID: "5f2b6c1e-0d8a-4c47-9e1b-2a7f3c9d4e10",
            account: "1001", callerNumber: "1001", callerName: "Reception", destination: "011441632960961",
            context: "default", startedAt: Date(timeIntervalSince1970: 1_795_000_000),
            answeredAt: Date(timeIntervalSince1970: 1_795_000_004), endedAt: Date(timeIntervalSince1970: 1_795_000_064),
            duration: 64, billsec: 60, disposition: .answered, hangupCause: "NORMAL_CLEARING")
        let hangup = try #require(writer.events(for: call).last?.event)
        // Through the wire format and back.
        let received = try ESLEvent(frame: ESLFrameParser.frames(in: hangup.plainFrame.wireBytes)[0])
        let record = try #require(FreeSWITCHChannel.record(received.headers))
        #expect(record.dedupKey == call.dedupKey)
        #expect(
            record.startedAt == call.startedAt && record.answeredAt == call.answeredAt && record.endedAt == call.endedAt
        )
        #expect(record.billsec == 60 && record.disposition == .answered && record.callerName == "Reception")
        #expect(try database.store([(record, nil)], source: "fs-event-socket").inserted == 1)

        // The same call in the nightly mod_cdr_csv file (the `example` template, site in UTC).
        let folder = try TemporaryDirectory()
        let row =
            #""Reception","1001","011441632960961","default","2026-11-18 11:06:40","2026-11-18 11:06:44","#
            + #""2026-11-18 11:07:44","64","60","NORMAL_CLEARING","5f2b6c1e-0d8a-4c47-9e1b-2a7f3c9d4e10","","1001","PCMU","PCMU""#
        let path = try folder.write("Master.csv", text: row + "\n")
        var options = IngestOptions(timeZone: .named("UTC"))
        options.format = .fsExample
        let summary = try CDRFileIngester(database: database, options: options, logger: testLogger).ingest(path: path)
        #expect(summary.rowsRead == 1)
        #expect(summary.duplicates == 1)
        #expect(summary.inserted == 0)
        #expect(try database.callCount() == 1)
    }
}
