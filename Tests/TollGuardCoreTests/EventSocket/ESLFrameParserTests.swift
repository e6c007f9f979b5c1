import Foundation
import Testing
import TollGuardCore

/// Framing of real event-socket captures (fsock's 2012 inbound stream with its corrupted frame,
/// NEventSocket's 2015 outbound session) and of streams cut at every byte.
@Suite struct ESLFrameParserTests {
    static func capture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: FixtureFiles.url("esl/\(name)")))
    }

    @Test func inboundCaptureWithACorruptedFrameLosesOnlyThatFrame() throws {
        let bytes = try Self.capture("esl-stream-1.txt")
        var skipped: [String] = []
        let frames = ESLFrameParser.frames(in: bytes) { skipped.append($0) }
        // 45 frames were sent; one has `uuid_transfer ` glued before its Content-Length.
        #expect(frames.count == 44)
        #expect(frames.allSatisfy { $0.contentType == "text/event-plain" })
        // The damaged frame goes in pieces: its glued line, its headers, its body.
        #expect((1...3).contains(skipped.count), "\(skipped)")
        let events = try frames.map { try ESLEvent(frame: $0) }
        let names = events.map(\.name)
        // The damaged frame is a HEARTBEAT: every other one is read.
        let heartbeatsSent =
            String(decoding: bytes, as: UTF8.self).components(separatedBy: "Event-Name: HEARTBEAT\n").count - 1
        #expect(names.filter { $0 == "HEARTBEAT" }.count == heartbeatsSent - 1)
        #expect(names.contains("CHANNEL_CREATE") && names.contains("CHANNEL_HANGUP_COMPLETE"))
        // The frames after the damage are intact: the hangup decodes as its separate capture does.
        let single = ESLFrameParser.frames(in: try Self.capture("esl-CHANNEL_HANGUP_COMPLETE-1.txt"))
        #expect(single.count == 1)
        #expect(frames.contains(single[0]))
        // …and it comes after the damage (at byte 91,755; the hangup capture is bytes 111,940…).
        let hangupIndex = try #require(frames.firstIndex(of: single[0]))
        let damagedIndex = try #require(events.firstIndex { $0.headers["Event-Sequence"] == "34295" })
        #expect(hangupIndex > damagedIndex)
    }

    @Test func outboundSessionRepliesAndDisconnectNotice() throws {
        let frames = ESLFrameParser.frames(in: try Self.capture("esl-stream-2.txt"))
        #expect(frames.count == 22)
        #expect(frames[0].contentType == "command/reply")
        // The connect reply carries the channel data as headers, URL-decoded.
        #expect(frames[0].headers["Channel-Username"] == "1001")
        #expect(frames[0].headers["Event-Date-Local"] == "2015-01-06 15:11:55")
        let api = try #require(frames.first { $0.contentType == "api/response" })
        #expect(api.bodyText == "+OK\n")
        let notice = try #require(frames.first { $0.contentType == "text/disconnect-notice" })
        #expect(notice.headers["Content-Disposition"] == "linger")
        #expect(frames.filter(\.isEvent).count == 11)
        #expect(frames.contains { $0.replyText == "+OK event listener enabled plain" })
    }

    @Test func streamCutAtEveryByteGivesTheSameFrames() throws {
        let bytes = try Self.capture("esl-stream-2.txt")
        let whole = ESLFrameParser.frames(in: bytes)
        // Feed the stream in pieces, as a socket does, keeping the unparsed tail between reads.
        for pieceSize in [1, 7, 500, 4096] {
            var buffer: [UInt8] = []
            var frames: [ESLFrame] = []
            var offset = 0
            while offset < bytes.count {
                buffer += bytes[offset..<min(offset + pieceSize, bytes.count)]
                offset += pieceSize
                parsing: while true {
                    let step = buffer.withUnsafeBytes { ESLFrameParser.parse($0) }
                    switch step {
                    case .frame(let frame, let consumed):
                        frames.append(frame)
                        buffer.removeFirst(consumed)
                    case .skipped(let consumed, _):
                        buffer.removeFirst(consumed)
                    case .needMoreData(let consumed):
                        buffer.removeFirst(consumed)
                        break parsing
                    }
                }
            }
            #expect(frames == whole, "pieces of \(pieceSize) bytes")
        }
    }

    @Test func damageIsSkippedAndTheNextFrameRead() {
        let good = "Content-Type: api/response\nContent-Length: 4\n\n+OK\n"
        let cases = [
            "garbage line\nmore garbage\n" + good,
            "Content-Length: 99999999999\nContent-Type: api/response\n\n" + good,
            "Content-Type: text/event-plain\n\nEvent-Name: HEARTBEAT\n\n" + good,
            "Content-Length: 3\n\nabc" + good,
            "\n\n\r\n" + good,
        ]
        for text in cases {
            let frames = ESLFrameParser.frames(in: Array(text.utf8))
            #expect(frames.count == 1, "\(text.debugDescription) \(frames)")
            #expect(frames.first?.bodyText == "+OK\n")
        }
    }

    @Test func plainEventValuesUndefinedAndArrays() throws {
        let frame = ESLFrameParser.frames(in: try Self.capture("esl-CHANNEL_CREATE-2.txt"))[0]
        let event = try ESLEvent(frame: frame)
        #expect(event.name == "CHANNEL_CREATE")
        #expect(event.headers["Caller-Caller-ID-Name"] == "Extension 1001")
        #expect(event.headers["caller-caller-id-name"] == "Extension 1001")
        #expect(event.headers["FreeSWITCH-IPv6"] == "2001:0:5ef5:79fd:1c45:341e:53ef:cd79")
        #expect(event.date == Date(timeIntervalSince1970: 1_420_557_162.134_560))

        let text =
            "Event-Name: CUSTOM\nvariable_x: _undef_\nvariable_list: ARRAY%3A%3A3%7C%3Asupplier2%7C%3Afoo%20bar\n"
            + "Hangup-Cause: NORMAL_CLEARING\nHangup-Cause: SECOND\nvariable_name: Jos%C3%A9%FF\nContent-Length: 5\n\nhello"
        let custom = ESLEvent.plain(Array(text.utf8))
        #expect(custom.headers["variable_x"] == "")
        #expect(custom.headers.array("variable_list") == ["3", "supplier2", "foo bar"])
        #expect(custom.headers["Hangup-Cause"] == "NORMAL_CLEARING")
        #expect(custom.headers.all.filter { $0.name == "Hangup-Cause" }.count == 2)
        #expect(custom.headers["variable_name"] == "José\u{FFFD}")
        #expect(custom.body == "hello")

        // Written back as a frame, it reads the same.
        let again = try ESLEvent(frame: ESLFrameParser.frames(in: custom.plainFrame.wireBytes)[0])
        #expect(again.headers["variable_list"] == custom.headers["variable_list"])
        #expect(again.headers["variable_name"] == custom.headers["variable_name"])
        #expect(again.body == "hello")
    }

    @Test func jsonEvents() throws {
        let json =
            #"{"Event-Name":"CHANNEL_ANSWER","Unique-ID":"u-1","Caller-Caller-ID-Name":"A B","variable_list":["x","y"],"_body":"b"}"#
        let frame = ESLFrame(headers: ESLHeaders([("Content-Type", "text/event-json")]), body: Array(json.utf8))
        let event = try ESLEvent(frame: frame)
        #expect(event.name == "CHANNEL_ANSWER")
        #expect(event.headers["Caller-Caller-ID-Name"] == "A B")
        #expect(event.headers.array("variable_list") == ["x", "y"])
        #expect(event.body == "b")
        #expect(throws: ESLEvent.DecodingError.malformedJSON) {
            try ESLEvent(frame: ESLFrame(headers: frame.headers, body: Array("[1]".utf8)))
        }
    }
}
