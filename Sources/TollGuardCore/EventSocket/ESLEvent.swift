import Foundation

/// One FreeSWITCH event: its headers (values decoded) and its body, read from a
/// `text/event-plain` or `text/event-json` frame.
package struct ESLEvent: Sendable, Hashable {
    package var headers: ESLHeaders
    package var body: String

    package init(headers: ESLHeaders, body: String = "") {
        self.headers = headers
        self.body = body
    }

    /// The event's name: `CHANNEL_CREATE`, `HEARTBEAT` and so on.
    package var name: String { headers["Event-Name"] ?? "" }

    /// When FreeSWITCH raised the event (`Event-Date-Timestamp`, microseconds).
    package var date: Date? { headers.eventMicrosecondDate("Event-Date-Timestamp") }

    package enum DecodingError: Error, Equatable, CustomStringConvertible {
        case unsupportedFormat(String)
        case malformedJSON

        package var description: String {
            switch self {
            case .unsupportedFormat(let type): "event format \(type) is not read (subscribe with plain or json)"
            case .malformedJSON: "the JSON event is not an object"
            }
        }
    }

    /// Reads the event a frame carries.
    package init(frame: ESLFrame) throws(DecodingError) {
        switch frame.contentType {
        case "text/event-plain": self = Self.plain(frame.body)
        case "text/event-json": self = try Self.json(frame.body)
        default: throw .unsupportedFormat(frame.contentType)
        }
    }

    /// `Name: url-encoded value` lines to a blank line; an inner `Content-Length` gives the body.
    package static func plain(_ bytes: [UInt8]) -> ESLEvent {
        var headers = ESLHeaders()
        var body = ""
        bytes.withUnsafeBufferPointer { all in
            var lineStart = 0
            while lineStart < all.count {
                let newline = all[lineStart...].firstIndex(of: 0x0A) ?? all.count
                var lineEnd = newline
                if lineEnd > lineStart, all[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd == lineStart {
                    if let length = headers["Content-Length"].flatMap({ Int($0) }), length > 0 {
                        let bodyStart = min(newline + 1, all.count)
                        body = String(decoding: all[bodyStart..<min(bodyStart + length, all.count)], as: UTF8.self)
                    }
                    return
                }
                let line = all[lineStart..<lineEnd]
                if let colon = line.firstIndex(of: 0x3A) {
                    var valueStart = colon + 1
                    if valueStart < lineEnd, all[valueStart] == 0x20 { valueStart += 1 }
                    headers.append(
                        name: String(decoding: all[lineStart..<colon], as: UTF8.self),
                        value: ESLValueDecoding.decode(all[valueStart..<lineEnd]))
                }
                lineStart = newline + 1
            }
        }
        return ESLEvent(headers: headers, body: body)
    }

    /// A flat JSON object of unencoded strings; arrays become `ARRAY::` values, `_body` the body.
    package static func json(_ bytes: [UInt8]) throws(DecodingError) -> ESLEvent {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw .malformedJSON
        }
        var headers = ESLHeaders()
        var body = ""
        // JSON objects have no order; Event-Name first keeps dumps readable.
        for key in object.keys.sorted(by: { ($0 == "Event-Name" ? "" : $0) < ($1 == "Event-Name" ? "" : $1) }) {
            let value = object[key]
            if key == "_body" {
                body = value as? String ?? ""
                continue
            }
            switch value {
            case let text as String: headers.append(name: key, value: text)
            case let number as NSNumber: headers.append(name: key, value: number.stringValue)
            case let array as [Any]:
                headers.append(name: key, value: "ARRAY::" + array.map { "\($0)" }.joined(separator: "|:"))
            default: continue
            }
        }
        return ESLEvent(headers: headers, body: body)
    }

    /// The event as a `text/event-plain` frame, values encoded as FreeSWITCH does.
    package var plainFrame: ESLFrame {
        var text = ""
        for field in headers.all where field.name.lowercased() != "content-length" {
            text += "\(field.name): \(field.value.isEmpty ? "_undef_" : ESLValueDecoding.encode(field.value))\n"
        }
        let bodyBytes = Array(body.utf8)
        if !bodyBytes.isEmpty { text += "Content-Length: \(bodyBytes.count)\n" }
        text += "\n"
        return ESLFrame(
            headers: ESLHeaders([("Content-Type", "text/event-plain")]), body: Array(text.utf8) + bodyBytes)
    }
}
