import Foundation
import Testing
import TollGuardCore
import TollGuardDemo

/// CDR posts from mod_xml_cdr and mod_json_cdr in every encoding the modules send, read to
/// the same record as the event of the same call.
@Suite struct FreeSWITCHCDRDocumentTests {
    @Test func xmlCDRFromTheWildInEveryEncoding() throws {
        let xml = Array(try Data(contentsOf: FixtureFiles.url("esl/xml-cdr-1.xml")))
        let form = Array(("cdr=" + ESLValueDecoding.encode(String(decoding: xml, as: UTF8.self))).utf8)
        let base64 = Array(("cdr=" + Data(xml).base64EncodedString()).utf8)
        for body in [xml, form, base64] {
            let document = try FreeSWITCHCDRDocument.decode(body: body)
            #expect(document.format == .xml)
            let record = try #require(try document.completedCall())
            #expect(record.dedupKey == "91353230-461f-11de-aa7f-b10b4edc0c92")  // the A leg's, not the originatee's
            #expect(record.account == "1000")
            #expect(record.callerNumber == "1000")
            #expect(record.destination == "2622")
            #expect(record.context == "default")
            #expect(record.trunk == "carlos")  // last_arg sofia/gateway/carlos/2622
            #expect(record.startedAt == Date(timeIntervalSince1970: 1_242_921_226.180_441))  // start_uepoch
            #expect(record.endedAt == Date(timeIntervalSince1970: 1_242_921_227.691_068))
            #expect(record.answeredAt == nil && record.billsec == 0)
            #expect(record.disposition == .cancelled)
        }
    }

    /// A mod_json_cdr document of the call `headers` describe, values URL-encoded or not, with
    /// the old duplicate `callflow` key or the newer array.
    static func jsonCDR(of headers: ESLHeaders, encodeValues: Bool, duplicateCallflow: Bool) -> [UInt8] {
        func quoted(_ text: String) -> String {
            // A one-string array always encodes; an empty answer would break the document and fail the test.
            let data = (try? JSONSerialization.data(withJSONObject: [text], options: [])) ?? Data()
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
        var variables: [String] = []
        for field in headers.all where field.name.hasPrefix("variable_") {
            let value = encodeValues ? ESLValueDecoding.encode(field.value) : field.value
            variables.append("\(quoted(String(field.name.dropFirst(9)))):\(quoted(value))")
        }
        variables.append(
            "\"start_stamp\":\(quoted(encodeValues ? "2026-11-18%2011%3A06%3A40" : "2026-11-18 11:06:40"))")
        let profile = [
            ("username", "Caller-Username"), ("caller_id_name", "Caller-Caller-ID-Name"),
            ("caller_id_number", "Caller-Caller-ID-Number"), ("network_addr", "Caller-Network-Addr"),
            ("destination_number", "Caller-Destination-Number"), ("context", "Caller-Context"),
            ("uuid", "Unique-ID"), ("chan_name", "Caller-Channel-Name"),
        ].map { "\(quoted($0.0)):\(quoted(headers[$0.1] ?? ""))" }.joined(separator: ",")
        let flow = "{\"dialplan\":\"XML\",\"caller_profile\":{\(profile)},\"times\":{}}"
        let callflow = duplicateCallflow ? "\"callflow\":\(flow),\"callflow\":\(flow)" : "\"callflow\":[\(flow)]"
        let text =
            "{\"core-uuid\":\"6a3a2f9e\",\"channel_data\":{\"state\":\"CS_REPORTING\"},\"variables\":{"
            + variables.joined(separator: ",") + "}," + callflow + "}"
        return Array(text.utf8)
    }

    @Test func jsonCDRReadsLikeTheEventOfTheSameCall() throws {
        var writer = FreeSWITCHEventWriter()
        let call = CallRecord(
            dedupKey: "7d1f0a52-3c4b-4e8e-9f60-1b2c3d4e5f60", callID: "7d1f0a52-3c4b-4e8e-9f60-1b2c3d4e5f60",
            account: "1001", callerNumber: "1001", callerName: "Müller & Söhne <front desk>",
            destination: "011 44 1632 960961",
            context: "default", sourceIP: "198.51.100.20", trunk: "carrier1",
            startedAt: Date(timeIntervalSince1970: 1_795_000_000),
            answeredAt: Date(timeIntervalSince1970: 1_795_000_004), endedAt: Date(timeIntervalSince1970: 1_795_000_064),
            duration: 64, billsec: 60, disposition: .answered, hangupCause: "NORMAL_CLEARING")
        let hangup = try #require(writer.events(for: call).last?.event)
        let fromEvent = try #require(FreeSWITCHChannel.record(hangup.headers))
        for encodeValues in [true, false] {
            for duplicate in [true, false] {
                let body = Self.jsonCDR(of: hangup.headers, encodeValues: encodeValues, duplicateCallflow: duplicate)
                for posted in [
                    body, Array(("cdr=" + ESLValueDecoding.encode(String(decoding: body, as: UTF8.self))).utf8),
                ] {
                    let document = try FreeSWITCHCDRDocument.decode(body: posted)
                    #expect(document.format == .json)
                    #expect(
                        (try document.completedCall()) == fromEvent,
                        "encode-values \(encodeValues), duplicate callflow \(duplicate)")
                }
            }
        }
        #expect(fromEvent.callerName == "Müller & Söhne <front desk>")
        #expect(fromEvent.trunk == "carrier1")
    }

    @Test func bLegsAndJunk() throws {
        var headers = ESLHeaders([
            ("variable_uuid", "b-leg"), ("variable_originator", "a-leg"), ("variable_start_epoch", "1795000000"),
        ])
        headers.append(name: "variable_start_stamp", value: "2026-11-18 11:06:40")
        let body = FreeSWITCHCDRDocumentTests.jsonCDR(of: headers, encodeValues: false, duplicateCallflow: false)
        #expect(try FreeSWITCHCDRDocument.decode(body: body).completedCall() == nil)
        for junk in ["", "hello", "{not json", "<cdr><variables>", "cdr=%%%"] {
            #expect(throws: FreeSWITCHCDRDocument.DecodingError.self, "\(junk)") {
                try FreeSWITCHCDRDocument.decode(body: Array(junk.utf8))
            }
        }
    }
}
