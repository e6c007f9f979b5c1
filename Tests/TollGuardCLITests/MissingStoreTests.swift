import Foundation
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// No silent empty answers: a read command on a store that does not exist says so, naming the
/// path and where it came from, and creates nothing; a configuration's store path is relative to
/// the configuration file, not to the folder a command runs from.
@Suite struct MissingStoreTests {
    @Test(arguments: [
        ["alerts", "list"], ["alerts", "show", "1"], ["alerts", "ack", "1"], ["suspensions"], ["kills"],
        ["quota", "list"], ["report", "--date", "2026-11-10"], ["db", "status"], ["hooks", "status"],
        ["unsuspend", "1001"], ["rates", "show"], ["lists", "show"],
    ])
    func aReadCommandOnAMissingStoreIsAnErrorNamingIt(_ command: [String]) async throws {
        let directory = try TemporaryDirectory()
        let db = directory.path("nowhere.sqlite")
        let result = try await CLITests.run(command + ["--db", db], in: directory.url.path)
        #expect(result.status == 1, "\(command): \(result.stdout)")
        #expect(result.stderr.contains("no database at \(db) (--db)"), "\(command): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db), "\(command) created the store")
    }

    @Test func theStorePathOfAConfigurationIsRelativeToItsFolder() async throws {
        let site = try TemporaryDirectory()
        let elsewhere = try TemporaryDirectory()
        let configuration = site.path("tollguard.toml")
        try "[site]\ntimezone = \"UTC\"\n[database]\npath = \"site.sqlite\"\n".write(
            toFile: configuration, atomically: true, encoding: .utf8)
        let cdr = site.path("Master.csv")
        try ExampleCDRWriter.writeFile(path: cdr, rows: 20, seed: 3)

        let ingest = try await CLITests.run(["ingest", "--config", configuration, cdr], in: elsewhere.url.path)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(FileManager.default.fileExists(atPath: site.path("site.sqlite")))
        #expect(!FileManager.default.fileExists(atPath: elsewhere.path("site.sqlite")))

        let status = try await CLITests.run(["db", "status", "--config", configuration], in: elsewhere.url.path)
        #expect(status.status == 0)
        #expect(status.stdout.contains("database: \(site.path("site.sqlite"))"))
        #expect(status.stdout.contains("calls: 20 rows"))

        // Without the configuration the default store (in the working folder) does not exist.
        let bare = try await CLITests.run(["alerts", "list"], in: elsewhere.url.path)
        #expect(bare.status == 1)
        #expect(bare.stderr.contains("no database at \(elsewhere.path("tollguard.sqlite"))"), "\(bare.stderr)")
    }
}
