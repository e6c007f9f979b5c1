import ArgumentParser
import Foundation
import Logging
import TollGuardCore

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load CDR files (FreeSWITCH mod_cdr_csv, Asterisk Master.csv, generic CSV) into the store.",
        discussion: """
            Named no file, it loads [ingest] files of the configuration (what the nightly timer runs). \
            Files may be gzip-compressed; '-' reads standard input. Loading is idempotent: a file or an \
            overlapping rotated file adds each call once, and a run that was killed resumes where it stopped. \
            Bad rows are stored in rejected_rows with their file, line and reason; the rows around them load.

            Formats:
            \(CDRFormat.allCases.map { "  \($0.rawValue): \($0.summary)" }.joined(separator: "\n"))
            Exit status: 0 on success, 1 when a file could not be read, 3 with --strict when rows were rejected.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "CDR format (default: [ingest] format, auto).")
    var format: CDRFormat?

    @Option(name: .long, help: "Time zone of times without an offset, e.g. Europe/Berlin (default: [site] timezone).")
    var timezone: String?

    @Flag(name: .long, help: "Exit with status 3 when any row was rejected.")
    var strict = false

    @Flag(
        name: .long,
        help: """
            Also load each file's rotated copies beside it (Master.csv.1, Master.csv.2.gz, \
            Master.csv-20261110.gz, Master.csv.2026-11-10-00-00-00), oldest first.
            """)
    var rotated = false

    @Flag(name: .long, help: "Read the files from their start again, as if never read (their calls dedupe).")
    var reread = false

    @OptionGroup var output: OutputOptions

    @Argument(help: "CDR files to load ('-' for standard input; default: [ingest] files).")
    var files: [String] = []

    func validate() throws {
        if let timezone, TollGuardConfiguration.timeZone(named: timezone) == nil {
            throw ValidationError("--timezone \(timezone) is not a time zone (use an IANA name like Europe/Berlin)")
        }
    }

    func run() throws {
        let loaded = try global.loadConfiguration()
        let configuration = loaded.configuration
        let files = self.files.isEmpty ? configuration.ingest.files : self.files
        if files.isEmpty {
            let written = loaded.path.map { "in \($0)" } ?? "in a configuration file (none was found)"
            throw ValidationError(
                "name at least one CDR file ('-' for standard input), or list them as [ingest] files \(written)")
        }
        let zone = timezone.flatMap(TollGuardConfiguration.timeZone(named:)) ?? configuration.siteTimeZone ?? .current
        var options = configuration.ingestOptions(timeZone: zone)
        if let format { options.format = format }
        options.reread = reread
        let database = try global.openDatabase(configuration, loadingNewStoreDirectly: true)
        options.rater = try global.destinationRater(configuration, database: database)
        let ingester = CDRFileIngester(database: database, options: options, logger: Logger(label: "tollguard.ingest"))

        let started = Date()
        var results: [FileIngestSummary] = []
        var failures: [String] = []
        var paths: [String] = []
        for file in files {
            guard rotated, file != "-" else {
                paths.append(file)
                continue
            }
            do {
                let found = try RotatedFiles.withRotated(file)
                if found.isEmpty { failures.append("\(file): no such file, and no rotated copy of it") }
                paths += found
            } catch {
                failures.append("\(file): cannot list its folder: \(error.localizedDescription)")
            }
        }
        for failure in failures { FileHandle.standardError.write(Data("tollguard ingest: \(failure)\n".utf8)) }
        for file in paths {
            let bar = ProgressBar()
            do {
                let summary = try ingester.ingest(path: file) { bar.update($0) }
                bar.finish()
                results.append(summary)
                if !output.json { printSummary(summary) }
            } catch {
                bar.finish()
                failures.append("\(error)")
                FileHandle.standardError.write(Data("tollguard ingest: \(error)\n".utf8))
            }
        }
        database.finishLoading()
        let seconds = Date().timeIntervalSince(started)
        let total = IngestTotals(results: results, failures: failures, seconds: seconds)
        if output.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(total), as: UTF8.self))
        } else {
            let rate = seconds > 0 ? Int(Double(total.rowsRead) / seconds) : 0
            print(
                "Total: \(Plural.of(total.files, "file")), \(Plural.of(total.rowsRead, "row")) read, \(total.inserted) inserted, "
                    + "\(total.duplicates) duplicates, \(total.rejected) rejected in "
                    + String(format: "%.2f s (%d rows/s)", seconds, rate))
        }
        if !failures.isEmpty { throw ExitCode(1) }
        if strict, total.rejected > 0 { throw ExitCode(3) }
    }

    private func printSummary(_ summary: FileIngestSummary) {
        var header = "\(summary.path): \(summary.format.rawValue), \(summary.formatSource)"
        if let line = summary.resumedAfterLine { header += ", resumed after line \(line)" }
        print(header)
        print(
            "  \(Plural.of(summary.rowsRead, "row")) read, \(summary.inserted) inserted, "
                + "\(Plural.of(summary.duplicates, "duplicate")), "
                + "\(summary.rejected) rejected")
        for problem in summary.problems { print("  rejected \(problem)") }
        if summary.rejected > summary.problems.count {
            print("  … \(summary.rejected - summary.problems.count) more in the rejected_rows table")
        }
    }
}

/// The `--json` summary of an ingest run.
struct IngestTotals: Encodable {
    var files: Int
    var rowsRead: Int
    var inserted: Int
    var duplicates: Int
    var rejected: Int
    var seconds: Double
    var results: [FileIngestSummary]
    var errors: [String]

    init(results: [FileIngestSummary], failures: [String], seconds: Double) {
        files = results.count
        rowsRead = results.reduce(0) { $0 + $1.rowsRead }
        inserted = results.reduce(0) { $0 + $1.inserted }
        duplicates = results.reduce(0) { $0 + $1.duplicates }
        rejected = results.reduce(0) { $0 + $1.rejected }
        self.seconds = (seconds * 1000).rounded() / 1000
        self.results = results
        errors = failures
    }

    enum CodingKeys: String, CodingKey {
        case files, inserted, duplicates, rejected, seconds, results, errors
        case rowsRead = "rows_read"
    }
}
