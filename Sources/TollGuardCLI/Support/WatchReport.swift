import Foundation
import TollGuardCore

/// What a scan or a poll saw, per address, for the text and JSON outputs.
struct WatchReport {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    var totals = SecurityLogScanner.Summary()
    var perIP: [String: IPSummary] = [:]
    var unparsed: [(file: String, line: Int, reason: String)] = []
    var commit = SIPWatch.Commit()

    /// Counts an entry and feeds it to the watcher.
    mutating func add(_ entry: SecurityLogEntry, file: String, watch: inout SIPWatch) {
        switch entry.reading {
        case .event(let event):
            let outcome = watch.consume(entry, file: file)
            perIP[event.ip, default: IPSummary(ip: event.ip, ignored: watch.isIgnored(event.ip))].add(event, outcome)
        case .unparsedAttack(let reason):
            if unparsed.count < 1000 { unparsed.append((file, entry.line, reason)) }
        }
    }

    /// An entry's `--json` line.
    static func record(_ entry: SecurityLogEntry, file: String) -> LineRecord {
        switch entry.reading {
        case .event(let event):
            return LineRecord(
                file: file, line: entry.line, time: event.time, ip: event.ip, kind: event.kind.rawValue,
                user: event.user, method: event.method, dialed: event.dialed, source: event.source.rawValue)
        case .unparsedAttack(let reason):
            return LineRecord(file: file, line: entry.line, kind: "unparsed_attack", reason: reason)
        }
    }

    var ranked: [IPSummary] {
        perIP.values.sorted { ($0.banned ? 1 : 0, $0.weight, $1.ip) > ($1.banned ? 1 : 0, $1.weight, $0.ip) }
    }

    func printText(zone: TimeZone, database: TollGuardDatabase) {
        let sum = { (part: (IPSummary) -> Int) in perIP.values.reduce(0) { $0 + part($1) } }
        print(
            "\(totals.lines) lines, \(totals.recognized) security lines (\(sum(\.failures)) auth failures, "
                + "\(sum(\.unknownUsers)) unknown users, \(sum(\.challenges)) challenges, \(sum(\.aclRejections)) ACL, "
                + "\(sum(\.dialAttempts)) dial attempts) from \(perIP.count) addresses"
                + (totals.unfinished > 0 ? ", \(totals.unfinished) unfinished (a user part with a line break?)" : ""))
        for line in unparsed.prefix(20) {
            print(
                TextTable.printable(
                    SecurityLogEntry.unparsedAttackNotice(file: line.file, line: line.line, reason: line.reason)))
        }
        if !ranked.isEmpty {
            var table = TextTable(
                "IP", "BANNED", "FAILURES", "UNKNOWN USERS", "CHALLENGES", "ACL", "DIALS", "USERS TRIED", "FIRST",
                "LAST")
            let time = LocalTimeFormatter(timeZone: zone)
            for summary in ranked.prefix(50) {
                table.append([
                    summary.ip, summary.ignored ? "ignored" : (summary.rules.sorted().joined(separator: ",")),
                    String(summary.failures), String(summary.unknownUsers), String(summary.challenges),
                    String(summary.aclRejections), String(summary.dialAttempts), String(summary.users.count),
                    summary.first.map(time.seconds) ?? "-", summary.last.map(time.seconds) ?? "-",
                ])
            }
            print(table.render())
            if ranked.count > 50 { print("(\(ranked.count - 50) more; --json lists all)") }
        }
        let changes = commit.changes
        print(
            "alerts: \(changes.newCount) new, \(changes.updatedCount) updated; "
                + "bans written: \(commit.bans.count)")
        if let alerts = try? changes.newIDs.compactMap({ try database.alert(id: $0) }), !alerts.isEmpty {
            print(TextTable.alerts(alerts).render())
        }
    }

    /// `logs scan --json`: one recognized line.
    struct LineRecord: Encodable {
        var file: String
        var line: Int
        var time: Date?
        var ip: String?
        var kind: String
        var user: String?
        var method: String?
        var dialed: String?
        var source: String?
        var reason: String?
    }

    /// `logs scan --json`: what one address did.
    struct IPSummary: Encodable {
        var ip: String
        var ignored: Bool
        var failures = 0
        var unknownUsers = 0
        var challenges = 0
        var aclRejections = 0
        var dialAttempts = 0
        var successes = 0
        var users: Set<String> = []
        var rules: Set<String> = []
        var first: Date?
        var last: Date?

        init(ip: String, ignored: Bool) {
            self.ip = ip
            self.ignored = ignored
        }

        var banned: Bool { !rules.isEmpty }
        var weight: Int { failures + unknownUsers + dialAttempts }

        mutating func add(_ event: SecurityEvent, _ outcome: SIPAttackDetector.Outcome) {
            switch event.kind {
            case .authFailure: failures += 1
            case .unknownUser: unknownUsers += 1
            case .authChallenge: challenges += 1
            case .aclRejected: aclRejections += 1
            case .unknownExtension: dialAttempts += 1
            case .successfulAuth: successes += 1
            }
            if let user = event.user, users.count < 10_000 { users.insert(user) }
            for ban in outcome.bans { rules.insert(ban.rule.rawValue) }
            if let time = event.time {
                first = min(first ?? time, time)
                last = max(last ?? time, time)
            }
        }

        enum CodingKeys: String, CodingKey {
            case type, ip, ignored, banned, rules, failures, challenges, successes, first, last
            case unknownUsers = "unknown_users"
            case aclRejections = "acl_rejections"
            case dialAttempts = "dial_attempts"
            case distinctUsers = "distinct_users"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("summary", forKey: .type)
            try container.encode(ip, forKey: .ip)
            try container.encode(ignored, forKey: .ignored)
            try container.encode(banned, forKey: .banned)
            try container.encode(rules.sorted(), forKey: .rules)
            try container.encode(failures, forKey: .failures)
            try container.encode(unknownUsers, forKey: .unknownUsers)
            try container.encode(challenges, forKey: .challenges)
            try container.encode(successes, forKey: .successes)
            try container.encode(aclRejections, forKey: .aclRejections)
            try container.encode(dialAttempts, forKey: .dialAttempts)
            try container.encode(users.count, forKey: .distinctUsers)
            try container.encodeIfPresent(first, forKey: .first)
            try container.encodeIfPresent(last, forKey: .last)
        }
    }
}
