import Foundation

/// Slow-drip fraud: a hacked extension places a handful of calls an hour, each a few minutes,
/// to several different high-risk destinations, staying under every velocity, concurrency and
/// quota limit.
///
/// What sets it apart from honest use is the spread: per account and local day it collects the
/// calls to high-risk destinations (premium numbers, international networks and satellites,
/// Caribbean and other NANP areas that look domestic, IRSF hotspot ranges) that are unusual —
/// to a country the account did not call in its history, or, for an account with less than
/// `min_history_days` of it, to one no two of the site's accounts called (the site's baseline) —
/// and that are not callbacks to a number that rang the PBX in the last `wangiri_memory_hours`.
/// Once they reach `slow_drip_countries` distinct countries and `slow_drip_numbers` distinct
/// numbers it raises `slow_drip` at `high`, `critical` at twice the countries. A traveller's one
/// or two new countries, a callback to a missed call, and a call centre's national dialling stay
/// below. Quiet on the first day the site has calls (no baseline yet).
package struct SlowDripAnalyzer: Analyzer {
    /// When a country was last called, before today and today: enough to ask "before today?".
    private struct LastTwo: Sendable, Codable {
        var last: Int
        var previous = Int.min / 2

        mutating func note(_ day: Int) {
            guard day != last else { return }
            if day > last {
                previous = last
                last = day
            }
        }

        func before(_ day: Int) -> Int { last < day ? last : previous }
    }

    private struct Account: Sendable, Codable {
        var firstDay: Int
        var countries: [String: LastTwo] = [:]
        var day: Int
        /// Today's unusual high-risk calls, and their countries and numbers.
        var calls: [EvidenceCall] = []
        var unusualCountries: [String] = []
        var numbers: Set<String> = []

        init(day: Int) {
            firstDay = day
            self.day = day
        }

        mutating func roll(to day: Int) {
            guard day != self.day else { return }
            self.day = day
            calls.removeAll(keepingCapacity: true)
            unusualCountries.removeAll(keepingCapacity: true)
            numbers.removeAll(keepingCapacity: true)
        }
    }

    private static let riskyFlags: RiskFlags = [
        .premiumRate, .sharedCost, .internationalNetwork, .satellite, .nanpOtherRegion, .premiumShortCode,
    ]

    private var accounts: [String: Account] = [:]
    /// Country → account → when it called it: the site's baseline.
    private var siteCountries: [String: [String: LastTwo]] = [:]
    private var siteFirstDay: Int?
    /// Caller key → when it last rang the PBX.
    private var rangIn: [Substring: Date] = [:]
    private var lastPrune = Date.distantPast
    private var clock: LocalClock
    private let historyDays: Int
    private let minHistoryDays: Int
    private let publicContexts: Set<String>
    private let memorySeconds: Double

    package init(
        clock: LocalClock, historyDays: Int, minHistoryDays: Int, publicContexts: [String], memoryHours: Double
    ) {
        self.clock = clock
        self.historyDays = historyDays
        self.minHistoryDays = minHistoryDays
        self.publicContexts = Set(publicContexts)
        self.memorySeconds = memoryHours * 3600
    }

    package var reach: Double { Double(historyDays + 1) * 86_400 }

    package func remember(into memory: inout any UnkeyedEncodingContainer) throws {
        try memory.encode(accounts)
        try memory.encode(siteCountries)
        try memory.encode(siteFirstDay)
        try memory.encode(Dictionary(uniqueKeysWithValues: rangIn.map { (String($0.key), $0.value) }))
        try memory.encode(lastPrune)
    }

    package mutating func recall(
        from memory: inout any UnkeyedDecodingContainer, policy: (Subject) -> SubjectPolicy
    ) throws {
        accounts = try memory.decode([String: Account].self)
        siteCountries = try memory.decode([String: [String: LastTwo]].self)
        siteFirstDay = try memory.decode(Int?.self)
        rangIn = Dictionary(
            uniqueKeysWithValues: try memory.decode([String: Date].self).map { (Substring($0.key), $0.value) })
        lastPrune = try memory.decode(Date.self)
    }

    /// Whether a call goes to a destination fraud pays from.
    static func isHighRisk(_ call: ObservedCall) -> Bool {
        guard call.destinationClass.isHighCost else { return false }
        return call.destinationClass == .premium || call.hotspot != nil || !call.risk.isDisjoint(with: riskyFlags)
    }

    package mutating func observe(_ event: CallEvent) -> [Finding] {
        guard event.kind == .started else { return [] }
        let call = event.call
        if publicContexts.contains(call.context) {
            let key = WangiriAnalyzer.key(call.callerNumber)
            if key.count >= 7 { rangIn[key] = event.time }
            pruneRangIn(at: event.time)
            return []
        }
        guard !call.account.isEmpty, call.destinationClass.isExternal, let region = call.region else { return [] }
        let local = clock.local(event.time.timeIntervalSince1970)
        let siteFirstDay = self.siteFirstDay ?? local.day
        self.siteFirstDay = siteFirstDay
        var account = accounts.removeValue(forKey: call.account) ?? Account(day: local.day)
        account.roll(to: local.day)
        defer {
            account.countries[region, default: LastTwo(last: local.day)].note(local.day)
            siteCountries[region, default: [:]][call.account, default: LastTwo(last: local.day)].note(local.day)
            accounts[call.account] = account
        }
        guard local.day > siteFirstDay, Self.isHighRisk(call), !isCallback(call, at: event.time),
            isUnusual(region, for: account, day: local.day, caller: call.account)
        else { return [] }
        account.calls.append(call.evidence)
        if !account.unusualCountries.contains(region) { account.unusualCountries.append(region) }
        account.numbers.insert(call.number)
        let policy = event.subjects.account
        guard let countries = policy.active(.slowDripCountries), let numbers = policy.active(.slowDripNumbers),
            Double(account.unusualCountries.count) >= countries, Double(account.numbers.count) >= numbers
        else { return [] }
        let severity: Severity = Double(account.unusualCountries.count) >= 2 * countries ? .critical : .high
        let ownHistory = local.day - account.firstDay >= minHistoryDays
        let listed =
            account.unusualCountries.prefix(5).joined(separator: ", ")
            + (account.unusualCountries.count > 5 ? " (+\(account.unusualCountries.count - 5) more)" : "")
        var metrics = policy.metrics(for: .slowDripCountries)
        metrics["countries"] = .count(account.unusualCountries.count)
        metrics["numbers"] = .count(account.numbers.count)
        metrics["baseline"] = .text(ownHistory ? "account" : "site")
        return [
            Finding(
                rule: .slowDrip, severity: severity, subject: policy.subject, time: event.time,
                headline: "called \(account.numbers.count) high-risk numbers in \(account.unusualCountries.count) "
                    + "countries \(ownHistory ? "it" : "the site") does not call (\(listed)) today",
                windowKey: LocalClock.dayText(local.day), metrics: metrics, calls: account.calls)
        ]
    }

    /// Whether the account's history — or, while it is younger than `min_history_days`, the
    /// site's — has no call to `region` before today.
    private func isUnusual(_ region: String, for account: Account, day: Int, caller: String) -> Bool {
        if day - account.firstDay >= minHistoryDays {
            return day - (account.countries[region]?.before(day) ?? Int.min / 2) > historyDays
        }
        let callers = siteCountries[region]?.filter { $0.key != caller && day - $0.value.before(day) <= historyDays }
        return (callers?.count ?? 0) < 2
    }

    /// A call to a number that rang the PBX within the memory: someone calling back.
    private func isCallback(_ call: ObservedCall, at time: Date) -> Bool {
        let key = WangiriAnalyzer.key(call.e164 ?? call.dialString)
        guard key.count >= 7, let rang = rangIn[key] else { return false }
        return time.timeIntervalSince(rang) <= memorySeconds
    }

    private mutating func pruneRangIn(at time: Date) {
        guard time.timeIntervalSince(lastPrune) > 3600 else { return }
        lastPrune = time
        rangIn = rangIn.filter { time.timeIntervalSince($0.value) <= memorySeconds }
    }
}
