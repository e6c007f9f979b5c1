import ArgumentParser
import Foundation
import Logging
import TollGuardCore
import TollGuardDemo

/// Benchmarks that print TollGuard's figure beside a baseline measured in the same run.
@main
struct TollGuardBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollguard-bench",
        abstract: "TollGuard benchmarks: each prints its figures beside a baseline from the same run.",
        subcommands: [
            IngestBenchmark.self, ClassifyBenchmark.self, AnalyzeBenchmark.self, LogScanBenchmark.self,
            LiveBenchmark.self, ConsoleBenchmark.self, ClusterBenchmark.self, SnapshotBenchmark.self,
            InsertLoopBaseline.self,
        ]
    )
}

/// A child process's wall time, peak memory and exit status.
struct Measurement {
    var seconds: Double
    var maxRSSKilobytes: Int
    var status: Int32
}

extension Optional where Wrapped == Measurement {
    /// Keeps `run` when it is the fastest so far (best-of-N runs on a noisy machine).
    mutating func keepFaster(_ run: Measurement) {
        if run.seconds < (self?.seconds ?? .infinity) { self = run }
    }
}

/// Runs `arguments` (no shell) and measures it with wait4's resource usage.
func measure(
    _ arguments: [String], quiet: Bool = true, stdoutTo file: String? = nil, stdinFrom input: String? = nil
) throws -> Measurement {
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let input { posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0) }
    if let file {
        posix_spawn_file_actions_addopen(&actions, 1, file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    } else if quiet {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    }
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let started = Date()
    let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
    guard spawned == 0 else {
        throw ValidationError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
    }
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(pid, &status, 0, &usage)
    let seconds = Date().timeIntervalSince(started)
    return Measurement(seconds: seconds, maxRSSKilobytes: Int(usage.ru_maxrss), status: (status >> 8) & 0xff)
}

func siblingExecutable(_ name: String) -> String {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
}

/// The FreeSWITCH example-template file of `rows` rows in `directory`, generated on first use.
func exampleCDRFile(rows: Int, seed: UInt64, in directory: String, firstStart: Int64? = nil) throws -> String {
    let file = directory + "/Master-\(rows)-\(seed)\(firstStart.map { "-from-\($0)" } ?? "").csv"
    if !FileManager.default.fileExists(atPath: file) {
        print("generating \(rows) rows into \(file)")
        if let firstStart {
            try ExampleCDRWriter.writeFile(path: file, rows: rows, seed: seed, firstStart: firstStart)
        } else {
            try ExampleCDRWriter.writeFile(path: file, rows: rows, seed: seed)
        }
    }
    return file
}

/// Removes a SQLite database and its WAL files, so a timed run starts from nothing.
func removeDatabase(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

/// Logs errors only, to standard error: a benchmark's output is its figures.
func bootstrapQuietLogging() {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .error
        return handler
    }
}

/// The `p` quantile of `samples` (0 for none): the sample at rank p × (n − 1), rounded down.
func quantile(_ samples: [Double], _ p: Double) -> Double {
    guard !samples.isEmpty else { return 0 }
    let sorted = samples.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
}
