import ArgumentParser
import Foundation
import TollGuardCore

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Read PBX security logs: SIP authentication failures, challenges, unknown users.",
        subcommands: [Scan.self])

    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Scan FreeSWITCH logs (plain or .gz) and summarize the security lines per source IP.",
            discussion: """
                Recognizes FreeSWITCH's `SIP auth failure`, `SIP auth challenge`, `Can't find user` and \
                `Rejected by acl` lines (log-auth-failures=true on each Sofia profile) in every format: classic, \
                the 1.10.7+ idle-CPU column, channel-UUID prefixes, no-year dates, syslog and journald prefixes, \
                IPv4 and IPv6. The address is always the one FreeSWITCH writes, never one from a user part.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Log files; .gz files are read directly.")
        var files: [String]

        @Option(help: "Year for dates written without one (default: this year).")
        var year: Int?

        @Flag(help: "One JSON object per recognized line, then one summary object per IP.")
        var json = false

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            let zone = global.siteTimeZone(configuration)
            let thisYear = LocalClock.calendar(in: zone).component(.year, from: Date())
            var scanner = SecurityLogScanner(timeZone: zone, year: year ?? thisYear)
            var perIP: [String: IPSummary] = [:]
            var totals = SecurityLogScanner.Summary()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            let output = FileHandle.standardOutput
            for file in files {
                let summary: SecurityLogScanner.Summary
                do {
                    summary = try scanner.scan(path: file) { event, line in
                        perIP[event.ip, default: IPSummary(ip: event.ip)].add(event)
                        if json {
                            let record = LineRecord(
                                file: file, line: line, time: event.time, ip: event.ip, kind: event.kind.rawValue,
                                user: event.user, method: event.method)
                            output.write(try encoder.encode(record) + Data("\n".utf8))
                        }
                    }
                } catch let error as FileReadError {
                    throw ValidationError(error.description)
                }
                totals.lines += summary.lines
                totals.recognized += summary.recognized
                totals.unfinished += summary.unfinished
            }
            let ranked = perIP.values.sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.ip < $1.ip }
            if json {
                for summary in ranked { output.write(try encoder.encode(summary) + Data("\n".utf8)) }
                return
            }
            let sum = { (part: (IPSummary) -> Int) in perIP.values.reduce(0) { $0 + part($1) } }
            print(
                "\(totals.lines) lines, \(totals.recognized) security lines (\(sum(\.failures)) auth failures, "
                    + "\(sum(\.challenges)) challenges, \(sum(\.unknownUsers)) unknown users, \(sum(\.aclRejections)) ACL) "
                    + "from \(perIP.count) addresses"
                    + (totals.unfinished > 0 ? ", \(totals.unfinished) unfinished (a user part with a line break?)" : ""))
            guard !ranked.isEmpty else { return }
            var table = TextTable("IP", "FAILURES", "UNKNOWN USERS", "CHALLENGES", "ACL", "USERS TRIED", "FIRST", "LAST")
            let time = LocalTimeFormatter(timeZone: zone)
            for summary in ranked.prefix(50) {
                table.append([
                    summary.ip, String(summary.failures), String(summary.unknownUsers), String(summary.challenges),
                    String(summary.aclRejections), String(summary.users.count),
                    summary.first.map(time.seconds) ?? "-", summary.last.map(time.seconds) ?? "-",
                ])
            }
            print(table.render())
            if ranked.count > 50 { print("(\(ranked.count - 50) more; --json lists all)") }
        }
    }

    /// `logs scan --json`: one recognized line.
    struct LineRecord: Encodable {
        var file: String
        var line: Int
        var time: Date?
        var ip: String
        var kind: String
        var user: String?
        var method: String?
    }

    /// `logs scan --json`: what one address did.
    struct IPSummary: Encodable {
        var type = "summary"
        var ip: String
        var failures = 0
        var unknownUsers = 0
        var challenges = 0
        var aclRejections = 0
        var users: Set<String> = []
        var first: Date?
        var last: Date?

        init(ip: String) { self.ip = ip }

        var weight: Int { failures + unknownUsers }

        mutating func add(_ event: SecurityEvent) {
            switch event.kind {
            case .authFailure: failures += 1
            case .unknownUser: unknownUsers += 1
            case .authChallenge: challenges += 1
            case .aclRejected: aclRejections += 1
            case .unknownExtension, .successfulAuth: break
            }
            if let user = event.user, users.count < 10_000 { users.insert(user) }
            if let time = event.time {
                first = min(first ?? time, time)
                last = max(last ?? time, time)
            }
        }

        enum CodingKeys: String, CodingKey {
            case type, ip, failures, challenges, first, last
            case unknownUsers = "unknown_users"
            case aclRejections = "acl_rejections"
            case distinctUsers = "distinct_users"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(type, forKey: .type)
            try container.encode(ip, forKey: .ip)
            try container.encode(failures, forKey: .failures)
            try container.encode(unknownUsers, forKey: .unknownUsers)
            try container.encode(challenges, forKey: .challenges)
            try container.encode(aclRejections, forKey: .aclRejections)
            try container.encode(users.count, forKey: .distinctUsers)
            try container.encodeIfPresent(first, forKey: .first)
            try container.encodeIfPresent(last, forKey: .last)
        }
    }
}
