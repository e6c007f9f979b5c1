import Foundation
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// The nightly job cannot go blind: rotated CDR files are read too, and an analysed period with
/// no call while the store holds earlier ones is a warning with exit status 4.
@Suite struct NightlyJobTests {
    /// Rows of the FreeSWITCH example template: calls on 2026-11-10 (UTC) and on 2026-11-11.
    static func rows(seed: UInt64, day: Int) throws -> String {
        var writer = ExampleCDRWriter(seed: seed, accounts: 5, firstStart: 1_794_268_800 + Int64(day) * 86_400)
        var bytes: [UInt8] = []
        writer.appendRows(40, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func rotatedFilesAreReadOldestFirstAndOnlyOnce() async throws {
        let folder = try TemporaryDirectory()
        let current = try folder.write("Master.csv", text: try Self.rows(seed: 2, day: 1))
        let rotated = try folder.write("Master.csv.1", text: try Self.rows(seed: 1, day: 0))
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -86_400)], ofItemAtPath: rotated)
        _ = try folder.write("Master.csv.old-notes.txt.swp", text: "")
        try FileManager.default.createDirectory(
            atPath: folder.path("Master.csv.d"), withIntermediateDirectories: true)
        let db = folder.path("t.sqlite")
        let first = try await CLITests.run(
            ["ingest", "--rotated", "--db", db, "--timezone", "UTC", "--format", "fs-example", current])
        #expect(first.status == 0, "\(first.stderr)")
        let order = first.stdout.split(separator: "\n").filter { $0.hasPrefix("/") }.map {
            String($0.prefix { $0 != ":" })
        }
        #expect(order.first == rotated && order.last == current, "\(first.stdout)")
        #expect(first.stdout.contains("Total: 2 files"), "\(first.stdout)")
        #expect(first.stdout.contains(", 80 inserted"), "\(first.stdout)")
        let again = try await CLITests.run(
            ["ingest", "--rotated", "--db", db, "--timezone", "UTC", "--format", "fs-example", current])
        #expect(again.stdout.contains(" 0 inserted"), "\(again.stdout)")
    }

    @Test func anAnalysedPeriodWithoutCallsAfterEarlierOnesExitsFour() async throws {
        let utc = ["TZ": "UTC"]
        let folder = try TemporaryDirectory()
        let cdr = try folder.write("Master.csv", text: try Self.rows(seed: 1, day: 0))
        let db = folder.path("t.sqlite")
        #expect(try await CLITests.run(["ingest", "--db", db, "--timezone", "UTC", cdr]).status == 0)
        let covered = try await CLITests.run(
            ["analyze", "--db", db, "--no-report", "--from", "2026-11-10", "--to", "2026-11-11"], environment: utc)
        #expect(covered.status == 0, "\(covered.stderr)")
        let blind = try await CLITests.run(
            ["analyze", "--db", db, "--no-report", "--from", "2026-11-12", "--to", "2026-11-13"], environment: utc)
        #expect(blind.status == 4)
        #expect(blind.stderr.contains("warning: no call started from 2026-11-12 00:00"), "\(blind.stderr)")
        #expect(blind.stderr.contains("the CDRs of this period did not arrive"))
        let json = try await CLITests.run(
            [
                "analyze", "--db", db, "--no-report", "--from", "2026-11-12", "--to", "2026-11-13",
                "--json",
            ], environment: utc)
        #expect(json.status == 4)
        #expect(json.stdout.contains("\"blind_period_warning\""))
        // An empty store has nothing to miss: no warning.
        let empty = try await CLITests.run(
            ["analyze", "--db", folder.path("empty.sqlite"), "--no-report"], environment: utc)
        #expect(empty.status == 0, "\(empty.stderr)")
    }

    /// The shipped timer runs `ingest --rotated` with no file: the files are the configuration's,
    /// relative to its folder; none configured is a usage error naming the setting and the file.
    @Test func ingestWithoutFilesLoadsTheConfiguredOnes() async throws {
        let folder = try TemporaryDirectory()
        _ = try folder.write("cdr/Master.csv", text: try Self.rows(seed: 2, day: 1))
        let rotated = try folder.write("cdr/Master.csv.1", text: try Self.rows(seed: 1, day: 0))
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -86_400)], ofItemAtPath: rotated)
        let configuration = try folder.write(
            "etc/tollguard.toml",
            text: """
                [site]
                timezone = "UTC"
                [database]
                path = "../t.sqlite"
                [ingest]
                files = ["../cdr/Master.csv"]
                format = "fs-example"
                """)
        let elsewhere = try TemporaryDirectory()
        let nightly = try await CLITests.run(
            ["ingest", "--rotated", "--config", configuration], in: elsewhere.url.path)
        #expect(nightly.status == 0, "\(nightly.stderr)")
        #expect(nightly.stdout.contains("Total: 2 files"), "\(nightly.stdout)")
        #expect(nightly.stdout.contains(", 80 inserted"), "\(nightly.stdout)")
        #expect(FileManager.default.fileExists(atPath: folder.path("t.sqlite")))

        let bare = try folder.write("bare.toml", text: "[site]\ntimezone = \"UTC\"\n")
        let unconfigured = try await CLITests.run(
            ["ingest", "--rotated", "--config", bare], in: elsewhere.url.path)
        #expect(unconfigured.status == 64)
        #expect(unconfigured.stderr.contains("or list them as [ingest] files in \(bare)"), "\(unconfigured.stderr)")
    }
}
