import Foundation

/// Follows a growing CDR CSV — FreeSWITCH `cdr-csv/Master.csv`, Asterisk `cdr-csv/Master.csv`,
/// a generic CSV — as rows are appended, across `cdr_csv rotate`, logrotate (rename) and
/// truncation (see ``FileTail``).
///
/// Each ``poll()`` decodes the complete rows added since the last
/// one; ``position`` is what to save so that a restart neither skips nor repeats a row.
package final class CDRTail {
    /// What one poll read.
    package struct Rows: Sendable {
        package var records: [(record: CallRecord, line: Int)] = []
        /// Rows that could not be read, with the fingerprint of the file they are in (a poll
        /// across a rotation reads the end of one file and the start of the next).
        package var rejected: [(row: RejectedRow, file: String)] = []
    }

    private static let detectionLines = 20
    private let tail: FileTail
    private let configuredFormat: CDRFormat
    private let timeZone: TimeZone
    private let columnMap: [String: String]
    private var decoder: CDRRowDecoder?
    /// The content fingerprint of the file being read (as ingest names it), once the file has
    /// the lines it is made of.
    private var fingerprint: String?

    /// `format` `.auto` detects it from the file's first rows (waiting until there are enough).
    package init(
        path: String, format: CDRFormat, timeZone: TimeZone, columnMap: [String: String] = [:],
        resumingAt position: TailPosition?
    ) {
        tail = FileTail(path: path, resumingAt: position, startAtEnd: false)
        configuredFormat = format
        self.timeZone = timeZone
        self.columnMap = columnMap
    }

    package var path: String { tail.path }
    package var position: TailPosition { tail.position }
    /// The format rows are read as (known once the first rows were seen).
    package var format: CDRFormat? { decoder?.format }

    /// Decodes the complete rows appended since the last poll.
    package func poll() throws -> Rows {
        var rows = Rows()
        try tail.poll { reader, following, newFile in
            if newFile { (decoder, fingerprint) = (nil, nil) }
            if decoder == nil { decoder = try makeDecoder(following: following) }
            guard var decoder else { return (reader.positionOnDisk, reader.linesRead) }
            defer { self.decoder = decoder }
            // A file rotated away before it was identified (rare) is named by its path and inode.
            let file =
                try fingerprint ?? (following ? identify(underHeader: decoder.format == .csv) : nil)
                ?? "followed:\(reader.fileIdentity?.inode ?? 0):\(tail.path)"
            return try Self.read(reader, following: following, decoder: &decoder, file: file, into: &rows)
        }
        return rows
    }

    private static func read(
        _ reader: ByteLineReader, following: Bool, decoder: inout CDRRowDecoder, file: String, into rows: inout Rows
    ) throws -> FileTail.Resume {
        var resume: FileTail.Resume = (reader.positionOnDisk, reader.linesRead)
        while let line = try reader.next() {
            if following, line.isUnterminated { break }
            resume = (line.endOffset, line.number)
            // A blank line, or the header.
            if CDRFileIngester.isBlank(line.bytes) || (decoder.format == .csv && line.number == 1) { continue }
            if line.isTruncated {
                let problem = RowProblem(.lineTooLong, "line longer than \(line.bytes.count) bytes")
                rows.rejected.append(
                    (RejectedRow(line: line.number, problem: problem, raw: Array(line.bytes), isTruncated: true), file))
                continue
            }
            switch decoder.decode(line.bytes) {
            case .success(let record): rows.records.append((record, line.number))
            case .failure(let problem):
                rows.rejected.append(
                    (RejectedRow(line: line.number, problem: problem, raw: Array(line.bytes), isTruncated: false), file)
                )
            }
        }
        return resume
    }

    /// The decoder for this file: the configured format, or the one its first rows show; `nil`
    /// while the file has too few complete rows to tell.
    ///
    /// A generic CSV reads its header line.
    private func makeDecoder(following: Bool) throws -> CDRRowDecoder? {
        var format = configuredFormat
        var lines: [[UInt8]] = []
        if format == .auto || format == .csv {
            lines = try headLines(Self.detectionLines, following: following)
        }
        if format == .auto {
            guard !lines.isEmpty else { return nil }
            do {
                format = try CDRFormatDetector.detect(lines: lines, timeZone: timeZone, columnMap: columnMap).format
            } catch {
                // A few rows can read as two formats: wait for more, unless there are enough.
                if lines.count < Self.detectionLines && following { return nil }
                throw IngestError(path: tail.path, reason: error.description)
            }
        }
        var decoder = CDRRowDecoder(format: format, timeZone: timeZone)
        if format == .csv {
            guard let header = lines.first else { return nil }
            do {
                try header.withUnsafeBufferPointer { bytes throws(CSVHeaderError) in
                    try decoder.readHeader(bytes, columnMap: columnMap)
                }
            } catch {
                throw IngestError(path: tail.path, reason: "line 1: \(error.description)")
            }
        }
        return decoder
    }

    /// The fingerprint of the file now at the path, from its first line (a generic CSV's: its
    /// header and first row); kept once those lines are there.
    ///
    /// Without them, what there is.
    private func identify(underHeader: Bool) throws -> String {
        let wanted = underHeader ? 2 : 1
        let lines = try headLines(wanted, following: true)
        let identified = CDRFileIngester.fingerprint(lines, underHeader: underHeader)
        if lines.count == wanted { fingerprint = identified }
        return identified
    }

    /// Up to `count` non-blank complete lines from the start of the file, read apart: the tail
    /// may be far past them.
    private func headLines(_ count: Int, following: Bool) throws -> [[UInt8]] {
        let head = try ByteLineReader(path: tail.path)
        var lines: [[UInt8]] = []
        while lines.count < count, let line = try head.next() {
            if line.isUnterminated && following { break }
            if !CDRFileIngester.isBlank(line.bytes) { lines.append(Array(line.bytes)) }
        }
        return lines
    }
}
