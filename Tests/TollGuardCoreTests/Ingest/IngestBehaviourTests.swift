import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

@Suite struct BadRowTests {
    private func goodRow(_ id: Int, name: String = "Good") -> String {
        "\"\(name)\",\"1001\",\"100\",\"default\",\"2026-03-29 10:00:00\",\"2026-03-29 10:00:02\",\"2026-03-29 10:00:12\","
            + "\"12\",\"10\",\"NORMAL_CLEARING\",\"22222222-0000-4000-8000-\(String(format: "%012d", id))\",\"\",\"1001\",\"PCMU\",\"PCMU\""
    }

    @Test func everyBadRowKindIsRejectedWithItsLineWhileNeighboursLoad() throws {
        var bytes: [UInt8] = []
        func line(_ text: String) { bytes += Array(text.utf8) + [10] }
        line(goodRow(1))  // 1
        line("\"Too Few\",\"1001\",\"100\"")  // 2 column count
        line(goodRow(3).replacingOccurrences(of: "\"PCMU\",\"PCMU\"", with: "\"PCMU\",\"PCMU"))  // 3 broken quoting
        line(goodRow(4).replacingOccurrences(of: "2026-03-29 10:00:00", with: "2026-02-30 10:00:00"))  // 4 bad time
        bytes += Array(goodRow(5, name: "Bad\u{1}").utf8).map { $0 == 1 ? 0xff : $0 } + [10]  // 5 invalid UTF-8
        line(goodRow(6, name: String(repeating: "x", count: 1_048_576)))  // 6 a 1 MB field
        bytes += Array(goodRow(7, name: "Nul\u{1}").utf8).map { $0 == 1 ? 0 : $0 } + [10]  // 7 NUL byte
        line(goodRow(8))  // 8
        let directory = try TemporaryDirectory()
        let path = try directory.write("bad.csv", bytes: bytes)

        let database = try TollGuardDatabase.inMemory()
        let summary = try CDRFileIngester.forTests(database, format: .fsExample, batchSize: 3).ingest(path: path)
        #expect(summary.rowsRead == 8)
        #expect(summary.inserted == 2)
        #expect(summary.rejected == 6)

        let rejected = try database.writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT line, reason_code, column_number, raw_row FROM rejected_rows ORDER BY line")
        }
        let kinds = rejected.map { "\($0["line"] as Int):\($0["reason_code"] as String)" }
        #expect(
            kinds == [
                "2:column_count", "3:broken_quoting", "4:bad_time", "5:invalid_utf8", "6:field_too_long", "7:nul_byte",
            ])
        #expect(rejected[3]["column_number"] == 1)
        #expect(rejected[5]["column_number"] == nil as Int?)
        // The original bytes are kept exactly, invalid UTF-8 and NUL included.
        let raw: Data = rejected[5]["raw_row"]
        #expect(raw.contains(0))
        let stored = try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT call_id FROM calls ORDER BY line")
        }
        #expect(stored == ["22222222-0000-4000-8000-000000000001", "22222222-0000-4000-8000-000000000008"])
    }

    @Test func fixtureWithMixedRows() throws {
        let database = try TollGuardDatabase.inMemory()
        let summary = try CDRFileIngester.forTests(database).ingest(path: FixtureFiles.path("bad-rows.csv"))
        #expect(summary.format == .fsExample)
        #expect(summary.inserted == 2)
        #expect(summary.rejected == 3)
        #expect(summary.problems.first?.hasPrefix("line 2: 5 columns; the fs-example format has 15") == true)
    }

    @Test func overlongLineIsCutAndSkipped() throws {
        let directory = try TemporaryDirectory()
        let long = String(repeating: "y", count: 200_000)
        let path = try directory.write("long.csv", text: goodRow(1) + "\n" + long + "\n" + goodRow(3) + "\n")
        let database = try TollGuardDatabase.inMemory()
        var options = IngestOptions(timeZone: .named("UTC"))
        options.format = .fsExample
        options.maxLineBytes = 65_536
        let summary = try CDRFileIngester(database: database, options: options, logger: testLogger).ingest(path: path)
        #expect(summary.inserted == 2)
        #expect(summary.rejected == 1)
        #expect(summary.problems.first?.hasPrefix("line 2: line longer than") == true)
    }
}

@Suite struct IdempotencyTests {
    @Test func reingestInsertsNothing() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("Master.csv")
        try ExampleCDRWriter.writeFile(path: path, rows: 5000, seed: 1)
        let database = try TollGuardDatabase.inMemory()
        let ingester = CDRFileIngester.forTests(database, batchSize: 700)
        let first = try ingester.ingest(path: path)
        #expect(first.inserted == 5000)
        let second = try ingester.ingest(path: path)
        #expect(second.inserted == 0)
        #expect(try database.callCount() == 5000)
    }

    @Test func appendedRowsAreReadFromTheCheckpoint() throws {
        let directory = try TemporaryDirectory()
        var writer = ExampleCDRWriter(seed: 3)
        var bytes: [UInt8] = []
        writer.appendRows(1000, to: &bytes)
        let path = try directory.write("Master.csv", bytes: bytes)
        let database = try TollGuardDatabase.inMemory()
        let ingester = CDRFileIngester.forTests(database, batchSize: 300)
        #expect(try ingester.ingest(path: path).inserted == 1000)
        writer.appendRows(250, to: &bytes)
        try directory.write("Master.csv", bytes: bytes)
        let second = try ingester.ingest(path: path)
        #expect(second.resumedAfterLine == 1000)
        #expect(second.rowsRead == 250)
        #expect(second.inserted == 250)
        #expect(try database.callCount() == 1250)
    }

    @Test func rotatedOverlappingFileAddsOnlyNewCalls() throws {
        let directory = try TemporaryDirectory()
        var writer = ExampleCDRWriter(seed: 5)
        var all: [UInt8] = []
        writer.appendRows(3000, to: &all)
        let lines = all.split(separator: 10, omittingEmptySubsequences: true)
        let firstPart: [UInt8] = lines[0..<2000].flatMap { Array($0) + [UInt8(10)] }
        let overlapping: [UInt8] = lines[1500..<3000].flatMap { Array($0) + [UInt8(10)] }
        let database = try TollGuardDatabase.inMemory()
        let ingester = CDRFileIngester.forTests(database)
        _ = try ingester.ingest(path: try directory.write("Master.csv.1", bytes: firstPart))
        let second = try ingester.ingest(path: try directory.write("Master.csv", bytes: overlapping))
        #expect(second.inserted == 1000)
        #expect(second.duplicates == 500)
        #expect(try database.callCount() == 3000)
    }

    @Test func changedFileWithSameFirstLineIsReadAgain() throws {
        let directory = try TemporaryDirectory()
        var writer = ExampleCDRWriter(seed: 9)
        var all: [UInt8] = []
        writer.appendRows(400, to: &all)
        let lines: [[UInt8]] = all.split(separator: 10).map { Array($0) + [UInt8(10)] }
        let database = try TollGuardDatabase.inMemory()
        let ingester = CDRFileIngester.forTests(database, batchSize: 50)
        _ = try ingester.ingest(path: try directory.write("a.csv", bytes: lines[0..<300].flatMap { $0 }))
        // Same first line, different content after it: the checkpoint does not match, so all is read.
        let other = [lines[0]] + Array(lines[300..<400])
        let second = try ingester.ingest(path: try directory.write("b.csv", bytes: other.flatMap { $0 }))
        #expect(second.resumedAfterLine == nil)
        #expect(second.inserted == 100)
        #expect(try database.callCount() == 400)
    }
}

@Suite struct ReaderTests {
    @Test func gzipFilesAreReadDirectly() throws {
        let directory = try TemporaryDirectory()
        let plain = directory.path("Master.csv")
        try ExampleCDRWriter.writeFile(path: plain, rows: 2000, seed: 4)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", plain]
        try gzip.run()
        gzip.waitUntilExit()
        let database = try TollGuardDatabase.inMemory()
        let summary = try CDRFileIngester.forTests(database, batchSize: 600).ingest(path: plain + ".gz")
        #expect(summary.format == .fsExample)
        #expect(summary.inserted == 2000)
        #expect(try CDRFileIngester.forTests(database).ingest(path: plain).inserted == 0)
    }

    @Test func crlfLineEndingsAndBlankLines() throws {
        let directory = try TemporaryDirectory()
        let text = try String(contentsOfFile: FixtureFiles.path("fs-example.csv"), encoding: .utf8)
        let path = try directory.write("crlf.csv", text: "\r\n" + text.replacingOccurrences(of: "\n", with: "\r\n\r\n"))
        let database = try TollGuardDatabase.inMemory()
        let summary = try CDRFileIngester.forTests(database).ingest(path: path)
        #expect(summary.inserted == 3)
        #expect(summary.rejected == 0)
    }
}

@Suite struct FormatDetectionTests {
    @Test(arguments: [
        ("fs-example.csv", CDRFormat.fsExample), ("fs-sql.csv", .fsSQL), ("fs-snom.csv", .fsSnom),
        ("fs-linksys.csv", .fsLinksys), ("fs-asterisk.csv", .fsAsterisk), ("fs-opencdrrate.csv", .fsOpenCDRRate),
        ("asterisk-16.csv", .asterisk), ("asterisk-17.csv", .asterisk), ("asterisk-18.csv", .asterisk),
        ("asterisk-21.csv", .asterisk), ("generic.csv", .csv),
    ])
    func detectsEachFormat(fixture: String, expected: CDRFormat) throws {
        let text = try String(contentsOfFile: FixtureFiles.path(fixture), encoding: .utf8)
        let lines = text.split(separator: "\n").map { Array($0.utf8) }
        let detection = try CDRFormatDetector.detect(lines: lines, timeZone: .named("UTC"), columnMap: [:])
        #expect(detection.format == expected)
    }

    @Test func unknownShapeAsksForFormat() {
        #expect(throws: FormatDetectionError.self) {
            try CDRFormatDetector.detect(
                lines: [Array("hello,world,1,2".utf8)], timeZone: .named("UTC"), columnMap: [:])
        }
    }
}

@Suite struct TimeTests {
    @Test func berlinDaylightSavingTransitions() throws {
        var converter = LocalTimeConverter(timeZone: .named("Europe/Berlin"))
        func utc(_ text: String) -> String? {
            var text = text
            return text.withUTF8 { bytes in
                TimestampParser.parse(bytes[...]).map { CivilTime.utcText(epochSeconds: converter.epochSeconds($0)) }
            }
        }
        #expect(utc("2026-01-15 12:00:00") == "2026-01-15 11:00:00")
        #expect(utc("2026-07-15 12:00:00") == "2026-07-15 10:00:00")
        // Autumn: 02:30 happens twice; the first (summer time) reading is used.
        #expect(utc("2026-10-25 02:30:00") == "2026-10-25 00:30:00")
        #expect(utc("2026-10-25 03:30:00") == "2026-10-25 02:30:00")
        // Explicit offsets and epochs ignore the site zone.
        #expect(utc("2026-07-15T12:00:00Z") == "2026-07-15 12:00:00")
        #expect(utc("2026-07-15T12:00:00.123456-05:00") == "2026-07-15 17:00:00")
        #expect(utc("1784116800") == "2026-07-15 12:00:00")
        #expect(utc("1784116800000000") == "2026-07-15 12:00:00")
        #expect(utc("2026-02-29 10:00:00") == nil)
        #expect(utc("yesterday") == nil)
    }

    @Test func civilRoundTrip() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            let date = CivilTime.civilFromDays(days)
            #expect(CivilTime.daysFromCivil(year: date.year, month: date.month, day: date.day) == days)
        }
    }
}
