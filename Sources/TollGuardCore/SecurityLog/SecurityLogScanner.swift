import Foundation

/// Reads PBX log files (plain or `.gz`) line by line and reports each recognized security
/// line — FreeSWITCH or Asterisk, whichever the file turns out to be — with its 1-based line
/// number and text.
///
/// A FreeSWITCH line whose user part held a line break is joined with the line
/// that finishes it, and reported at the line where it started; a start that nothing finishes
/// is counted as `unfinished`, not dropped silently. A line whose attacker fields forge the
/// address is reported as forged, attributed to nobody.
///
/// One scanner reads one log: it remembers which PBX wrote it and a record still open at the
/// end of what it read (for ``scan(_:following:into:_:)`` called again as the file grows).
package struct SecurityLogScanner {
    /// What a scan read.
    package struct Summary: Sendable, Hashable {
        package var lines = 0
        package var recognized = 0
        /// Security lines that started but never ended (an evasion attempt or a cut log).
        package var unfinished = 0
        /// Security lines whose address fields disagree (forged by the client), attributed to nobody.
        package var forged = 0

        package init() {}

        package mutating func add(_ other: Summary) {
            lines += other.lines
            recognized += other.recognized
            unfinished += other.unfinished
            forged += other.forged
        }
    }

    private static let maxEvidenceBytes = 1000
    private var freeswitch: FreeSWITCHSecurityLine
    private var asterisk: AsteriskSecurityLine
    /// The PBX that wrote this log, once a line has said so.
    package private(set) var source: SecurityLogSource?
    private var pending: (bytes: [UInt8], line: Int, joined: Int)?

    /// `timeZone` is the PBX's (its logs are in local time); `year` completes dates written without one.
    package init(timeZone: TimeZone, year: Int) {
        freeswitch = FreeSWITCHSecurityLine(timeZone: timeZone, year: year)
        asterisk = AsteriskSecurityLine(timeZone: timeZone, year: year)
    }

    /// Scans the whole of `path`, calling `body` for each recognized line.
    ///
    /// Reading and parsing run on a thread of their own and hand the recognized lines over in
    /// batches, so `body` (the detector, the report) overlaps with them on a second core; `body`
    /// still sees the lines one by one, in file order, on the calling thread.
    package mutating func scan(path: String, _ body: (SecurityLogEntry) throws -> Void) throws -> Summary {
        let reader = try ByteLineReader(path: path)
        let queue = BlockingQueue<ScannedBatch>(capacity: 4)
        let worker = ScanWorker(scanner: self, reader: reader, queue: queue)
        let thread = ProducerThread(feeding: queue) { worker.run() }
        defer {
            queue.close()
            thread.waitUntilDone()
        }
        while let batch = queue.pop() {
            switch batch {
            case .entries(let entries):
                for index in entries.indices { try body(entries[index]) }
            case .finished(let scanner, let summary):
                self = scanner
                return summary
            case .failed(let error):
                throw error
            }
        }
        throw FileReadError(path: path, reason: "the scan stopped before the end of the file")
    }

    /// Scans what `reader` has from its position.
    ///
    /// When `following`, a last line without its
    /// newline (still being written) is left unread, and a record broken by a line break stays
    /// open for the next call. Returns where the next scan starts (stream offset and the number
    /// of the last line read).
    package mutating func scan(
        _ reader: ByteLineReader, following: Bool, into summary: inout Summary,
        _ body: (SecurityLogEntry) throws -> Void
    ) throws -> (offset: Int64, line: Int) {
        var resume: (offset: Int64, line: Int) = (reader.positionOnDisk, reader.linesRead)
        while let line = try reader.next() {
            if following, line.isUnterminated {
                return (line.startOffset, line.number - 1)
            }
            resume = (line.endOffset, line.number)
            summary.lines += 1
            if var held = pending, !FreeSWITCHSecurityLine.isRecord(line.bytes) {
                held.bytes.append(0x0A)
                held.bytes += line.bytes
                held.joined += 1
                if let event = held.bytes.withUnsafeBufferPointer({ freeswitch.parse($0) }) {
                    pending = nil
                    try held.bytes.withUnsafeBufferPointer { bytes in
                        try report(.event(event), line: held.line, bytes: bytes, &summary, body)
                    }
                } else if held.joined < 3 {
                    pending = held
                } else {
                    summary.unfinished += 1
                    pending = nil
                }
                continue
            } else if pending != nil {
                // A new record begins: what was held never ended.
                summary.unfinished += 1
                pending = nil
            }
            if let reading = read(line.bytes) {
                try report(reading, line: line.number, bytes: line.bytes, &summary, body)
            } else if source != .asterisk, FreeSWITCHSecurityLine.isUnfinishedStart(line.bytes) {
                pending = (Array(line.bytes), line.number, 0)
            }
        }
        if !following, pending != nil {
            summary.unfinished += 1
            pending = nil
        }
        return resume
    }

    /// The line read by the parser of this log's PBX (both until one has recognized a line).
    private mutating func read(_ bytes: UnsafeBufferPointer<UInt8>) -> SecurityLineReading? {
        if source != .asterisk, let event = freeswitch.parse(bytes) {
            source = .freeswitch
            return .event(event)
        }
        if source != .freeswitch, let reading = asterisk.parse(bytes) {
            source = .asterisk
            return reading
        }
        return nil
    }

    private func report(
        _ reading: SecurityLineReading, line: Int, bytes: UnsafeBufferPointer<UInt8>, _ summary: inout Summary,
        _ body: (SecurityLogEntry) throws -> Void
    ) throws {
        summary.recognized += 1
        if case .forged = reading { summary.forged += 1 }
        let text = String(
            decoding: UnsafeBufferPointer(rebasing: bytes.prefix(Self.maxEvidenceBytes)), as: UTF8.self)
        try body(SecurityLogEntry(reading: reading, line: line, text: text))
    }
}

/// What the scanning thread hands to the caller of ``SecurityLogScanner/scan(path:_:)``.
private enum ScannedBatch: @unchecked Sendable {
    case entries([SecurityLogEntry])
    /// The scanner's state after the last line (which PBX wrote the log), and the totals.
    case finished(SecurityLogScanner, SecurityLogScanner.Summary)
    case failed(any Error)
}

/// Reads and parses one file on its own thread, in batches of recognized lines.
private final class ScanWorker: @unchecked Sendable {
    private static let batchSize = 4096
    private var scanner: SecurityLogScanner
    private let reader: ByteLineReader
    private let queue: BlockingQueue<ScannedBatch>

    init(scanner: SecurityLogScanner, reader: ByteLineReader, queue: BlockingQueue<ScannedBatch>) {
        self.scanner = scanner
        self.reader = reader
        self.queue = queue
    }

    func run() {
        var summary = SecurityLogScanner.Summary()
        var batch: [SecurityLogEntry] = []
        batch.reserveCapacity(Self.batchSize)
        let queue = queue
        do {
            _ = try scanner.scan(reader, following: false, into: &summary) { entry in
                batch.append(entry)
                if batch.count >= Self.batchSize {
                    guard queue.push(.entries(batch)) else { throw CancellationError() }
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { queue.push(.entries(batch)) }
            queue.push(.finished(scanner, summary))
        } catch is CancellationError {
            return
        } catch {
            queue.push(.failed(error))
        }
    }
}
