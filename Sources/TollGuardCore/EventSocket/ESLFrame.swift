/// One message from FreeSWITCH's event socket: its outer headers (values URL-decoded, as
/// libesl reads them) and the `Content-Length` bytes after them.
package struct ESLFrame: Sendable, Hashable {
    package var headers: ESLHeaders
    package var body: [UInt8]

    package init(headers: ESLHeaders, body: [UInt8] = []) {
        self.headers = headers
        self.body = body
    }

    /// The frame's kind: `auth/request`, `command/reply`, `api/response`, `text/event-plain`, and so on.
    package var contentType: String { headers["Content-Type"] ?? "" }

    /// The reply text of a `command/reply` (`+OK accepted`, `-ERR invalid`).
    package var replyText: String { headers["Reply-Text"] ?? "" }

    package var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// Whether the frame carries one event (`text/event-plain`, `-json` or `-xml`).
    package var isEvent: Bool { contentType.hasPrefix("text/event-") }

    /// The frame as FreeSWITCH writes it: headers, a blank line, the body.
    package var wireBytes: [UInt8] {
        var text = ""
        for field in headers.all where field.name.lowercased() != "content-length" {
            text += "\(field.name): \(field.value)\n"
        }
        if !body.isEmpty { text += "Content-Length: \(body.count)\n" }
        text += "\n"
        return Array(text.utf8) + body
    }
}
