import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Tails PBX logs as they grow, across rotations: a file renamed away (logrotate, FreeSWITCH
/// `fsctl send_sighup`, Asterisk `logger rotate`) is read to its end before the new file at the
/// path is read from its start; a file truncated in place (`copytruncate`) is read again from
/// its start. A last line still being written is read once its newline arrives. Each
/// ``poll(_:)`` reports the lines added since the previous one.
package final class SecurityLogFollower {
    private final class FollowedFile {
        let path: String
        var reader: ByteLineReader?
        var scanner: SecurityLogScanner
        var offset: Int64 = 0
        var line = 0
        /// The bytes just before `offset`, to notice a file truncated and refilled past it.
        var tail: [UInt8] = []

        func remember() {
            let count = Int(min(offset, 64))
            tail = reader?.peek(at: offset - Int64(count), count: count) ?? []
        }

        func restart() {
            offset = 0
            line = 0
            tail = []
        }

        init(path: String, scanner: SecurityLogScanner) {
            self.path = path
            self.scanner = scanner
        }
    }

    private let files: [FollowedFile]
    private let timeZone: TimeZone
    private let year: Int
    private var started = false
    private let fromStart: Bool

    /// `fromStart`: read what the files already hold; otherwise start at their current ends.
    package init(paths: [String], timeZone: TimeZone, year: Int, fromStart: Bool) {
        self.timeZone = timeZone
        self.year = year
        self.fromStart = fromStart
        files = paths.map { FollowedFile(path: $0, scanner: SecurityLogScanner(timeZone: timeZone, year: year)) }
    }

    /// Reads what every file gained since the last poll, calling `body` per recognized line.
    package func poll(_ body: (_ file: String, _ entry: SecurityLogEntry) throws -> Void) throws
        -> SecurityLogScanner.Summary
    {
        var summary = SecurityLogScanner.Summary()
        let first = !started
        started = true
        for file in files {
            try poll(file, skipExisting: first && !fromStart, into: &summary) { try body(file.path, $0) }
        }
        return summary
    }

    private func poll(
        _ file: FollowedFile, skipExisting: Bool, into summary: inout SecurityLogScanner.Summary,
        _ body: (SecurityLogEntry) throws -> Void
    ) throws {
        var info = stat()
        let exists = stat(file.path, &info) == 0
        if let reader = file.reader, let identity = reader.fileIdentity {
            if !exists || identity.inode != UInt64(info.st_ino) {
                // Rotated away: finish the old file, then start the new one from its beginning.
                reader.resumeAfterEnd()
                _ = try file.scanner.scan(reader, following: false, into: &summary, body)
                file.reader = nil
                file.scanner = SecurityLogScanner(timeZone: timeZone, year: year)
                file.restart()
            } else if identity.size < file.offset
                || reader.peek(at: file.offset - Int64(file.tail.count), count: file.tail.count) != file.tail
            {
                // Truncated in place (and perhaps written past where we were).
                file.restart()
            }
        }
        guard exists else { return }
        if file.reader == nil {
            let reader = try ByteLineReader(path: file.path)
            file.reader = reader
            if skipExisting {
                // Count the lines already there (without parsing them), so line numbers stay true.
                while let line = try reader.next(), !line.isUnterminated {
                    (file.offset, file.line) = (line.endOffset, line.number)
                }
                file.remember()
                return
            }
        }
        guard let reader = file.reader else { return }
        reader.resumeAfterEnd()
        try reader.skip(to: file.offset, line: file.line)
        (file.offset, file.line) = try file.scanner.scan(reader, following: true, into: &summary, body)
        file.remember()
    }
}
