import TollGuardCore

/// Makes the calls of each injected fraud scenario, on days and at hours drawn from the seed,
/// each against its own victim extension.
struct FraudInjector {
    let site: SimulatedSite
    let firstMidnight: Int64
    let days: Int
    var random: SimulationRandom
    private(set) var calls: [SimulatedCall] = []
    private(set) var labels: [ScenarioLabel] = []
    /// The known-fraud list an operator would have imported: numbers, one of them the listed scenario's.
    private(set) var fraudList: [String] = []

    /// What attackers put in the caller name of a hacked extension: the report must show it as text.
    static let hostileCallerName = "<script>alert('tollguard')</script>"

    init(site: SimulatedSite, firstMidnight: Int64, days: Int, random: SimulationRandom) {
        self.site = site
        self.firstMidnight = firstMidnight
        self.days = days
        self.random = random
    }

    mutating func inject() {
        // Victims are office staff, never the travellers (their trips are the honest surprise).
        var victims = site.accounts.filter { $0.role == .office }.map(\.id)
        for index in victims.indices.reversed() {
            victims.swapAt(index, random.int(0...index))
        }
        func victim() -> String { victims.isEmpty ? "1001" : victims.removeLast() }
        fraudList = (0..<24).map { _ in "+" + random.pick(NumberRange.revenueShare).draw(&random) }
        for kind in FraudScenarioKind.allCases {
            // Never the first day (a baseline) nor the last (a night scenario may run past midnight).
            let midnight = firstMidnight + Int64(days > 2 ? random.int(1...days - 2) : 0) * 86_400
            let before = calls.count
            switch kind {
            case .irsfBurst: irsfBurst(victim: victim(), midnight: midnight)
            case .publicContextLeak: publicContextLeak(midnight: midnight)
            case .fraudListSlow: fraudListSlow(victim: victim(), midnight: midnight)
            case .wangiriCallback: wangiri(callers: [victim(), victim(), victim()], midnight: midnight)
            case .routeScan: routeScan(victim: victim(), midnight: midnight)
            case .targetedPumping: targetedPumping(victim: victim(), midnight: midnight)
            case .quotaExhaustion: quotaExhaustion(victim: victim(), midnight: midnight)
            case .slowDrip: slowDrip(victim: Self.newExtension, midnight: midnight)
            }
            label(kind, calls: before..<calls.count)
        }
    }

    private mutating func irsfBurst(victim: String, midnight: Int64) {
        let numbers = (0..<random.int(4...8)).map { _ in random.pick(NumberRange.revenueShare).draw(&random) }
        var clock = midnight + Int64(random.int(3600...12_600))
        for _ in 0..<random.int(30...80) {
            let answered = random.chance(0.65)
            add(
                account: victim, callerName: Self.hostileCallerName, dialled: "011" + random.pick(numbers), at: clock,
                ring: answered ? random.int(3...10) : random.int(1...20),
                talk: answered ? random.int(120...1500) : 0, cause: answered ? "NORMAL_CLEARING" : "CALL_REJECTED")
            clock += Int64(random.int(20...90))
        }
    }

    /// Calls from outside, in the `public` context, bridged back out through the carrier.
    private mutating func publicContextLeak(midnight: Int64) {
        var clock = midnight + Int64(random.pick([22, 23, 0, 1, 2, 3]) * 3600 + random.int(0...3599))
        if clock < midnight + 12 * 3600 { clock += 86_400 }
        let attacker = "203.0.113.\(random.int(2...250))"
        for _ in 0..<random.int(8...25) {
            let caller = "+" + random.pick(NumberRange.everyday).draw(&random)
            let dialled = "011" + random.pick(NumberRange.revenueShare).draw(&random)
            let answered = random.chance(0.6)
            calls.append(
                SimulatedCall(
                    uuid: random.uuid(), account: "", callerNumber: caller, callerName: "", destination: dialled,
                    context: "public", channel: "sofia/external/\(caller)@\(attacker)",
                    bridgeTarget: SimulatedSite.gatewayTarget(SimulatedSite.officeGateway, dialled), localStart: clock,
                    ringSeconds: random.int(2...9), talkSeconds: answered ? random.int(300...1800) : 0,
                    hangupCause: answered ? "NORMAL_CLEARING" : "NO_ANSWER"))
            clock += Int64(random.int(60...400))
        }
    }

    private mutating func fraudListSlow(victim: String, midnight: Int64) {
        let listed = random.pick(fraudList)
        var clock = midnight + Int64(random.int(9...12) * 3600 + random.int(0...3599))
        while clock < midnight + 21 * 3600 {
            add(
                account: victim, dialled: "011" + listed.dropFirst(), at: clock, ring: random.int(4...12),
                talk: random.int(120...540), cause: "NORMAL_CLEARING")
            clock += Int64(random.int(3600...9000))
        }
    }

    /// One-ring calls from one Caribbean exchange to the site's numbers, then callbacks from staff.
    private mutating func wangiri(callers: [String], midnight: Int64) {
        let range = random.pick(NumberRange.oneRing)
        let block = NumberRange(
            prefix: String(range.draw(&random).dropLast(4)), randomDigits: 4, country: range.country)
        var clock = midnight + Int64(random.int(10...14) * 3600 + random.int(0...3599))
        var rang: [String] = []
        for _ in 0..<random.int(15...40) {
            let caller = block.draw(&random)
            rang.append(caller)
            calls.append(
                SimulatedCall(
                    uuid: random.uuid(), account: "", callerNumber: "+" + caller, callerName: "",
                    destination: SimulatedSite.didPrefix + random.digits(3), context: "public",
                    channel: "sofia/external/+\(caller)@\(SimulatedSite.carrierAddress)",
                    bridgeTarget: SimulatedSite.userTarget(random.pick(site.office).id), localStart: clock,
                    ringSeconds: random.int(1...4), talkSeconds: 0, hangupCause: "ORIGINATOR_CANCEL"))
            clock += Int64(random.int(20...150))
        }
        for account in callers.prefix(random.int(2...callers.count)) {
            let number = random.pick(rang)
            add(
                account: account, dialled: random.chance(0.5) ? "+" + number : number,
                at: clock + Int64(random.int(120...14_400)), ring: random.int(3...8), talk: random.int(40...240),
                cause: "NORMAL_CLEARING")
        }
    }

    /// A burst of failing attempts with every outside-line and international prefix, then one that works.
    private mutating func routeScan(victim: String, midnight: Int64) {
        var clock = midnight + Int64(random.int(1...4) * 3600 + random.int(0...3599))
        let target = random.pick(NumberRange.scanTargets)
        let prefixes = ["9011", "900", "9", "00", "011", "+", "0011", "90"]
        for _ in 0..<random.int(24...48) {
            add(
                account: victim, dialled: random.pick(prefixes) + target.draw(&random), at: clock,
                ring: random.int(0...2), talk: 0,
                cause: random.pick([
                    "NO_ROUTE_DESTINATION", "UNALLOCATED_NUMBER", "INVALID_NUMBER_FORMAT", "CALL_REJECTED",
                ]))
            clock += Int64(random.int(3...20))
        }
        add(
            account: victim, dialled: "011" + target.draw(&random), at: clock, ring: random.int(3...8),
            talk: random.int(300...1200), cause: "NORMAL_CLEARING")
    }

    private mutating func targetedPumping(victim: String, midnight: Int64) {
        let number = "011" + random.pick(NumberRange.revenueShare.filter { $0.country != "LV" }).draw(&random)
        var clock = midnight + Int64(random.int(10...18) * 3600 + random.int(0...3599))
        for _ in 0..<random.int(18...40) {
            let answered = random.chance(0.7)
            add(
                account: victim, dialled: number, at: clock, ring: random.int(3...10),
                talk: answered ? random.int(30...200) : 0, cause: answered ? "NORMAL_CLEARING" : "NO_ANSWER")
            clock += Int64(random.int(120...300))
        }
    }

    /// A call every half hour or so, all day, to mid-priced destinations: nothing bursts, the day's spend does.
    private mutating func quotaExhaustion(victim: String, midnight: Int64) {
        let numbers = (0..<random.int(3...6)).map { _ in "011" + random.pick(NumberRange.quotaDrain).draw(&random) }
        var clock = midnight + Int64(random.int(7...9) * 3600 + random.int(0...3599))
        while clock < midnight + 22 * 3600 {
            let talk = random.int(360...900)
            add(
                account: victim, dialled: random.pick(numbers), at: clock, ring: random.int(3...9), talk: talk,
                cause: "NORMAL_CLEARING")
            clock += Int64(talk + random.int(900...2400))
        }
    }

    /// An extension provisioned the day it is hacked (a default password): no history of its own.
    static let newExtension = "1099"

    /// A call every half hour to an hour, a few minutes each, all afternoon, each to a new number
    /// in Caribbean one-ring areas and IRSF hotspot ranges: no window, concurrency or quota is reached.
    private mutating func slowDrip(victim: String, midnight: Int64) {
        let ranges = NumberRange.oneRing + NumberRange.revenueShare.filter { !["LV", "001"].contains($0.country) }
        var clock = midnight + Int64(13 * 3600 + random.int(0...1800))
        while clock < midnight + 18 * 3600 {
            let talk = random.int(120...300)
            let number = random.pick(ranges).draw(&random)
            add(
                account: victim, dialled: number.hasPrefix("1") ? number : "011" + number, at: clock,
                ring: random.int(4...12), talk: talk, cause: "NORMAL_CLEARING")
            clock += Int64(talk + random.int(1500...3300))
        }
    }

    private mutating func add(
        account: String, callerName: String? = nil, dialled: String, at start: Int64, ring: Int, talk: Int,
        cause: String
    ) {
        let name = callerName ?? site.accounts.first { $0.id == account }?.name ?? ""
        let target =
            dialled.count <= 5 && dialled.allSatisfy(\.isNumber)
            ? SimulatedSite.userTarget(dialled) : SimulatedSite.gatewayTarget(SimulatedSite.officeGateway, dialled)
        calls.append(
            SimulatedCall(
                uuid: random.uuid(), account: account, callerNumber: account, callerName: name, destination: dialled,
                context: "default", channel: SimulatedSite.channel(of: account), bridgeTarget: target,
                localStart: start, ringSeconds: ring, talkSeconds: talk, hangupCause: cause))
    }

    private mutating func label(_ kind: FraudScenarioKind, calls range: Range<Int>) {
        let scenarioID = "\(kind.rawValue)"
        for index in range { calls[index].scenario = scenarioID }
        let made = calls[range]
        let accounts = Array(Set(made.map(\.account).filter { !$0.isEmpty })).sorted()
        let subjects =
            kind == .publicContextLeak
            ? ["trunk \(SimulatedSite.officeGateway)"] : accounts.map { "account \($0)" }
        let first = made.map(\.localStart).min() ?? 0
        let last = made.map(\.localEnd).max() ?? 0
        var description = kind.summary
        if !accounts.isEmpty { description += " (\(accounts.joined(separator: ", ")))" }
        description += ": \(made.count) calls"
        labels.append(
            ScenarioLabel(
                id: scenarioID, kind: kind, description: description, subjects: subjects,
                start: CivilTime.utcText(epochSeconds: first), end: CivilTime.utcText(epochSeconds: last),
                callIDs: made.map(\.uuid)))
    }
}
