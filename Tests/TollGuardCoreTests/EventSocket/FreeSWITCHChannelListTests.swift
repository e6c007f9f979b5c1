import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// `api show channels as json` read into the calls up: A legs only, their B leg's gateway as the
/// trunk, ringing and answered told apart, a channel hanging up left out; a failed answer is
/// an error, never an empty list.
@Suite struct FreeSWITCHChannelListTests {
    @Test func theCallsUpInAListOfFourChannels() throws {
        let body = try String(contentsOf: FixtureFiles.url("esl/show-channels.json"), encoding: .utf8)
        let list = try FreeSWITCHChannelList(json: body)
        #expect(list.rows.count == 4)
        let now = Date(timeIntervalSince1970: 1_795_000_100)
        let calls = list.liveCalls(at: now)
        #expect(calls.map(\.uuid) == ["6a1f3c2e-7d4b-4e0a-9b1c-2f3e4d5c6b7a", "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"])
        let bridged = calls[0]
        #expect(bridged.account == "1001")
        #expect(bridged.callerNumber == "1001" && bridged.callerName == "Reception")
        #expect(bridged.destination == "011252615550101")
        #expect(bridged.context == "default")
        #expect(bridged.sourceIP == "203.0.113.9")
        #expect(bridged.trunk == "carrier-a")  // from its B leg's channel name
        #expect(bridged.startedAt == Date(timeIntervalSince1970: 1_795_000_000))
        #expect(bridged.answeredAt == now)  // ACTIVE; the list has no answer time
        let ringing = calls[1]
        #expect(ringing.account == "1002")  // no accountcode: the caller, as the CSV path falls back
        #expect(ringing.callerName == "Sales \"B\" <script>")
        #expect(ringing.answeredAt == nil)
        #expect(ringing.trunk == nil)
    }

    /// Without an accountcode, an authenticated call counts against its user (`presence_id`), as
    /// the event path counts it against `user_name`, not against the caller ID it sends.
    @Test func withoutAnAccountCodeTheUserIsTheAccount() throws {
        let list = try FreeSWITCHChannelList(
            json:
                #"{"row_count":1,"rows":[{"uuid":"u1","direction":"inbound","created_epoch":"1795000000","cid_num":"+4930123","dest":"011252615550101","presence_id":"1005@pbx1.example.com","callstate":"RINGING","accountcode":""}]}"#
        )
        #expect(list.liveCalls(at: Date()).map(\.account) == ["1005"])
        #expect(list.liveCalls(at: Date()).map(\.callerNumber) == ["+4930123"])
    }

    @Test func anEmptySwitchAndAnswersThatAreNoList() throws {
        #expect(try FreeSWITCHChannelList(json: "{\"row_count\":0}\n").rows.isEmpty)
        #expect(try FreeSWITCHChannelList(json: "{\n\t\"row_count\":\t0\n}").liveCalls(at: Date()).isEmpty)
        for body in [
            "-ERR show Command not found!\n", "", "uuid,direction\n", "{\"rows\":[]}",
            "{\"row_count\":2,\"rows\":[{\"uuid\":\"x\"}]}",
        ] {
            #expect(throws: FreeSWITCHChannelList.ReadError.self, "\(body.debugDescription)") {
                try FreeSWITCHChannelList(json: body)
            }
        }
    }
}
