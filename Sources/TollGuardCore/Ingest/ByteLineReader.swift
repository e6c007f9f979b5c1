import CZlib
import Foundation

/// Why a CDR file cannot be read at all (as opposed to a bad row inside it).
package struct FileReadError: Error, CustomStringConvertible, Sendable {
    package var path: String
    package var reason: String
    package var description: String { "\(path): \(reason)" }

    package init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// Reads a file, a gzip file or standard input line by line over large buffered reads.
///
/// Lines are handed out as byte views into the reader's buffer, valid until the next call,
/// so the hot path copies nothing. gzip input is recognized by its magic bytes, whatever the
/// file is called. A line longer than `maxLineBytes` is cut there, flagged, and the rest of
/// it skipped, so one runaway line costs bounded memory.
package final class ByteLineReader {
    /// One line of input; `bytes` is only valid until the next call to ``next()``.
    package struct Line {
        package var bytes: UnsafeBufferPointer<UInt8>
        /// 1-based line number.
        package var number: Int
        /// Offset of the line's first byte in the (decompressed) stream.
        package var startOffset: Int64
        /// Offset just past the line terminator.
        package var endOffset: Int64
        /// The line was longer than the limit and is cut.
        package var isTruncated: Bool
        /// The input ended before a newline: the line may still be being written.
        package var isUnterminated: Bool
    }

    private enum Source {
        case descriptor(Int32)
        case gzip(gzFile)
    }

    package let path: String
    package let isCompressed: Bool
    package let isStandardInput: Bool
    /// Size of the file on disk (compressed size for gzip), `nil` for standard input.
    package let sizeOnDisk: Int64?
    private var source: Source
    private let maxLineBytes: Int
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var dataStart = 0
    private var dataEnd = 0
    private var scanFrom = 0
    private var atEOF = false
    private var discardingRestOfLine = false
    /// Offset in the stream of `buffer[dataStart]`.
    private var streamOffset: Int64 = 0
    private var lineNumber = 0

    /// Opens `path` (`-` for standard input).
    package init(path: String, maxLineBytes: Int = 8 << 20, chunkBytes: Int = 1 << 20) throws(FileReadError) {
        self.path = path
        self.maxLineBytes = max(maxLineBytes, 1024)
        self.capacity = min(max(chunkBytes, 4096), self.maxLineBytes + 1)
        self.buffer = .allocate(capacity: capacity)
        isStandardInput = path == "-"
        let descriptor: Int32 = isStandardInput ? dup(0) : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            buffer.deallocate()
            throw FileReadError(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(descriptor)
            buffer.deallocate()
            throw FileReadError(path: path, reason: "is a directory")
        }
        sizeOnDisk = isStandardInput || (info.st_mode & S_IFMT) != S_IFREG ? nil : Int64(info.st_size)
        var magic: [UInt8] = [0, 0]
        let peeked = isStandardInput ? 0 : pread(descriptor, &magic, 2, 0)
        if isStandardInput || (peeked == 2 && magic == [0x1f, 0x8b]) {
            // zlib reads non-gzip input transparently, so standard input may be either.
            guard let file = gzdopen(descriptor, "rb") else {
                close(descriptor)
                buffer.deallocate()
                throw FileReadError(path: path, reason: "cannot open as gzip")
            }
            gzbuffer(file, 1 << 17)
            source = .gzip(file)
            isCompressed = !isStandardInput
        } else {
            source = .descriptor(descriptor)
            isCompressed = false
        }
    }

    deinit {
        switch source {
        case .descriptor(let descriptor): close(descriptor)
        case .gzip(let file): gzclose(file)
        }
        buffer.deallocate()
    }

    /// The inode and size of the open file (plain files only): a follower compares them with
    /// the path's to see a rotation or a truncation.
    package var fileIdentity: (inode: UInt64, size: Int64)? {
        guard case .descriptor(let descriptor) = source else { return nil }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return (UInt64(info.st_ino), Int64(info.st_size))
    }

    /// The number of the last line returned (0 before the first).
    package var linesRead: Int { lineNumber }

    /// Lets ``next()`` read again after it reached the end: for a file that grows.
    package func resumeAfterEnd() {
        atEOF = false
    }

    /// Bytes of the input consumed so far, measured on disk (compressed bytes for gzip), for progress.
    package var positionOnDisk: Int64 {
        switch source {
        case .descriptor: return streamOffset
        case .gzip(let file): return Int64(gzoffset(file))
        }
    }

    /// Moves to `offset` of the stream, numbering the next line `line + 1`.
    ///
    /// Plain files seek; gzip and standard input read and discard up to the offset.
    package func skip(to offset: Int64, line: Int) throws(FileReadError) {
        dataStart = 0
        dataEnd = 0
        scanFrom = 0
        switch source {
        case .descriptor(let descriptor):
            guard lseek(descriptor, off_t(offset), SEEK_SET) >= 0 else {
                throw FileReadError(
                    path: path, reason: "cannot seek to byte \(offset): \(String(cString: strerror(errno)))")
            }
            streamOffset = offset
        case .gzip:
            var remaining = offset - streamOffset
            while remaining > 0 {
                let read = try fill(at: 0, count: Int(min(Int64(capacity), remaining)))
                if read == 0 { break }
                remaining -= Int64(read)
                streamOffset += Int64(read)
            }
        }
        lineNumber = line
    }

    /// Reads `count` bytes from offset `offset` of a plain file without moving; `nil` for streams.
    package func peek(at offset: Int64, count: Int) -> [UInt8]? {
        guard case .descriptor(let descriptor) = source, offset >= 0, count >= 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
        return read == count ? bytes : nil
    }

    /// The next line, or `nil` at the end of the input.
    package func next() throws(FileReadError) -> Line? {
        while true {
            if dataStart < dataEnd,
                let newline = memchr(buffer + scanFrom, 10, dataEnd - scanFrom)
            {
                let newlineIndex = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                if discardingRestOfLine {
                    discardingRestOfLine = false
                    consume(upTo: newlineIndex + 1)
                    continue
                }
                var end = newlineIndex
                if end > dataStart, buffer[end - 1] == 13 { end -= 1 }
                let start = dataStart + byteOrderMarkLength(end: end)
                let line = Line(
                    bytes: UnsafeBufferPointer(start: buffer + start, count: end - start),
                    number: lineNumber + 1, startOffset: streamOffset,
                    endOffset: streamOffset + Int64(newlineIndex + 1 - dataStart),
                    isTruncated: false, isUnterminated: false)
                lineNumber += 1
                consume(upTo: newlineIndex + 1)
                return line
            }
            scanFrom = dataEnd
            if atEOF {
                guard dataStart < dataEnd, !discardingRestOfLine else { return nil }
                let start = dataStart + byteOrderMarkLength(end: dataEnd)
                let line = Line(
                    bytes: UnsafeBufferPointer(start: buffer + start, count: dataEnd - start),
                    number: lineNumber + 1, startOffset: streamOffset,
                    endOffset: streamOffset + Int64(dataEnd - dataStart), isTruncated: false, isUnterminated: true)
                lineNumber += 1
                consume(upTo: dataEnd)
                return line
            }
            if discardingRestOfLine {
                consume(upTo: dataEnd)
            } else if dataStart > 0 {
                let pending = dataEnd - dataStart
                buffer.update(from: buffer + dataStart, count: pending)
                dataStart = 0
                dataEnd = pending
                scanFrom = pending
            }
            if dataEnd == capacity {
                if capacity <= maxLineBytes {
                    grow()
                } else {
                    let line = Line(
                        bytes: UnsafeBufferPointer(start: buffer, count: maxLineBytes),
                        number: lineNumber + 1, startOffset: streamOffset,
                        endOffset: streamOffset + Int64(dataEnd), isTruncated: true, isUnterminated: false)
                    lineNumber += 1
                    discardingRestOfLine = true
                    consume(upTo: dataEnd)
                    return line
                }
            }
            let read = try fill(at: dataEnd, count: capacity - dataEnd)
            if read == 0 { atEOF = true } else { dataEnd += read }
        }
    }

    /// 3 when the input's first line, ending at `end`, starts with a UTF-8 byte-order mark (as
    /// Excel's "CSV UTF-8" writes), which is no part of the first header name; 0 otherwise.
    private func byteOrderMarkLength(end: Int) -> Int {
        guard lineNumber == 0, streamOffset == 0, end - dataStart >= 3, buffer[dataStart] == 0xEF,
            buffer[dataStart + 1] == 0xBB, buffer[dataStart + 2] == 0xBF
        else { return 0 }
        return 3
    }

    private func consume(upTo index: Int) {
        streamOffset += Int64(index - dataStart)
        dataStart = index
        scanFrom = index
        if dataStart == dataEnd {
            dataStart = 0
            dataEnd = 0
            scanFrom = 0
        }
    }

    private func grow() {
        let newCapacity = min(capacity * 2, maxLineBytes + 1)
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: buffer, count: dataEnd)
        buffer.deallocate()
        buffer = bigger
        capacity = newCapacity
    }

    private func fill(at index: Int, count: Int) throws(FileReadError) -> Int {
        switch source {
        case .descriptor(let descriptor):
            while true {
                let read = Foundation.read(descriptor, buffer + index, count)
                if read >= 0 { return read }
                if errno == EINTR { continue }
                throw FileReadError(path: path, reason: "read failed: \(String(cString: strerror(errno)))")
            }
        case .gzip(let file):
            let read = gzread(file, buffer + index, UInt32(count))
            var code: Int32 = 0
            if read < 0 {
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown error"
                throw FileReadError(path: path, reason: "gzip data is corrupt: \(message)")
            }
            if read == 0 {
                // zlib reports a stream that stops before its end (a file cut short, a trailer
                // missing) as the end of the data, with Z_BUF_ERROR set: not a whole file.
                _ = gzerror(file, &code)
                if code == Z_BUF_ERROR {
                    throw FileReadError(
                        path: path,
                        reason: "the gzip stream ends early (the file is cut short), "
                            + "\(streamOffset + Int64(dataEnd - dataStart)) bytes read before the cut")
                }
            }
            return Int(read)
        }
    }
}
