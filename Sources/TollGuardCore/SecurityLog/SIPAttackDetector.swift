import Foundation

/// Judges source addresses from their security-log lines, in log order: brute force
/// (authentication failures in a window), challenge floods (challenges never answered by a
/// successful authentication), user-name scans, dial attempts to missing extensions from
/// unauthenticated sources, and self-declared scanners. Each crossing is a finding about the
/// address (with the lines behind it) and a ban; the address's counts then start again, as
/// fail2ban's do after a ban.
///
/// Addresses in `sip_watch.ignore` are never judged; lines from an address on a known-bad IP
/// list count `bad_ip_weight` times.
package struct SIPAttackDetector {
    /// A decision to ban an address, for the ban log and the hooks.
    package struct Ban: Sendable, Hashable {
        package var ip: String
        package var rule: AnalysisRule
        /// The log time of the line that crossed the threshold.
        package var time: Date
        /// The weighted count that crossed it.
        package var count: Int
    }

    /// What one line led to.
    package struct Outcome: Sendable {
        package var findings: [Finding] = []
        package var bans: [Ban] = []
    }

    private struct Counted {
        var time: Date
        var weight: Int
    }

    /// One address's recent lines.
    private struct AddressState {
        var failures: [Counted] = []
        var challenges: [Counted] = []
        var dials: [Counted] = []
        /// Failing user names → when last tried.
        var users: [String: Date] = [:]
        var recent: [EvidenceLogLine] = []
        var last: Date

        mutating func forget(before cutoff: Date) {
            failures.removeAll { $0.time < cutoff }
            challenges.removeAll { $0.time < cutoff }
            dials.removeAll { $0.time < cutoff }
            users = users.filter { $0.value >= cutoff }
        }
    }

    private static let recentLines = 20
    private let settings: SIPWatchSettings
    private let window: TimeInterval
    private let ignored: [IPAddressRange]
    private let badIPs: FraudLists
    private let scannerNames: [String]
    private var states: [String: AddressState] = [:]
    private var observed = 0

    package init(settings: SIPWatchSettings, badIPs: FraudLists = .none) {
        self.settings = settings
        window = settings.windowMinutes * 60
        ignored = settings.ignore.compactMap { IPAddressRange($0) }
        self.badIPs = badIPs
        scannerNames = settings.scannerNames.map { $0.lowercased() }.filter { !$0.isEmpty }
    }

    /// Whether `address` is on the allow-list.
    package func isIgnored(_ address: String) -> Bool {
        guard let (value, _) = IPAddressRange.address(address) else { return false }
        return ignored.contains { $0.contains(value) }
    }

    /// Judges one line; `evidence` is the line as the alert will show it (its time is the line's).
    package mutating func observe(_ event: SecurityEvent, evidence: EvidenceLogLine) -> Outcome {
        guard !isIgnored(event.ip) else { return Outcome() }
        observed += 1
        if observed % 50_000 == 0 { prune(now: evidence.time) }
        let now = evidence.time
        let lists = badIPs.matches(sourceIP: event.ip)
        let weight = lists.isEmpty ? 1 : settings.badIPWeight
        var state = states[event.ip] ?? AddressState(last: now)
        state.last = max(state.last, now)
        state.forget(before: now.addingTimeInterval(-window))
        state.recent.append(evidence)
        if state.recent.count > Self.recentLines { state.recent.removeFirst(state.recent.count - Self.recentLines) }

        var crossings: [(rule: AnalysisRule, count: Int, headline: String, metrics: [String: MetricValue])] = []
        let minutes = MetricValue.number(settings.windowMinutes)
        switch event.kind {
        case .authFailure, .unknownUser, .aclRejected:
            // FreeSWITCH's ACL line is followed by a digest challenge: it is not a failure by itself.
            if event.kind == .aclRejected && event.source == .freeswitch { break }
            state.failures.append(Counted(time: now, weight: weight))
            if let user = event.user, !user.isEmpty { state.users[user] = now }
            let failures = state.failures.reduce(0) { $0 + $1.weight }
            if failures >= settings.failures {
                crossings.append(
                    (
                        .sipAuthFailures, failures,
                        "had \(failures) SIP authentication failures in \(Self.minutesText(settings.windowMinutes)) "
                            + "(limit \(settings.failures))",
                        ["failures": .count(failures), "limit": .count(settings.failures), "window_min": minutes]
                    ))
            }
            if state.users.count >= settings.distinctUsers {
                let users = state.users.sorted { $0.value < $1.value }.map(\.key)
                crossings.append(
                    (
                        .sipUserScan, users.count,
                        "tried \(users.count) user names in \(Self.minutesText(settings.windowMinutes)) "
                            + "(limit \(settings.distinctUsers))",
                        [
                            "distinct_users": .count(users.count), "limit": .count(settings.distinctUsers),
                            "window_min": minutes, "users": .list(Array(users.prefix(20))),
                        ]
                    ))
            }
        case .authChallenge:
            state.challenges.append(Counted(time: now, weight: weight))
            let challenges = state.challenges.reduce(0) { $0 + $1.weight }
            if challenges >= settings.challenges {
                crossings.append(
                    (
                        .sipChallengeFlood, challenges,
                        "was sent \(challenges) SIP challenges it never answered in "
                            + "\(Self.minutesText(settings.windowMinutes)) (limit \(settings.challenges))",
                        ["challenges": .count(challenges), "limit": .count(settings.challenges), "window_min": minutes]
                    ))
            }
        case .successfulAuth:
            // Its challenges were answered: a phone, not a flood.
            state.challenges.removeAll()
        case .unknownExtension:
            guard Self.isUnauthenticated(event.user) else { break }
            state.dials.append(Counted(time: now, weight: weight))
            let dials = state.dials.reduce(0) { $0 + $1.weight }
            let dialed = event.dialed ?? ""
            let international = settings.internationalPrefixes.contains { !$0.isEmpty && dialed.hasPrefix($0) }
            if international || dials >= settings.dialAttempts {
                crossings.append(
                    (
                        .sipDialAttempt, dials,
                        international
                            ? "dialled \(dialed) (international) to a missing extension without authenticating"
                            : "dialled \(dials) missing extensions without authenticating in "
                                + "\(Self.minutesText(settings.windowMinutes)) (limit \(settings.dialAttempts))",
                        ["dial_attempts": .count(dials), "limit": .count(settings.dialAttempts), "dialed": .text(dialed)]
                    ))
            }
        }
        if let name = scannerName(in: event) {
            crossings.append(
                (.sipScanner, 1, "named itself \(name) (a SIP scanner)", ["scanner": .text(name)]))
        }

        var outcome = Outcome()
        for crossing in crossings {
            var metrics = crossing.metrics
            if !lists.isEmpty {
                metrics["bad_ip_lists"] = .list(lists.map(\.list))
                metrics["weight"] = .count(weight)
            }
            var finding = Finding(
                rule: crossing.rule, severity: .high, subject: Subject(.ip, event.ip), time: now,
                headline: crossing.headline, metrics: metrics, calls: [])
            finding.lines = state.recent
            outcome.findings.append(finding)
            outcome.bans.append(Ban(ip: event.ip, rule: crossing.rule, time: now, count: crossing.count))
        }
        if !crossings.isEmpty {
            // Banned: its counts start again, as fail2ban's do.
            state = AddressState(last: now)
        }
        states[event.ip] = state
        return outcome
    }

    /// Whether a dial attempt's caller shows no authentication (chan_sip `''`, PJSIP `anonymous`).
    private static func isUnauthenticated(_ user: String?) -> Bool {
        guard let user, !user.isEmpty else { return true }
        return ["anonymous", "unknown", "guest"].contains(user.lowercased())
    }

    private func scannerName(in event: SecurityEvent) -> String? {
        for text in [event.agent, event.user].compactMap({ $0?.lowercased() }) {
            if let name = scannerNames.first(where: { text.contains($0) }) { return name }
        }
        return nil
    }

    private mutating func prune(now: Date) {
        let cutoff = now.addingTimeInterval(-window)
        states = states.filter { $0.value.last >= cutoff }
    }

    private static func minutesText(_ minutes: Double) -> String {
        minutes == minutes.rounded() ? "\(Int(minutes)) min" : "\(minutes) min"
    }
}
