import ArgumentParser
import Foundation
import TollGuardCore

struct AnalyzeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "tollguard analyze over N stored calls beside tollguard ingest of the same calls, in one run.")

    @Option(help: "Calls (rows of the FreeSWITCH example-template file).")
    var rows = 1_000_000

    @Option(help: "Scratch folder.")
    var directory = NSTemporaryDirectory() + "tollguard-bench"

    func run() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tollguard = siblingExecutable("tollguard")
        let file = try exampleCDRFile(rows: rows, seed: 7, in: directory)
        let database = directory + "/analyze.sqlite"
        removeDatabase(database)
        let common = ["--db", database]
        guard try measure([tollguard, "rates", "import", "--example"] + common).status == 0 else {
            throw ValidationError("rates import failed")
        }
        let ingest = try measure([tollguard, "ingest", "--timezone", "UTC", file] + common)
        let period = ["--from", "2000-01-01", "--to", "2100-01-01"]
        // The analysis alone; the reports of the busiest day are measured on their own below.
        let analyze = try measure([tollguard, "analyze", "--no-report"] + period + common)
        let rerun = try measure([tollguard, "analyze", "--no-report"] + period + common)
        let report = try measure(
            [tollguard, "report", "--date", "2025-11-22", "--directory", directory + "/reports"] + common)
        guard ingest.status == 0, analyze.status == 0, rerun.status == 0, report.status == 0 else {
            throw ValidationError(
                "a run failed: ingest \(ingest.status), analyze \(analyze.status), re-run \(rerun.status), "
                    + "report \(report.status)")
        }
        let store = try TollGuardDatabase.open(path: database)
        let calls = try store.callCount()
        let alerts = try store.alerts(AlertFilter())
        let high = alerts.filter { $0.severity >= .high }.count
        print("\(calls) calls stored; \(alerts.count) alerts (\(high) high or critical)")
        print("step                  seconds   calls/s    ratio to ingest  peak RSS")
        for (name, run) in [
            ("ingest (baseline)", ingest), ("analyze", analyze), ("analyze again", rerun),
            ("report of one day", report),
        ] {
            print(
                name.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(
                        format: "  %7.2f  %9.0f  %15.2f  %5d MB", run.seconds, Double(calls) / run.seconds,
                        run.seconds / ingest.seconds, run.maxRSSKilobytes / 1024))
        }
    }
}
