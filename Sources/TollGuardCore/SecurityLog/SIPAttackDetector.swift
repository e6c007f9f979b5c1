import Foundation

/// Judges source addresses from their security-log lines, in log order: brute force
/// (authentication failures in a window), challenge floods (challenges never answered by a
/// successful authentication), user-name scans, dial attempts to missing extensions from
/// unauthenticated sources, and self-declared scanners.
///
/// Each crossing is a finding about the
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

    /// Weighted events within a sliding window (times arrive in log order).
    private struct WindowCount {
        private var times: [Date] = []
        private var weights: [Int] = []
        private var head = 0
        private(set) var total = 0

        mutating func add(_ time: Date, weight: Int, window: TimeInterval) {
            times.append(time)
            weights.append(weight)
            total += weight
            let cutoff = time.addingTimeInterval(-window)
            while head < times.count, times[head] < cutoff {
                total -= weights[head]
                head += 1
            }
            if head > 64, head * 2 > times.count {
                times.removeFirst(head)
                weights.removeFirst(head)
                head = 0
            }
        }
    }

    /// One address's recent lines.
    private struct AddressState {
        let address: String
        let ignored: Bool
        let weight: Int
        let lists: [String]
        var failures = WindowCount()
        var challenges = WindowCount()
        var dials = WindowCount()
        /// Failing user names → when last tried.
        var users: [String: Date] = [:]
        /// The last lines, a ring of `recentLines`.
        var recent: [EvidenceLogLine] = []
        var recentNext = 0
        var last: Date

        init(address: String, ignored: Bool, weight: Int, lists: [String], last: Date) {
            self.address = address
            self.ignored = ignored
            self.weight = weight
            self.lists = lists
            self.last = last
        }

        mutating func remember(_ line: EvidenceLogLine) {
            if recent.count < SIPAttackDetector.recentLines {
                recent.append(line)
            } else {
                recent[recentNext] = line
                recentNext = (recentNext + 1) % recent.count
            }
        }

        /// The remembered lines, oldest first.
        var recentInOrder: [EvidenceLogLine] { Array(recent[recentNext...] + recent[..<recentNext]) }

        /// The failing user names still inside the window; prunes the others.
        mutating func distinctUsers(since cutoff: Date) -> Int {
            users = users.filter { $0.value >= cutoff }
            return users.count
        }

        /// A fresh start after a ban, keeping what is known about the address.
        func cleared(at time: Date) -> AddressState {
            AddressState(address: address, ignored: ignored, weight: weight, lists: lists, last: time)
        }
    }

    private static let recentLines = 20
    private let settings: SIPWatchSettings
    private let window: TimeInterval
    private let ignored: [IPAddressRange]
    private let badIPs: FraudLists
    /// `scanner_names`, lower-cased bytes.
    private let scannerNames: [[UInt8]]
    /// Per address, at the index `stateIndex` gives: one hash lookup per line.
    private var states: [AddressState] = []
    private var stateIndex: [String: Int] = [:]
    private var observed = 0
    /// Names already compared with the scanner names → the index of the one found, or -1.
    private var scannerMemo: [String: Int] = [:]

    package init(settings: SIPWatchSettings, badIPs: FraudLists = .none) {
        self.settings = settings
        window = settings.windowMinutes * 60
        ignored = settings.ignore.compactMap { IPAddressRange($0) }
        self.badIPs = badIPs
        scannerNames = settings.scannerNames.filter { !$0.isEmpty }.map { Array($0.lowercased().utf8) }
    }

    /// Whether `address` is on the allow-list.
    package func isIgnored(_ address: String) -> Bool {
        guard let (value, _) = IPAddressRange.address(address) else { return false }
        return ignored.contains { $0.contains(value) }
    }

    /// Judges one line; `evidence` is the line as the alert will show it (its time is the line's).
    package mutating func observe(_ event: SecurityEvent, evidence: EvidenceLogLine) -> Outcome {
        // FreeSWITCH's ACL line is followed by a digest challenge: it is not a failure by itself
        // (and two thirds of a busy log's security lines), so it is neither counted nor kept.
        if event.kind == .aclRejected && event.source == .freeswitch { return Outcome() }
        let now = evidence.time
        observed += 1
        if observed % 50_000 == 0 { prune(now: now) }
        let index: Int
        if let known = stateIndex[event.ip] {
            index = known
        } else {
            index = states.count
            stateIndex[event.ip] = index
            states.append(newState(event.ip, at: now))
        }
        guard !states[index].ignored else { return Outcome() }
        // Taken out of the array (an empty one swapped in) so its buffers are changed in place.
        var state = AddressState(address: "", ignored: true, weight: 0, lists: [], last: now)
        swap(&state, &states[index])
        defer { swap(&state, &states[index]) }
        let weight = state.weight
        state.last = max(state.last, now)
        state.remember(evidence)

        var crossings: [(rule: AnalysisRule, count: Int, headline: String, metrics: [String: MetricValue])] = []
        let minutes = MetricValue.number(settings.windowMinutes)
        switch event.kind {
        case .authFailure, .unknownUser, .aclRejected:
            state.failures.add(now, weight: weight, window: window)
            var newUser = false
            if let user = event.user, !user.isEmpty { newUser = state.users.updateValue(now, forKey: user) == nil }
            let failures = state.failures.total
            if failures >= settings.failures {
                crossings.append(
                    (
                        .sipAuthFailures, failures,
                        "had \(failures) SIP authentication failures in \(Self.minutesText(settings.windowMinutes)) "
                            + "(limit \(settings.failures))",
                        ["failures": .count(failures), "limit": .count(settings.failures), "window_min": minutes]
                    ))
            }
            if newUser, state.users.count >= settings.distinctUsers,
                state.distinctUsers(since: now.addingTimeInterval(-window)) >= settings.distinctUsers
            {
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
            state.challenges.add(now, weight: weight, window: window)
            let challenges = state.challenges.total
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
            state.challenges = WindowCount()
        case .unknownExtension:
            guard Self.isUnauthenticated(event.user) else { break }
            state.dials.add(now, weight: weight, window: window)
            let dials = state.dials.total
            let dialed = event.dialed ?? ""
            let international = settings.internationalPrefixes.contains { !$0.isEmpty && dialed.hasPrefix($0) }
            if international || dials >= settings.dialAttempts {
                crossings.append(
                    (
                        .sipDialAttempt, dials,
                        international
                            ? "dialled \(dialed.prefix(40)) (international) to a missing extension without authenticating"
                            : "dialled \(dials) missing extensions without authenticating in "
                                + "\(Self.minutesText(settings.windowMinutes)) (limit \(settings.dialAttempts))",
                        [
                            "dial_attempts": .count(dials), "limit": .count(settings.dialAttempts),
                            "dialed": .text(String(dialed.prefix(200))),
                        ]
                    ))
            }
        }
        if !scannerNames.isEmpty, let name = scannerName(in: event) {
            crossings.append(
                (.sipScanner, 1, "named itself \(name) (a SIP scanner)", ["scanner": .text(name)]))
        }

        var outcome = Outcome()
        for crossing in crossings {
            var metrics = crossing.metrics
            if !state.lists.isEmpty {
                metrics["bad_ip_lists"] = .list(state.lists)
                metrics["weight"] = .count(weight)
            }
            var finding = Finding(
                rule: crossing.rule, severity: .high, subject: Subject(.ip, event.ip), time: now,
                headline: crossing.headline, metrics: metrics, calls: [])
            finding.lines = state.recentInOrder
            outcome.findings.append(finding)
            outcome.bans.append(Ban(ip: event.ip, rule: crossing.rule, time: now, count: crossing.count))
        }
        if !crossings.isEmpty {
            // Banned: its counts start again, as fail2ban's do.
            state = state.cleared(at: now)
        }
        return outcome
    }

    /// Whether a dial attempt's caller shows no authentication (chan_sip `''`, PJSIP `anonymous`).
    private static func isUnauthenticated(_ user: String?) -> Bool {
        guard let user, !user.isEmpty else { return true }
        return ["anonymous", "unknown", "guest"].contains(user.lowercased())
    }

    private func newState(_ address: String, at time: Date) -> AddressState {
        let lists = badIPs.matches(sourceIP: address).map(\.list)
        return AddressState(
            address: address, ignored: isIgnored(address), weight: lists.isEmpty ? 1 : settings.badIPWeight,
            lists: lists, last: time)
    }

    /// The first scanner name in the event's user or client name (ASCII case-insensitive).
    private mutating func scannerName(in event: SecurityEvent) -> String? {
        if let name = scannerName(in: event.agent) { return name }
        return scannerName(in: event.user)
    }

    private mutating func scannerName(in text: String?) -> String? {
        guard var text, !text.isEmpty else { return nil }
        // Attackers repeat a few names; a scan of many names only fills the memo up to its cap.
        if let known = scannerMemo[text] {
            return known >= 0 ? String(decoding: scannerNames[known], as: UTF8.self) : nil
        }
        let index = text.withUTF8 { bytes in scannerNames.firstIndex { Self.containsIgnoringCase(bytes, $0) } }
        if scannerMemo.count >= 10_000 { scannerMemo.removeAll(keepingCapacity: true) }
        scannerMemo[text] = index ?? -1
        return index.map { String(decoding: scannerNames[$0], as: UTF8.self) }
    }

    /// Whether `haystack` contains `needle` (lower-case ASCII), ignoring ASCII case.
    private static func containsIgnoringCase(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= haystack.count else { return false }
        func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        for start in 0...(haystack.count - needle.count) where lower(haystack[start]) == first {
            var matched = 1
            while matched < needle.count, lower(haystack[start + matched]) == needle[matched] { matched += 1 }
            if matched == needle.count { return true }
        }
        return false
    }

    private mutating func prune(now: Date) {
        let cutoff = now.addingTimeInterval(-window)
        states.removeAll { $0.last < cutoff && !$0.ignored }
        stateIndex = Dictionary(uniqueKeysWithValues: states.indices.map { (states[$0].address, $0) })
    }

    private static func minutesText(_ minutes: Double) -> String {
        minutes == minutes.rounded() ? "\(Int(minutes)) min" : "\(minutes) min"
    }
}
