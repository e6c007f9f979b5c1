import ArgumentParser
import Foundation
import TollGuardCore
import TollGuardDemo

/// `tollguard logs scan` over a generated FreeSWITCH log beside `grep -cE` for the same messages
/// and, when installed, `fail2ban-regex` with Debian's `freeswitch.conf` filter, in one run.
struct LogScanBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "tollguard logs scan beside grep -cE and fail2ban-regex over the same generated log.")

    @Option(help: "Lines of the generated log.")
    var lines = 1_000_000

    @Option(help: "Scratch folder.")
    var directory = "/tmp/tollguard-bench"

    @Option(help: "Runs of tollguard and grep, taking turns; the best of each is reported (fail2ban-regex runs once).")
    var runs = 3

    @Option(help: "fail2ban filter to run (skipped when fail2ban-regex is not installed).")
    var filter = "/etc/fail2ban/filter.d/freeswitch.conf"

    func run() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let log = directory + "/freeswitch-\(lines).log"
        let truth = try FreeSWITCHLogGenerator(lines: lines).write(to: log)
        print(
            "generated \(log): \(truth.lines) lines, \(truth.attackLines) attack lines (\(truth.failures) failures, "
                + "\(truth.challenges) challenges, \(truth.unknownUsers) unknown users) from \(truth.addresses.count) addresses"
        )

        var rows: [(String, Double, Int?, Int)] = []
        let ours = directory + "/logs-scan.out"
        let config = directory + "/logs-bench.toml"
        try "site.timezone = \"UTC\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        // The whole watcher: parse, judge every address, store the alerts, write the ban log.
        let database = directory + "/logs-bench.sqlite"
        let banLog = directory + "/logs-bench-bans.log"
        let grepOut = directory + "/grep.out"
        // Best of `runs`, the two tools taking turns, so a burst of load elsewhere on this noisy
        // machine lands on one run rather than on the figure.
        var scan: Measurement?
        var grep: Measurement?
        for _ in 0..<max(1, runs) {
            for path in [database, database + "-wal", database + "-shm", banLog] {
                try? FileManager.default.removeItem(atPath: path)
            }
            let ourRun = try measure(
                [
                    siblingExecutable("tollguard"), "logs", "scan", "--config", config, "--db", database, "--ban-log",
                    banLog, log,
                ],
                stdoutTo: ours)
            let grepRun = try measure(
                ["env", "LC_ALL=C", "grep", "-cE", "SIP auth (failure|challenge)|Can't find user", log],
                stdoutTo: grepOut)
            print(String(format: "  run: tollguard %.3f s, grep %.3f s", ourRun.seconds, grepRun.seconds))
            scan.keepFaster(ourRun)
            grep.keepFaster(grepRun)
        }
        guard let scan, let grep else { return }
        let first =
            (try? String(contentsOfFile: ours, encoding: .utf8))?.split(separator: "\n").first.map(String.init) ?? ""
        rows.append(("tollguard logs scan (best)", scan.seconds, Self.ourCount(first), scan.maxRSSKilobytes))

        rows.append(
            (
                "grep -cE (count only, best)", grep.seconds,
                Int(
                    ((try? String(contentsOfFile: grepOut, encoding: .utf8)) ?? "").trimmingCharacters(
                        in: .whitespacesAndNewlines)), grep.maxRSSKilobytes
            ))

        if FileManager.default.fileExists(atPath: "/usr/bin/fail2ban-regex"),
            FileManager.default.fileExists(atPath: filter)
        {
            let f2bOut = directory + "/fail2ban.out"
            let f2b = try measure(["fail2ban-regex", log, filter], stdoutTo: f2bOut)
            let text = (try? String(contentsOfFile: f2bOut, encoding: .utf8)) ?? ""
            rows.append(("fail2ban-regex (Debian filter)", f2b.seconds, Self.fail2banCount(text), f2b.maxRSSKilobytes))
        } else {
            print("fail2ban-regex or \(filter) not installed: apt-get install fail2ban")
        }

        let base = rows[0].1
        print(
            "tool".padding(toLength: 32, withPad: " ", startingAt: 0) + "seconds   lines/s      matched   vs truth   "
                + "ratio to tollguard  peak RSS")
        for (name, seconds, matched, rss) in rows {
            let ratio = seconds / base
            print(
                name.padding(toLength: 32, withPad: " ", startingAt: 0)
                    + String(
                        format: "%7.2f  %9.0f  %9@   %8@   %16.2f×  %5d MB", seconds, Double(truth.lines) / seconds,
                        matched.map(String.init) ?? "?", matched == truth.attackLines ? "same" : "differs", ratio,
                        rss / 1024))
        }
    }

    /// "N lines, M security lines (F auth failures, U unknown users, C challenges, A ACL, D dial attempts) …" → F + U + C.
    static func ourCount(_ line: String) -> Int? {
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard numbers.count >= 6 else { return nil }
        return numbers[2] + numbers[3] + numbers[4]
    }

    /// fail2ban-regex's "Lines: N lines, I ignored, M matched, …".
    static func fail2banCount(_ text: String) -> Int? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Lines:") }),
            let range = line.range(of: " matched")
        else { return nil }
        return line[..<range.lowerBound].split(separator: " ").last.flatMap { Int($0) }
    }
}
