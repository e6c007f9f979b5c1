/// Splits an Asterisk Manager byte stream into its banner line and its messages.
///
/// Written from `main/manager.c`: the server's first line is the banner
/// (`Asterisk Call Manager/9.0.0\r\n`, no empty line after it); a message is `Name: value`
/// lines ended by an empty line. Lines end in CRLF, and a bare LF is taken too, as Asterisk's
/// own reader takes it. Empty lines between messages (a stray one after the banner) are skipped.
/// A value is everything after the first `:` and the spaces after it, so values may hold `: `.
package enum AMIFrameParser {
    /// A message larger than this is dropped (Asterisk's own events are a few kilobytes).
    package static let maximumMessageBytes = 1 << 20

    /// What the bytes at the front of the buffer hold.
    package enum Step: Equatable {
        /// The banner line (`Asterisk Call Manager/9.0.0`) and the bytes it took.
        case banner(String, consumed: Int)
        case message(AMIMessage, consumed: Int)
        /// Bytes that are no message (a line without `:`, an over-long message), and why.
        case skipped(consumed: Int, reason: String)
        /// No complete message yet; `consumed` empty lines at the front may be dropped.
        case needMoreData(consumed: Int)
    }

    /// The next step over `bytes`; `banner` says the stream's first line has not come yet.
    package static func parse(_ bytes: UnsafeRawBufferPointer, expectingBanner banner: Bool) -> Step {
        let newline = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        if banner {
            guard let end = bytes.firstIndex(of: newline) else {
                return bytes.count > maximumMessageBytes
                    ? .skipped(consumed: bytes.count, reason: "no banner line in \(bytes.count) bytes")
                    : .needMoreData(consumed: 0)
            }
            var lineEnd = end
            if lineEnd > 0, bytes[lineEnd - 1] == carriageReturn { lineEnd -= 1 }
            return .banner(String(decoding: bytes[0..<lineEnd], as: UTF8.self), consumed: end + 1)
        }
        // Empty lines before a message are skipped.
        var start = 0
        while start < bytes.count {
            if bytes[start] == newline {
                start += 1
            } else if bytes[start] == carriageReturn, start + 1 < bytes.count, bytes[start + 1] == newline {
                start += 2
            } else {
                break
            }
        }
        var headers: [(name: String, value: String)] = []
        var problem: String?
        var lineStart = start
        while lineStart < bytes.count {
            guard let end = bytes[lineStart...].firstIndex(of: newline) else { break }
            var lineEnd = end
            if lineEnd > lineStart, bytes[lineEnd - 1] == carriageReturn { lineEnd -= 1 }
            if lineEnd == lineStart {
                let consumed = end + 1
                if let problem { return .skipped(consumed: consumed, reason: problem) }
                return .message(AMIMessage(headers), consumed: consumed)
            }
            let line = bytes[lineStart..<lineEnd]
            if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                var valueStart = colon + 1
                while valueStart < lineEnd, bytes[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
                headers.append(
                    (
                        String(decoding: bytes[lineStart..<colon], as: UTF8.self),
                        String(decoding: bytes[valueStart..<lineEnd], as: UTF8.self)
                    ))
            } else if problem == nil {
                problem = "a line without ':' (\(String(decoding: line.prefix(60), as: UTF8.self)))"
            }
            lineStart = end + 1
        }
        if bytes.count - start > maximumMessageBytes {
            return .skipped(
                consumed: bytes.count, reason: "a message longer than \(maximumMessageBytes) bytes without its end")
        }
        return .needMoreData(consumed: start)
    }
}
