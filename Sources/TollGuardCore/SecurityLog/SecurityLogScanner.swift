import Foundation

/// Reads PBX log files (plain or `.gz`) line by line and reports each recognized security
/// line — FreeSWITCH or Asterisk, whichever the file turns out to be — with its 1-based line
/// number and text.
///
/// A record ends where the next line of the PBX's own making starts (time, level, source):
/// a security line whose attacker text held line breaks is joined with the lines that continue
/// it, read as one, and reported at the line where it started; a start that nothing finishes
/// is counted as `unfinished`, not dropped silently. A known attack message whose address
/// cannot be located where the PBX writes it is reported as `unparsed_attack`, attributed to
/// nobody.
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
        /// Attack lines whose address cannot be located (`unparsed_attack`), attributed to nobody.
        package var unparsedAttacks = 0

        package init() {}

        package mutating func add(_ other: Summary) {
            lines += other.lines
            recognized += other.recognized
            unfinished += other.unfinished
            unparsedAttacks += other.unparsedAttacks
        }
    }

    private static let maxEvidenceBytes = 1000
    /// Lines a record may run over (each line break in its attacker text adds one), and bytes.
    private static let maxContinuations = 16
    private static let maxRecordBytes = 16_384
    private var freeswitch: FreeSWITCHSecurityLine
    private var asterisk: AsteriskSecurityLine
    /// The PBX that wrote this log, once a line has said so.
    package private(set) var source: SecurityLogSource?
    /// A security record read so far: it ends only where the next record of the PBX's own
    /// making starts, because a line break in its attacker text would make the rest of it look
    /// like a line of its own.
    private var held: HeldRecord?

    private struct HeldRecord {
        var bytes: [UInt8]
        /// 1-based line number where the record starts.
        var line: Int
        /// What it reads as so far; nil for the start of a message without its end.
        var reading: SecurityLineReading?
        var continuations = 0
    }

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
    /// A security record ends where the next line of the PBX's own making starts (its prefix:
    /// time, level, source); lines between that it needs or reads with are its continuation,
    /// so the address is read where the PBX writes it — at the end of the whole record — and
    /// never from attacker text that a line break made look like a line's end. When
    /// `following`, a last line without its newline (still being written) is left unread, and a
    /// record it may continue is held for the next scan. Returns where the next scan starts
    /// (stream offset and the number of the last line read).
    package mutating func scan(
        _ reader: ByteLineReader, following: Bool, into summary: inout Summary,
        _ body: (SecurityLogEntry) throws -> Void
    ) throws -> (offset: Int64, line: Int) {
        var resume: (offset: Int64, line: Int) = (reader.positionOnDisk, reader.linesRead)
        var continuationMayFollow = false
        while let line = try reader.next() {
            if following, line.isUnterminated {
                resume = (line.startOffset, line.number - 1)
                // A line still being written that begins as the PBX's lines do ends the held record.
                continuationMayFollow = !Self.beginsLikeARecord(line.bytes)
                break
            }
            resume = (line.endOffset, line.number)
            summary.lines += 1
            if var record = held.take() {
                if record.continuations < Self.maxContinuations, record.bytes.count < Self.maxRecordBytes,
                    !startsRecord(line.bytes)
                {
                    // A line without the PBX's prefix continues the record when the record needs
                    // it (no address at its end yet) or reads with it (its end is the PBX's
                    // `from ip ADDR`); otherwise it is a line of the PBX's own that has no prefix
                    // (FreeSWITCH's `EXECUTE [depth=0] …`), and the record ended before it.
                    let kept = record.bytes.count
                    record.bytes.append(0x0A)
                    record.bytes += line.bytes
                    let reading = record.bytes.withUnsafeBufferPointer { read($0) }
                    if reading != nil || record.reading == nil {
                        record.reading = reading
                        record.continuations += 1
                        held = record
                        continue
                    }
                    record.bytes.removeSubrange(kept...)
                }
                try finish(record, &summary, body)
            }
            if let reading = read(line.bytes) {
                held = HeldRecord(bytes: Array(line.bytes), line: line.number, reading: reading)
            } else if source != .asterisk, FreeSWITCHSecurityLine.isUnfinishedStart(line.bytes) {
                held = HeldRecord(bytes: Array(line.bytes), line: line.number, reading: nil)
            }
        }
        // The PBX writes a record with its continuations at once: what was read to the end is
        // whole, unless a line still being written may continue it.
        if held != nil, !following || !continuationMayFollow, let record = held.take() {
            try finish(record, &summary, body)
        }
        return resume
    }

    /// Whether the start of a line still being written looks like the prefix of a PBX line: a
    /// date (`2026-11-21`, `11-21 `), a channel UUID, `[` (Asterisk) or a syslog month.
    private static func beginsLikeARecord(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func isDigit(_ index: Int) -> Bool { index < bytes.count && bytes[index] >= 0x30 && bytes[index] <= 0x39 }
        func isHex(_ index: Int) -> Bool {
            index < bytes.count && (isDigit(index) || (bytes[index] | 0x20 >= 0x61 && bytes[index] | 0x20 <= 0x66))
        }
        func byte(_ index: Int) -> UInt8 { index < bytes.count ? bytes[index] : 0 }
        if (0..<4).allSatisfy(isDigit), byte(4) == 0x2D, isDigit(5), isDigit(6), byte(7) == 0x2D { return true }
        if isDigit(0), isDigit(1), byte(2) == 0x2D, isDigit(3), isDigit(4), byte(5) == 0x20 { return true }
        if (0..<8).allSatisfy(isHex), byte(8) == 0x2D { return true }
        if byte(0) == 0x5B { return true }
        return bytes.count >= 4 && byte(3) == 0x20 && byte(0) >= 0x41 && byte(0) <= 0x5A
    }

    /// Whether `line` starts a record of the PBX's own making.
    private mutating func startsRecord(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        switch source {
        case .freeswitch: freeswitch.startsRecord(line)
        case .asterisk: asterisk.startsRecord(line)
        case nil: freeswitch.startsRecord(line) || asterisk.startsRecord(line)
        }
    }

    /// Reports a whole record: read as one, at the line where it started.
    ///
    /// One whose address is
    /// not where the PBX writes it is reported as an unparsed attack, attributed to nobody.
    private mutating func finish(
        _ record: HeldRecord, _ summary: inout Summary, _ body: (SecurityLogEntry) throws -> Void
    ) throws {
        if record.reading == nil { summary.unfinished += 1 }
        // A start that nothing finished is only counted; one that lines continued without its
        // address ever reaching where the PBX writes it is reported, attributed to nobody.
        guard
            let reading = record.reading
                ?? (record.continuations > 0
                    ? .unparsedAttack(
                        reason: "a record broken by line breaks, without its address where the PBX writes it") : nil)
        else { return }
        try record.bytes.withUnsafeBufferPointer { bytes in
            try report(reading, line: record.line, bytes: bytes, &summary, body)
        }
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
        if case .unparsedAttack = reading { summary.unparsedAttacks += 1 }
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
