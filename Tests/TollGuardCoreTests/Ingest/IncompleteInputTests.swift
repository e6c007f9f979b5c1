import CZlib
import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// Input that lies about being complete is refused: a gzip stream that stops before its end is
/// an error naming the file, the file is not marked read to its end, and the rows before the cut
/// are kept; a byte-order mark is no part of a header name.
@Suite struct IncompleteInputTests {
    /// Where a test cuts a gzip stream of 1,000 rows.
    enum Cut: String, CaseIterable, Sendable {
        /// After the 500th row's newline (a flush point: the data decompresses to whole lines).
        case atALineBoundary
        /// Inside the 8-byte trailer: every row decompresses, the stream's end is missing.
        case insideTheTrailer
        /// In the middle of the compressed data: the last row read is cut.
        case midLine
    }

    /// A gzip stream of `data`, flushed in full after its first `split` bytes; the compressed
    /// length at that point.
    static func gzip(_ data: [UInt8], flushAfter split: Int) throws -> (bytes: [UInt8], flushedAt: Int) {
        var stream = z_stream()
        let status = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        try #require(status == Z_OK)
        defer { deflateEnd(&stream) }
        var output: [UInt8] = []
        var flushedAt = 0
        var input = data
        func deflatePart(_ range: Range<Int>, flush: Int32) {
            input.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                stream.next_in = base + range.lowerBound
                stream.avail_in = UInt32(range.count)
                var chunk = [UInt8](repeating: 0, count: 1 << 16)
                repeat {
                    let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(out.count)
                        deflate(&stream, flush)
                        return out.count - Int(stream.avail_out)
                    }
                    output += chunk.prefix(produced)
                } while stream.avail_out == 0
            }
        }
        deflatePart(0..<split, flush: Z_FULL_FLUSH)
        flushedAt = output.count
        deflatePart(split..<data.count, flush: Z_FINISH)
        return (output, flushedAt)
    }

    static func completed(_ database: TollGuardDatabase) throws -> [Bool] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT completed_utc FROM ingested_files").map { ($0[0] as String?) != nil }
        }
    }

    @Test(arguments: Cut.allCases)
    func aGzipStreamCutShortIsAnErrorThatKeepsTheRowsBeforeTheCut(_ cut: Cut) throws {
        let folder = try TemporaryDirectory()
        let plain = folder.path("Master.csv")
        try ExampleCDRWriter.writeFile(path: plain, rows: 1000, seed: 4)
        let data = Array(try Data(contentsOf: URL(fileURLWithPath: plain)))
        let lines = data.indices.filter { data[$0] == 10 }
        let (stream, flushedAt) = try Self.gzip(data, flushAfter: lines[499] + 1)
        let kept: [UInt8]
        switch cut {
        case .atALineBoundary: kept = Array(stream.prefix(flushedAt))
        case .insideTheTrailer: kept = Array(stream.dropLast(3))
        case .midLine: kept = Array(stream.prefix(flushedAt + (stream.count - flushedAt) / 2))
        }
        let path = try folder.write("Master.csv.gz", bytes: kept)
        let database = try TollGuardDatabase.inMemory()

        let error = #expect(throws: IngestError.self) {
            try CDRFileIngester.forTests(database, batchSize: 100).ingest(path: path)
        }
        #expect(error?.description.contains(path) == true, "\(String(describing: error))")
        #expect(error?.description.contains("gzip stream ends early") == true, "\(String(describing: error))")
        #expect(try Self.completed(database) == [false])
        let stored = try database.callCount()
        switch cut {
        case .atALineBoundary: #expect(stored == 500)
        case .insideTheTrailer: #expect(stored == 1000)
        case .midLine: #expect(stored > 500 && stored < 1000, "\(stored)")
        }
        // No half row is read as a row with broken quoting.
        #expect(try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM rejected_rows") } == 0)

        // The whole file, once it arrives, is read on: every row once, and now completed.
        try Data(stream).write(to: URL(fileURLWithPath: path))
        let summary = try CDRFileIngester.forTests(database, batchSize: 100).ingest(path: path)
        #expect(summary.inserted == 1000 - stored)
        #expect(try database.callCount() == 1000)
        #expect(try Self.completed(database).last == true)
    }

    /// Excel's "CSV UTF-8" starts the file with a byte-order mark: the first header name is still
    /// found, so the calls keep their ids and a second read stores nothing twice.
    @Test func aByteOrderMarkIsNoPartOfTheFirstHeaderName() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write(
            "export.csv",
            text: "\u{FEFF}CallUUID,Ext,Dialed,Started,Ended,Billable,Result\n"
                + "b-1,1001,2125550100,2026-03-29T10:00:00Z,2026-03-29T10:01:00Z,60,ANSWERED\n"
                + "b-2,1002,2125550101,2026-03-29T10:02:00Z,2026-03-29T10:03:00Z,60,ANSWERED\n")
        let database = try TollGuardDatabase.inMemory()
        var options = IngestOptions(timeZone: .named("UTC"))
        options.columnMap = [
            "call_id": "CallUUID", "account": "Ext", "destination": "Dialed", "start": "Started", "end": "Ended",
            "billsec": "Billable", "disposition": "Result",
        ]
        let summary = try CDRFileIngester(database: database, options: options, logger: testLogger).ingest(path: path)
        #expect(summary.inserted == 2)
        let ids = try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT call_id FROM calls ORDER BY call_id")
        }
        #expect(ids == ["b-1", "b-2"])
        // Another export of the same calls (no mark this time) adds nothing.
        let again = try folder.write(
            "again.csv",
            text: "CallUUID,Ext,Dialed,Started,Ended,Billable,Result\n"
                + "b-1,1001,2125550100,2026-03-29T10:00:00Z,2026-03-29T10:01:00Z,60,ANSWERED\n")
        #expect(
            try CDRFileIngester(database: database, options: options, logger: testLogger).ingest(path: again).inserted
                == 0)
    }
}
