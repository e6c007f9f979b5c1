import ArgumentParser
import Foundation
import TollGuardCore

struct IngestBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "tollguard ingest vs sqlite3 .import of the same FreeSWITCH example-template file.")

    @Option(help: "Rows in the timed file.")
    var rows = 1_000_000

    @Option(help: "Rows in the peak-memory file (0 skips it).")
    var rssRows = 0

    @Option(help: "Runs of each tool, taking turns; the best of each is reported.")
    var runs = 3

    @Option(help: "Scratch folder (emptied files are left for inspection).")
    var directory = NSTemporaryDirectory() + "tollguard-bench"

    func run() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tollguard = siblingExecutable("tollguard")
        let bench = siblingExecutable("tollguard-bench")
        let file = try exampleCDRFile(rows: rows, seed: 7, in: directory)

        let sqliteDatabase = directory + "/sqlite-import.sqlite"
        let tollguardDatabase = directory + "/tollguard.sqlite"
        let floorDatabase = directory + "/sqlite-floor.sqlite"
        let loopDatabase = directory + "/insert-loop.sqlite"
        let existingDatabase = directory + "/tollguard-existing.sqlite"
        let columns = (1...15).map { "c\($0) TEXT" }.joined(separator: ", ")
        // Best of `runs`, the tools taking turns, so a burst of load elsewhere on this noisy
        // machine lands on one run rather than on the ratio.
        var baseline: Measurement?
        var ours: Measurement?
        var intoExisting: Measurement?
        var floor: Measurement?
        var loop: Measurement?
        var dedupLoop: Measurement?
        for _ in 0..<max(1, runs) {
            removeDatabase(sqliteDatabase)
            removeDatabase(tollguardDatabase)
            removeDatabase(floorDatabase)
            removeDatabase(existingDatabase)
            // A store that exists already (empty, in WAL mode, as serve and readers share it).
            _ = try TollGuardDatabase.open(path: existingDatabase)
            _ = try measure(["sqlite3", sqliteDatabase, "CREATE TABLE cdr (\(columns));"])
            let baselineRun = try measure(["sqlite3", "-cmd", ".mode csv", sqliteDatabase, ".import \(file) cdr"])
            let ourRun = try measure([tollguard, "ingest", "--db", tollguardDatabase, "--timezone", "UTC", file])
            let existingRun = try measure([
                tollguard, "ingest", "--db", existingDatabase, "--timezone", "UTC", file,
            ])
            let loopRun = try measure([bench, "insert-loop", "--file", file, "--db", loopDatabase])
            let dedupLoopRun = try measure([bench, "insert-loop", "--dedup", "--file", file, "--db", loopDatabase])
            guard baselineRun.status == 0, ourRun.status == 0, existingRun.status == 0, loopRun.status == 0,
                dedupLoopRun.status == 0
            else {
                throw ValidationError(
                    "a run failed: sqlite3 exit \(baselineRun.status), tollguard exit \(ourRun.status) "
                        + "and \(existingRun.status), "
                        + "insert loops exit \(loopRun.status) and \(dedupLoopRun.status)")
            }
            // SQLite alone writing the rows TollGuard stored into a table like ours with no index, in
            // the same pages and journal as a new store's first load: no parsing, no binding, no
            // dedup (a WHERE keeps SQLite from copying records whole).
            _ = try measure(["sqlite3", tollguardDatabase, "PRAGMA wal_checkpoint(TRUNCATE);"])
            let floorRun = try measure([
                "sqlite3", floorDatabase,
                "PRAGMA page_size = \(TollGuardDatabase.preferredPageSize); ATTACH '\(tollguardDatabase)' AS ingested; "
                    + "CREATE TABLE calls AS SELECT * FROM ingested.calls WHERE 0; "
                    + "INSERT INTO calls SELECT * FROM ingested.calls WHERE id > 0;",
            ])
            print(
                String(
                    format:
                        "  run: sqlite3 .import %.2f s, tollguard ingest %.2f s (into an existing store %.2f s), "
                        + "insert loop %.2f s, with dedup %.2f s, SQLite floor %.2f s", baselineRun.seconds,
                    ourRun.seconds, existingRun.seconds, loopRun.seconds,
                    dedupLoopRun.seconds, floorRun.seconds))
            baseline.keepFaster(baselineRun)
            ours.keepFaster(ourRun)
            intoExisting.keepFaster(existingRun)
            loop.keepFaster(loopRun)
            dedupLoop.keepFaster(dedupLoopRun)
            if floorRun.status == 0 { floor.keepFaster(floorRun) }
        }
        removeDatabase(loopDatabase)
        removeDatabase(existingDatabase)
        guard let baseline, let ours, let intoExisting, let loop, let dedupLoop else { return }
        let stored = try TollGuardDatabase.open(path: tollguardDatabase).callCount()
        print(
            "ingest of \(rows) FreeSWITCH example-template rows (release build, a new store unless said, dedup on; best of \(max(1, runs)))"
        )
        func line(_ name: String, _ run: Measurement, _ note: String = "") {
            let figures = String(
                format: "%7.2f s  %9.0f rows/s  %5.2fx of .import", run.seconds, Double(rows) / run.seconds,
                baseline.seconds / run.seconds)
            print("  " + name.padding(toLength: 52, withPad: " ", startingAt: 0) + figures + note)
        }
        line("sqlite3 .import (15 columns, no index)", baseline)
        line("insert loop: one prepared statement, no index", loop, "  (the issue's ceiling)")
        line("insert loop + unique 64-bit key + start index", dedupLoop, "  (the least a deduplicating store writes)")
        if let floor { line("SQLite floor: our 31 columns, no index, no parsing", floor) }
        line("tollguard ingest", ours, "  peak RSS \(ours.maxRSSKilobytes / 1024) MB, \(stored) calls stored")
        line("tollguard ingest into an existing store (WAL)", intoExisting, "  (a store serve and readers share)")
        print(String(format: "  ratio (sqlite3 time / tollguard time): %.2fx", baseline.seconds / ours.seconds))

        if rssRows > 0 {
            let bigFile = try exampleCDRFile(rows: rssRows, seed: 11, in: directory)
            let bigDatabase = directory + "/tollguard-rss.sqlite"
            removeDatabase(bigDatabase)
            let big = try measure([tollguard, "ingest", "--db", bigDatabase, "--timezone", "UTC", bigFile])
            print(
                String(
                    format: "  %d rows: %.1f s, %.0f rows/s, peak RSS %d MB (exit %d)", rssRows, big.seconds,
                    Double(rssRows) / big.seconds, big.maxRSSKilobytes / 1024, big.status))
        }
    }
}
