import Foundation
import Logging

/// Why a file could not be ingested at all.
package struct IngestError: Error, CustomStringConvertible, Sendable {
    package var path: String
    package var reason: String
    package var description: String { "\(path): \(reason)" }

    package init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// Loads CDR files into the store: detect, decode, insert in checkpointed batches.
///
/// Reading and decoding run on their own thread and hand batches to the writer through a
/// bounded queue, so parsing overlaps SQLite's work on the two cores we have. Each batch is
/// one transaction that also moves the file's checkpoint; a killed run resumes after the last
/// committed line, and dedup keys make any re-read row a no-op.
package struct CDRFileIngester: Sendable {
    package let database: TollGuardDatabase
    package let options: IngestOptions
    package let logger: Logger

    package init(
        database: TollGuardDatabase, options: IngestOptions, logger: Logger
    ) {
        self.database = database
        self.options = options
        self.logger = logger
    }

    private static let sampleSize = 20

    /// Ingests one file (`-` for standard input).
    package func ingest(path: String, progress: (@Sendable (IngestProgress) -> Void)? = nil) throws -> FileIngestSummary
    {
        var reader: ByteLineReader
        do {
            reader = try ByteLineReader(path: path, maxLineBytes: options.maxLineBytes)
        } catch {
            throw IngestError(path: path, reason: error.reason)
        }
        var sample = try readSample(reader)
        guard let first = sample.first(where: { !Self.isBlank($0.bytes) }) else {
            return FileIngestSummary(path: path, format: options.format, formatSource: "empty file")
        }
        let lines = sample.filter { !Self.isBlank($0.bytes) }.map(\.bytes)
        let detection = Result { () throws(FormatDetectionError) in
            try CDRFormatDetector.detect(lines: lines, timeZone: options.timeZone, columnMap: options.columnMap)
        }
        let isGenericCSV = options.format == .csv || (options.format == .auto && (try? detection.get())?.format == .csv)
        var fingerprint = Self.fingerprint(lines, underHeader: false, standardInput: reader.isStandardInput)
        var known = try database.ingestedFile(fingerprint: fingerprint)
        let knownFormat = known?.format ?? .auto
        if isGenericCSV, knownFormat == .auto || knownFormat == .csv {
            fingerprint = Self.fingerprint(lines, underHeader: true, standardInput: reader.isStandardInput)
            known = try database.ingestedFile(fingerprint: fingerprint)
        }

        // A file every row of which was rejected under one format is read again under another
        // (a wrong --format must not poison it); --reread starts any file over.
        let wanted = options.format != .auto ? options.format : (try? detection.get())?.format
        var rereadReason: String?
        if let known {
            if options.reread {
                rereadReason = "read again from the start (--reread)"
            } else if known.wasAllRejected, let wanted, wanted != known.format {
                rereadReason =
                    "read again: all \(known.rejectedRows) rows read before were rejected as \(known.format.rawValue)"
            }
        }
        var resumeAt: IngestCheckpoint?
        if rereadReason != nil {
            logger.notice(
                "reading the file again from its start",
                metadata: ["file.path": "\(path)", "reason": "\(rereadReason ?? "")"])
        } else if !reader.isStandardInput, let known, let checkpoint = known.checkpoint {
            if try verify(checkpoint, in: reader, sample: sample) {
                resumeAt = checkpoint
            } else {
                logger.info("file changed since its checkpoint; reading it again", metadata: ["file.path": "\(path)"])
                reader = try ByteLineReader(path: path, maxLineBytes: options.maxLineBytes)
                sample = try readSample(reader)
            }
        }

        let format: CDRFormat
        let formatSource: String
        if let known, resumeAt != nil, known.format != .auto {
            format = known.format
            formatSource = "resumed"
        } else if options.format != .auto {
            format = options.format
            formatSource = "given"
        } else {
            do {
                let detected = try detection.get()
                format = detected.format
                formatSource = "detected (\(detected.matched) of \(detected.sampled) sample lines)"
            } catch {
                throw IngestError(path: path, reason: error.description)
            }
        }

        var decoder = CDRRowDecoder(format: format, timeZone: options.timeZone, maxFieldBytes: options.maxFieldBytes)
        var headerLine = 0
        if format == .csv {
            do {
                try first.bytes.withUnsafeBufferPointer { bytes throws(CSVHeaderError) in
                    try decoder.readHeader(bytes, columnMap: options.columnMap)
                }
            } catch {
                throw IngestError(path: path, reason: "line \(first.number): \(error.description)")
            }
            headerLine = first.number
        }

        let fileID = try database.registerFile(
            fingerprint: fingerprint, path: path, format: format, compressed: reader.isCompressed,
            restart: (known?.checkpoint != nil || rereadReason != nil) && resumeAt == nil)
        var summary = FileIngestSummary(
            path: path, format: format, formatSource: formatSource + (rereadReason.map { "; " + $0 } ?? ""))
        summary.resumedAfterLine = resumeAt?.line

        var pending = sample.filter { $0.number != headerLine }
        if let resumeAt {
            pending = pending.filter { $0.startOffset >= resumeAt.offset }
            if let last = sample.last, resumeAt.offset > last.endOffset {
                do {
                    try reader.skip(to: resumeAt.offset, line: resumeAt.line)
                } catch {
                    throw IngestError(path: path, reason: error.reason)
                }
            }
        }

        try run(
            reader: reader, decoder: decoder, pending: pending, fileID: fileID, format: format,
            summary: &summary, progress: progress)
        try database.markCompleted(fileID: fileID)
        return summary
    }

    // MARK: - Pipeline

    private func run(
        reader: ByteLineReader, decoder: CDRRowDecoder, pending: [SampleLine], fileID: Int64, format: CDRFormat,
        summary: inout FileIngestSummary, progress: (@Sendable (IngestProgress) -> Void)?
    ) throws {
        let queue = BlockingQueue<Result<IngestBatch, IngestError>>(capacity: 1)
        let producer = BatchProducer(
            reader: reader, decoder: decoder, pending: pending, batchSize: options.batchSize, rater: options.rater,
            queue: queue)
        let thread = ProducerThread(feeding: queue) { producer.run() }
        defer {
            queue.close()
            thread.waitUntilDone()
        }
        let path = summary.path
        let dayKeys = StoredDayKeys()
        while let next = queue.pop() {
            let batch: IngestBatch
            switch next {
            case .success(let value): batch = value
            case .failure(let error): throw error
            }
            let outcome = try database.commit(batch, fileID: fileID, path: path, format: format, dayKeys: dayKeys)
            summary.rowsRead += batch.rowsRead
            summary.inserted += outcome.inserted
            summary.duplicates += outcome.duplicates
            summary.rejected += batch.rejected.count
            for row in batch.rejected {
                if summary.problems.count < options.problemsListed {
                    summary.problems.append("line \(row.line): \(row.problem.description)")
                }
                logger.debug(
                    "rejected row",
                    metadata: ["file.path": "\(path)", "row.line": "\(row.line)", "row.reason": "\(row.problem)"])
            }
            progress?(
                IngestProgress(
                    path: path, rowsRead: summary.rowsRead, positionOnDisk: batch.positionOnDisk,
                    sizeOnDisk: reader.sizeOnDisk))
        }
    }

    // MARK: - Helpers

    private func readSample(_ reader: ByteLineReader) throws -> [SampleLine] {
        var sample: [SampleLine] = []
        var nonBlank = 0
        do {
            while nonBlank < Self.sampleSize, let line = try reader.next() {
                let bytes = Array(line.bytes)
                if !Self.isBlank(bytes) { nonBlank += 1 }
                sample.append(
                    SampleLine(
                        bytes: bytes, number: line.number, startOffset: line.startOffset, endOffset: line.endOffset,
                        isTruncated: line.isTruncated, isUnterminated: line.isUnterminated))
            }
        } catch {
            throw IngestError(path: reader.path, reason: error.reason)
        }
        return sample
    }

    /// True when the line ending at the checkpoint still has the bytes committed then.
    private func verify(_ checkpoint: IngestCheckpoint, in reader: ByteLineReader, sample: [SampleLine]) throws -> Bool
    {
        if let line = sample.first(where: { $0.endOffset == checkpoint.offset }) {
            return Self.hash(line.bytes) == checkpoint.tailHash
        }
        if let last = sample.last, checkpoint.offset < last.endOffset { return false }
        let start = checkpoint.offset - Int64(checkpoint.tailLength)
        if var tail = reader.peek(at: start, count: checkpoint.tailLength) {
            while let last = tail.last, last == 10 || last == 13 { tail.removeLast() }
            return Self.hash(tail) == checkpoint.tailHash
        }
        // gzip: read forward to the checkpoint's last line and compare it.
        do {
            try reader.skip(to: start, line: checkpoint.line - 1)
            guard let line = try reader.next(), line.endOffset == checkpoint.offset else { return false }
            return Self.hash(Array(line.bytes)) == checkpoint.tailHash
        } catch {
            return false
        }
    }

    /// Whether a line holds only spaces, tabs and a carriage return.
    static func isBlank(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == 32 || $0 == 9 || $0 == 13 }
    }

    /// What names a file's content in `ingested_files`: a hash of its first line — a CDR row,
    /// found in no other file — or, `underHeader` (a generic CSV, whose header line every export
    /// of the system shares), of the header and the first row under it.
    package static func fingerprint(_ lines: [[UInt8]], underHeader: Bool, standardInput: Bool = false) -> String {
        let prefix = (standardInput ? "stdin:" : "") + (underHeader ? "csv:" : "")
        return prefix + hash(Array(lines.prefix(underHeader ? 2 : 1).joined(separator: [10])))
    }

    static func hash(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { RowHasher.hex($0) }
    }
}

/// A line copied out of the reader, kept while the format is being detected.
private struct SampleLine: Sendable {
    var bytes: [UInt8]
    var number: Int
    var startOffset: Int64
    var endOffset: Int64
    var isTruncated: Bool
    var isUnterminated: Bool
}

/// The reading side of the pipeline, run on its own thread.
private final class BatchProducer: @unchecked Sendable {
    private let reader: ByteLineReader
    private var decoder: CDRRowDecoder
    private let pending: [SampleLine]
    private let batchSize: Int
    private let rater: DestinationRater?
    private let queue: BlockingQueue<Result<IngestBatch, IngestError>>
    private var lastLine: [UInt8] = []

    init(
        reader: ByteLineReader, decoder: CDRRowDecoder, pending: [SampleLine], batchSize: Int,
        rater: DestinationRater?, queue: BlockingQueue<Result<IngestBatch, IngestError>>
    ) {
        self.rater = rater
        self.reader = reader
        self.decoder = decoder
        self.pending = pending
        self.batchSize = max(1, batchSize)
        self.queue = queue
    }

    func run() {
        var batch = IngestBatch()
        var lastEnd: (offset: Int64, line: Int, length: Int)?
        func handle(
            _ bytes: UnsafeBufferPointer<UInt8>, number: Int, start: Int64, end: Int64, truncated: Bool,
            unterminated: Bool
        ) -> Bool {
            let blank = bytes.allSatisfy { $0 == 32 || $0 == 9 }
            if !blank {
                batch.rowsRead += 1
                if truncated {
                    batch.rejected.append(
                        RejectedRow(
                            line: number,
                            problem: RowProblem(
                                .lineTooLong, "line longer than \(bytes.count) bytes; it was cut there"),
                            raw: Array(bytes), isTruncated: true))
                } else {
                    switch decoder.decode(bytes) {
                    case .success(let record):
                        batch.calls.append(record, destination: rater?.rate(record), line: number)
                    case .failure(let problem):
                        batch.rejected.append(
                            RejectedRow(line: number, problem: problem, raw: Array(bytes), isTruncated: false))
                    }
                }
            }
            if !unterminated {
                lastLine.removeAll(keepingCapacity: true)
                lastLine.append(contentsOf: bytes)
                lastEnd = (end, number, Int(end - start))
            }
            if batch.calls.count + batch.rejected.count >= batchSize { return flush() }
            return true
        }
        func flush() -> Bool {
            if let lastEnd {
                batch.checkpoint = IngestCheckpoint(
                    offset: lastEnd.offset, line: lastEnd.line, tailHash: CDRFileIngester.hash(lastLine),
                    tailLength: lastEnd.length)
            }
            batch.positionOnDisk = reader.positionOnDisk
            let ok = queue.push(.success(batch))
            batch = IngestBatch()
            batch.calls.reserveCapacity(batchSize)
            return ok
        }
        for line in pending {
            let keepGoing = line.bytes.withUnsafeBufferPointer {
                handle(
                    $0, number: line.number, start: line.startOffset, end: line.endOffset, truncated: line.isTruncated,
                    unterminated: line.isUnterminated)
            }
            if !keepGoing { return }
        }
        do {
            while let line = try reader.next() {
                guard
                    handle(
                        line.bytes, number: line.number, start: line.startOffset, end: line.endOffset,
                        truncated: line.isTruncated, unterminated: line.isUnterminated)
                else { return }
            }
            _ = flush()
        } catch {
            _ = flush()
            queue.push(.failure(IngestError(path: reader.path, reason: error.reason)))
        }
    }
}
