import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a followed file was read to: enough to resume after a restart without skipping or
/// repeating a line, and to notice that the file at the path is no longer the one read.
package struct TailPosition: Sendable, Hashable, Codable {
    /// The inode of the file read (0 before one was opened).
    package var inode: UInt64
    /// Bytes read: the end of the last complete line taken.
    package var offset: Int64
    /// The number of that line.
    package var line: Int
    /// The (up to 64) bytes before `offset`, to tell a file truncated and refilled past it.
    package var tail: [UInt8]

    package init(inode: UInt64 = 0, offset: Int64 = 0, line: Int = 0, tail: [UInt8] = []) {
        self.inode = inode
        self.offset = offset
        self.line = line
        self.tail = tail
    }
}

/// Follows one growing file across rotations: a file renamed away (logrotate, `cdr_csv`'s
/// `rotate`, FreeSWITCH `fsctl send_sighup`, Asterisk `logger rotate`) is read to its end before
/// the new file at the path is read from its start; a file truncated in place (`copytruncate`) is
/// read again from its start.
///
/// What reads the lines is the caller's (`read`), so a log scanner
/// can join broken records and a CDR reader can decode rows; ``FileTail`` keeps the position.
package final class FileTail {
    /// How a poll's reading went: where the next one resumes.
    package typealias Resume = (offset: Int64, line: Int)

    package let path: String
    package private(set) var position: TailPosition
    private var reader: ByteLineReader?
    /// Whether the first poll skips what the file already holds (when no position was saved).
    private var skipExisting: Bool

    /// Starts at `position` when it still describes the file at `path` (same inode, the same
    /// bytes before the offset); otherwise at the start, or — `startAtEnd` with nothing saved —
    /// at the current end.
    package init(path: String, resumingAt position: TailPosition?, startAtEnd: Bool) {
        self.path = path
        self.position = position ?? TailPosition()
        skipExisting = position == nil && startAtEnd
    }

    /// Reads what the file gained since the last poll.
    ///
    /// `read` gets the reader placed at the
    /// resume point, `following` (false when finishing a file rotated away: its last line is
    /// complete even without a newline) and whether this is a new file (a rotation or
    /// truncation happened: per-file state starts again); it returns where it stopped.
    package func poll(
        _ read: (_ reader: ByteLineReader, _ following: Bool, _ newFile: Bool) throws -> Resume
    ) throws {
        var info = stat()
        let exists = stat(path, &info) == 0
        var newFile = false
        if let reader, let identity = reader.fileIdentity {
            if !exists || identity.inode != UInt64(info.st_ino) {
                // Rotated away: finish the old file, then start the new one from its beginning.
                reader.resumeAfterEnd()
                try reader.skip(to: position.offset, line: position.line)
                _ = try read(reader, false, false)
                self.reader = nil
                position = TailPosition()
                newFile = true
            } else if identity.size < position.offset || !tailMatches(reader) {
                position = TailPosition(inode: position.inode)
                newFile = true
            }
        }
        guard exists else { return }
        if reader == nil {
            let opened = try ByteLineReader(path: path)
            reader = opened
            let identity = opened.fileIdentity
            let inode = identity?.inode ?? 0
            if skipExisting {
                skipExisting = false
                // Count the lines already there (without reading them), so line numbers stay true.
                while let line = try opened.next(), !line.isUnterminated {
                    (position.offset, position.line) = (line.endOffset, line.number)
                }
                position.inode = inode
                remember(opened)
                return
            }
            if position.inode != inode || (identity?.size ?? 0) < position.offset || !tailMatches(opened) {
                // A saved position of another file (rotated while we were stopped), or this one
                // rewritten: read it from its start.
                newFile = newFile || position.offset > 0
                position = TailPosition(inode: inode)
            }
        }
        guard let reader else { return }
        reader.resumeAfterEnd()
        try reader.skip(to: position.offset, line: position.line)
        (position.offset, position.line) = try read(reader, true, newFile)
        remember(reader)
    }

    private func tailMatches(_ reader: ByteLineReader) -> Bool {
        position.tail.isEmpty
            || reader.peek(at: position.offset - Int64(position.tail.count), count: position.tail.count)
                == position.tail
    }

    private func remember(_ reader: ByteLineReader) {
        let count = Int(min(position.offset, 64))
        position.tail = reader.peek(at: position.offset - Int64(count), count: count) ?? []
        position.inode = reader.fileIdentity?.inode ?? position.inode
    }
}
