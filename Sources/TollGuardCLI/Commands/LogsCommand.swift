import ArgumentParser
import Foundation
import Logging
import TollGuardCore
import TollGuardHooks

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Watch PBX security logs for SIP attacks: alerts about source addresses and a ban log for fail2ban.",
        subcommands: [Scan.self, Follow.self])

    /// What `scan` and `follow` share.
    struct WatchOptions: ParsableArguments {
        @OptionGroup var global: GlobalOptions

        @Option(
            name: .customLong("ban-log"),
            help: "Append a line per banned address here for fail2ban (default: sip_watch.ban_log; \"\" for none).")
        var banLog: String?

        @Option(help: "Year for dates written without one (default: this year).")
        var year: Int?

        func open() throws -> (TollGuardConfiguration, TimeZone, Int, TollGuardDatabase, SIPWatch) {
            let configuration = try global.loadConfiguration(checkingDialPlan: false).configuration
            let zone = global.siteTimeZone(configuration)
            let year = year ?? LocalClock.calendar(in: zone).component(.year, from: Date())
            let database = try global.openDatabase(configuration)
            let watch = try SIPWatch(
                database: database, configuration: configuration, timeZone: zone, banLog: banLog)
            return (configuration, zone, year, database, watch)
        }
    }

    struct Scan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Scan FreeSWITCH or Asterisk logs (plain or .gz): judge each source address, store alerts, write bans.",
            discussion: """
                Recognizes FreeSWITCH's `SIP auth failure`, `SIP auth challenge`, `Can't find user` and \
                `Rejected by acl` lines (log-auth-failures=true on each Sofia profile) in every format, and Asterisk's \
                chan_sip/PJSIP registration and request failures, unknown-extension dial attempts, IAX2 and AMI \
                authentication failures and res_security_log events. The address is always the one the PBX writes, \
                never one from a user part, From header or Call-ID; a line whose fields forge it is reported and \
                attributed to nobody. Addresses crossing a [sip_watch] threshold get an alert (acted on like every \
                alert: hooks receive it with TOLLGUARD_IP) and a ban-log line. With --json: one JSON object per \
                recognized line, then one summary object per address.
                """)

        @OptionGroup var options: WatchOptions

        @Argument(help: "Log files; .gz files are read directly.")
        var files: [String]

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (configuration, zone, year, database, initialWatch) = try options.open()
            var watch = initialWatch
            var report = WatchReport()
            let standardOutput = FileHandle.standardOutput
            for file in files {
                var scanner = SecurityLogScanner(timeZone: zone, year: year)
                do {
                    let summary = try scanner.scan(path: file) { entry in
                        report.add(entry, file: file, watch: &watch)
                        if output.json {
                            let line = WatchReport.record(entry, file: file)
                            standardOutput.write(try WatchReport.encoder.encode(line) + Data("\n".utf8))
                        }
                    }
                    report.totals.add(summary)
                } catch let error as FileReadError {
                    throw CommandFailure(error.description)
                }
            }
            report.commit = try await watch.commit()
            let actions = ActionLayer(
                database: database, configuration: configuration, logger: Logger(label: "tollguard.logs"))
            _ = try await actions.actOnNewAlerts()
            let pass = try await actions.deliverDue()
            if output.json {
                for summary in report.ranked {
                    standardOutput.write(try WatchReport.encoder.encode(summary) + Data("\n".utf8))
                }
                return
            }
            report.printText(zone: zone, database: database)
            if let line = Output.deliveries(pass) { print(line) }
        }
    }

    struct Follow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tail FreeSWITCH or Asterisk logs across rotations, judging each new security line as it comes.",
            discussion: """
                Starts at the end of each file (--from-start reads what is there first). A file renamed away is read \
                to its end before the new one; a truncated file is read again from its start. Alerts, ban-log lines \
                and hook deliveries happen after each poll. Runs until interrupted.
                """)

        @OptionGroup var options: WatchOptions

        @Argument(help: "Log files to follow.")
        var files: [String]

        @Flag(help: "Read what the files already hold before following them.")
        var fromStart = false

        @Option(help: "Seconds between polls.")
        var interval: Double = 1

        @Option(help: "Stop after this many polls (for scripts and tests; default: never).")
        var polls: Int?

        func run() async throws {
            let (configuration, zone, year, database, initialWatch) = try options.open()
            var watch = initialWatch
            let follower = SecurityLogFollower(paths: files, timeZone: zone, year: year, fromStart: fromStart)
            let actions = ActionLayer(
                database: database, configuration: configuration, logger: Logger(label: "tollguard.logs"))
            let time = LocalTimeFormatter(timeZone: zone)
            var round = 0
            while polls.map({ round < $0 }) ?? true {
                round += 1
                do {
                    _ = try follower.poll { file, entry in
                        if case .unparsedAttack(let reason) = entry.reading {
                            print(
                                TextTable.printable(
                                    SecurityLogEntry.unparsedAttackNotice(file: file, line: entry.line, reason: reason))
                            )
                        } else {
                            _ = watch.consume(entry, file: file)
                        }
                    }
                } catch let error as FileReadError {
                    throw CommandFailure(error.description)
                }
                let commit = try await watch.commit()
                for ban in commit.bans {
                    print("\(time.seconds(ban.time))  ban \(ban.ip) (\(ban.rule.rawValue), \(ban.count))")
                }
                if commit.changes.newCount + commit.changes.updatedCount > 0 {
                    _ = try await actions.actOnNewAlerts()
                    if let line = Output.deliveries(try await actions.deliverDue()) { print(line) }
                }
                fflush(nil)  // under systemd stdout is a pipe: each poll's lines reach the journal now
                if polls.map({ round < $0 }) ?? true {
                    try await Task.sleep(for: .seconds(max(0.05, interval)))
                }
            }
        }
    }
}
