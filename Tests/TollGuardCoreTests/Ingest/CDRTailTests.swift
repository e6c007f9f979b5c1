import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// A followed `Master.csv`: rows appended (the last one perhaps half written), `cdr_csv rotate`
/// (rename), truncation, a bad row, and restarts from the saved position — every row once.
@Suite struct CDRTailTests {
    /// Appends `count` generated FreeSWITCH example-template rows to the file; returns their uuids.
    static func append(_ count: Int, to path: String, writer: inout ExampleCDRWriter) throws -> [String] {
        var bytes: [UInt8] = []
        writer.appendRows(count, to: &bytes)
        try appendToFile(bytes, path: path)
        return uuids(in: bytes)
    }

    static func uuids(in bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { line in
            String(line.split(separator: ",")[10].dropFirst().dropLast())
        }
    }

    static func create(_ path: String) {
        #expect(FileManager.default.createFile(atPath: path, contents: nil), "could not create \(path)")
    }

    static func callIDs(_ tail: CDRTail) throws -> [String] {
        try tail.poll().records.map(\.record.callID)
    }

    @Test func everyRowOnceThroughGrowthRotationTruncationAndRestarts() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("Master.csv")
        let database = try TollGuardDatabase.inMemory()
        let utc = try #require(TimeZone(identifier: "UTC"))
        var writer = ExampleCDRWriter(seed: 11)
        Self.create(path)
        var tail = CDRTail(path: path, format: .auto, timeZone: utc, resumingAt: nil)
        #expect(try Self.callIDs(tail).isEmpty)

        // Rows, then more with the last one half written: it waits for its newline.
        var written = try Self.append(30, to: path, writer: &writer)
        #expect(try Self.callIDs(tail) == written)
        #expect(tail.format == .fsExample)
        var bytes: [UInt8] = []
        writer.appendRows(10, to: &bytes)
        let ten = Self.uuids(in: bytes)
        try appendToFile(bytes.dropLast(40), path: path)
        #expect(try Self.callIDs(tail) == Array(ten.dropLast()))
        written += ten

        // Restart from the saved position; the half row is finished meanwhile and read once.
        try await database.saveFollowPositions([path: tail.position], .cdrCSV)
        let saved = try await database.followPositions(.cdrCSV)[path]
        #expect(saved == tail.position)
        tail = CDRTail(path: path, format: .auto, timeZone: utc, resumingAt: saved)
        try appendToFile(bytes.suffix(40), path: path)
        let next = try Self.append(5, to: path, writer: &writer)
        #expect(try Self.callIDs(tail) == [ten[9]] + next)
        written += next

        // cdr_csv rotate: rows appended to the old file before the rename are read, then the new file.
        let beforeRotation = try Self.append(3, to: path, writer: &writer)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        Self.create(path)
        let afterRotation = try Self.append(4, to: path, writer: &writer)
        #expect(try Self.callIDs(tail) == beforeRotation + afterRotation)
        written += beforeRotation + afterRotation

        // Truncated in place, then refilled: read from the start.
        try Data().write(to: URL(fileURLWithPath: path))
        let refilled = try Self.append(2, to: path, writer: &writer)
        #expect(try Self.callIDs(tail) == refilled)
        written += refilled

        // A bad row between good ones: rejected with its line number, the others kept.
        let good1 = try Self.append(1, to: path, writer: &writer)
        try appendToFile(Array("\"only\",\"three\",\"columns\"\n".utf8), path: path)
        let good2 = try Self.append(1, to: path, writer: &writer)
        let rows = try tail.poll()
        #expect(rows.records.map(\.record.callID) == good1 + good2)
        #expect(rows.rejected.map(\.row.line) == [4])
        written += good1 + good2
        // Kept as ingest keeps it, under the file's content: ingesting the same file later adds
        // no second record of that row.
        let format = try #require(tail.format)
        #expect(
            try await database.recordRejectedRows(
                rows.rejected.map(\.row), followedFile: path, fingerprint: rows.rejected[0].file, format: format) == 1)
        #expect(
            try await database.recordRejectedRows(
                rows.rejected.map(\.row), followedFile: path, fingerprint: rows.rejected[0].file, format: format) == 0)
        let ingested = try CDRFileIngester.forTests(database).ingest(path: path)
        #expect(ingested.rejected == 1)
        let kept = try database.writer.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT f.rejected, r.path, r.line FROM rejected_rows r JOIN ingested_files f ON f.id = r.file_id")
        }
        #expect(kept.map { "\($0[0] as Int) \($0[1] as String):\($0[2] as Int)" } == ["1 \(path):4"])

        // Replaced while stopped (another file at the path): the saved position is not applied to it.
        try await database.saveFollowPositions([path: tail.position], .cdrCSV)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".2")
        Self.create(path)
        let replaced = try Self.append(6, to: path, writer: &writer)
        tail = CDRTail(
            path: path, format: .auto, timeZone: utc, resumingAt: try await database.followPositions(.cdrCSV)[path])
        #expect(try Self.callIDs(tail) == replaced)
        written += replaced
        #expect(Set(written).count == written.count)
    }

}
