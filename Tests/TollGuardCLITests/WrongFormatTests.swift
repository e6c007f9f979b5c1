import Foundation
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// A wrong --format does not poison a file: a file all of whose rows were rejected is read again
/// under another format, `--reread` starts any file over, and the format is shown.
@Suite struct WrongFormatTests {
    @Test func aFileRejectedWholeUnderOneFormatIsReadAgainUnderAnother() async throws {
        let folder = try TemporaryDirectory()
        var writer = ExampleCDRWriter(seed: 5, accounts: 5)
        var bytes: [UInt8] = []
        writer.appendRows(30, to: &bytes)
        let cdr = try folder.write("Master.csv", text: String(decoding: bytes, as: UTF8.self))
        let db = folder.path("t.sqlite")
        let wrong = try await CLITests.run(["ingest", "--db", db, "--timezone", "UTC", "--format", "asterisk", cdr])
        #expect(wrong.stdout.contains("0 inserted") && wrong.stdout.contains("30 rejected"), "\(wrong.stdout)")
        let right = try await CLITests.run(["ingest", "--db", db, "--timezone", "UTC", cdr])
        #expect(right.status == 0)
        #expect(right.stdout.contains("fs-example"), "\(right.stdout)")
        #expect(right.stdout.contains("read again: all 30 rows read before were rejected as asterisk"))
        #expect(right.stdout.contains("30 inserted, 0 duplicates, 0 rejected"), "\(right.stdout)")
        let status = try await CLITests.run(["db", "status", "--db", db])
        #expect(status.stdout.contains("\(cdr): fs-example, 30 rows read, 30 inserted, 0 rejected"), "\(status.stdout)")
        #expect(status.stdout.contains("rejected_rows: 0 rows"), "\(status.stdout)")

        // Read whole: again reads nothing; --reread starts it over and every call dedupes.
        let resumed = try await CLITests.run(["ingest", "--db", db, "--timezone", "UTC", cdr])
        #expect(resumed.stdout.contains("0 rows read"), "\(resumed.stdout)")
        let reread = try await CLITests.run(["ingest", "--db", db, "--timezone", "UTC", "--reread", cdr])
        #expect(reread.stdout.contains("read again from the start (--reread)"), "\(reread.stdout)")
        #expect(reread.stdout.contains("30 rows read, 0 inserted, 30 duplicates"), "\(reread.stdout)")
    }
}
