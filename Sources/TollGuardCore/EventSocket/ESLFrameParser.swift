import Foundation

/// Splits the byte stream of an event-socket connection into frames.
///
/// A frame is a block of `Name: value` lines ended by a blank line, then exactly
/// `Content-Length` body bytes. Blank lines between frames are skipped. A block that is not
/// headers, lacks a `Content-Type`, announces an event without a length, or gives a length
/// outside 0…16 MiB is corrupt: the parser drops it and resumes at the next line that starts
/// a frame (`Content-Length:` or `Content-Type:`), so a damaged frame costs that frame only.
package enum ESLFrameParser {
    /// FreeSWITCH's own limit (`MAX_CONTENT_LENGTH`).
    package static let maxContentLength = 16 << 20
    /// A header block this long without its blank line is not one.
    package static let maxHeaderBlock = 64 << 10

    package enum Step: Sendable, Equatable {
        /// A whole frame, taking `consumed` bytes from the start of the input.
        case frame(ESLFrame, consumed: Int)
        /// Bytes that are not a frame were dropped.
        case skipped(consumed: Int, reason: String)
        /// The input ends inside a frame; `consumed` leading bytes (blank lines) can go.
        case needMoreData(consumed: Int)
    }

    /// Reads the first frame (or the first damage) in `bytes`.
    package static func parse(_ bytes: UnsafeRawBufferPointer) -> Step {
        let count = bytes.count
        var start = 0
        while start < count, bytes[start] == 0x0A || bytes[start] == 0x0D { start += 1 }
        guard start < count else { return .needMoreData(consumed: start) }

        var headers = ESLHeaders()
        var lineStart = start
        var blockEnd = -1
        while lineStart < count {
            guard let newline = index(of: 0x0A, in: bytes, from: lineStart) else { break }
            var lineEnd = newline
            if lineEnd > lineStart, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if lineEnd == lineStart {
                blockEnd = newline + 1
                break
            }
            guard let colon = headerColon(bytes, from: lineStart, to: lineEnd) else {
                return resynchronize(bytes, after: lineStart, reason: "not a header line")
            }
            var valueStart = colon + 1
            while valueStart < lineEnd, bytes[valueStart] == 0x20 { valueStart += 1 }
            headers.append(
                name: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[lineStart..<colon]), as: UTF8.self),
                value: ESLValueDecoding.decode(UnsafeRawBufferPointer(rebasing: bytes[valueStart..<lineEnd])))
            lineStart = newline + 1
        }
        guard blockEnd >= 0 else {
            if count - start > maxHeaderBlock {
                return resynchronize(bytes, after: start, reason: "a header block without its end")
            }
            return .needMoreData(consumed: start)
        }
        var length = 0
        if let text = headers["Content-Length"] {
            guard let value = Int(text.trimmingWhitespace()), (0...maxContentLength).contains(value) else {
                return .skipped(consumed: blockEnd, reason: "Content-Length \"\(text.prefix(20))\" out of range")
            }
            length = value
        }
        let frame = ESLFrame(headers: headers)
        guard !frame.contentType.isEmpty else {
            // Its body, if it announced one, goes with it.
            guard count - blockEnd >= length else { return .needMoreData(consumed: start) }
            return .skipped(consumed: blockEnd + length, reason: "a header block without Content-Type")
        }
        if frame.isEvent, headers["Content-Length"] == nil {
            return .skipped(consumed: blockEnd, reason: "an event without Content-Length")
        }
        guard count - blockEnd >= length else { return .needMoreData(consumed: start) }
        var complete = frame
        complete.body = Array(UnsafeRawBufferPointer(rebasing: bytes[blockEnd..<(blockEnd + length)]))
        return .frame(complete, consumed: blockEnd + length)
    }

    /// Reads every frame of a whole capture; damage is reported through `skipped`.
    package static func frames(in bytes: [UInt8], skipped: ((String) -> Void)? = nil) -> [ESLFrame] {
        var frames: [ESLFrame] = []
        var offset = 0
        bytes.withUnsafeBytes { all in
            while offset < all.count {
                switch parse(UnsafeRawBufferPointer(rebasing: all[offset...])) {
                case .frame(let frame, let consumed):
                    frames.append(frame)
                    offset += consumed
                case .skipped(let consumed, let reason):
                    skipped?(reason)
                    offset += consumed
                case .needMoreData:
                    return
                }
            }
        }
        return frames
    }

    /// The index of the colon ending a header name (`[A-Za-z0-9_-]+:`), or `nil`.
    private static func headerColon(_ bytes: UnsafeRawBufferPointer, from: Int, to end: Int) -> Int? {
        var index = from
        while index < end {
            let byte = bytes[index]
            if byte == 0x3A { return index > from ? index : nil }
            let isNameByte =
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2D || byte == 0x5F
            guard isNameByte else { return nil }
            index += 1
        }
        return nil
    }

    /// Drops bytes up to the next line that can start a frame.
    private static func resynchronize(_ bytes: UnsafeRawBufferPointer, after lineStart: Int, reason: String) -> Step {
        var cursor = lineStart
        while let newline = index(of: 0x0A, in: bytes, from: cursor) {
            let next = newline + 1
            if startsFrame(bytes, at: next) { return .skipped(consumed: next, reason: reason) }
            cursor = next
        }
        // No frame start yet: drop the complete lines, keep the tail (it may begin one).
        let lastNewline = (lineStart..<bytes.count).last { bytes[$0] == 0x0A }
        return .skipped(consumed: lastNewline.map { $0 + 1 } ?? bytes.count, reason: reason)
    }

    private static let frameStarts = [Array("Content-Length:".utf8), Array("Content-Type:".utf8)]

    private static func startsFrame(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        frameStarts.contains { marker in
            offset + marker.count <= bytes.count
                && marker.indices.allSatisfy { bytes[offset + $0] == marker[$0] }
        }
    }

    private static func index(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard from < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + from, Int32(byte), bytes.count - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}
