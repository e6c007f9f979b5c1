import TollGuardCore

/// The site's everyday calls: office hours and quiet weekends, internal, national and usual
/// international calls, missed and busy attempts, missed inbound calls and their callbacks,
/// a loud outbound call centre, and travellers calling a new country.
struct HonestTraffic {
    let site: SimulatedSite
    /// Local midnight of the first day, seconds since 1970 of the wall clock.
    let firstMidnight: Int64
    let days: Int
    var random: SimulationRandom
    private(set) var calls: [SimulatedCall] = []

    init(site: SimulatedSite, firstMidnight: Int64, days: Int, random: SimulationRandom) {
        self.site = site
        self.firstMidnight = firstMidnight
        self.days = days
        self.random = random
    }

    /// Monday is 0, Sunday 6.
    static func weekday(ofMidnight midnight: Int64) -> Int {
        Int(((midnight / 86_400) + 3) % 7)
    }

    /// Hours of an office day, weighted by how busy they are.
    private static let officeHours = [
        8, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11, 12, 12, 13, 13, 13, 14, 14, 14, 14,
        15, 15, 15, 15, 16, 16, 16, 17, 17, 18,
    ]

    mutating func generate() -> [SimulatedCall] {
        for day in 0..<days {
            let midnight = firstMidnight + Int64(day) * 86_400
            let weekend = Self.weekday(ofMidnight: midnight) >= 5
            for account in site.accounts {
                switch account.role {
                case .office, .traveller: officeDay(account, day: day, midnight: midnight, weekend: weekend)
                case .callCentre: if !weekend { callCentreDay(account, midnight: midnight) }
                }
            }
            inboundDay(midnight: midnight, weekend: weekend)
        }
        return calls
    }

    private mutating func officeDay(_ account: SimulatedSite.Account, day: Int, midnight: Int64, weekend: Bool) {
        var count: Int
        if weekend {
            count = account.worksWeekends && random.chance(0.4) ? random.int(1...4) : 0
        } else {
            count = random.int(account.callsPerDay / 2...account.callsPerDay * 3 / 2)
        }
        for _ in 0..<count {
            let hour =
                weekend
                ? random.int(10...15) : (random.chance(0.03) ? random.int(19...21) : random.pick(Self.officeHours))
            let start = midnight + Int64(hour * 3600 + random.int(0...3599))
            let roll = random.unit()
            if roll < 0.35 {
                internalCall(from: account, at: start)
            } else if roll < 0.45, !account.usualCountries.isEmpty {
                externalCall(
                    from: account, dialled: "011" + random.pick(account.usualCountries).draw(&random), at: start)
            } else {
                let number = random.chance(0.05) ? NumberRange.tollFree.draw(&random) : NumberRange.national(&random)
                externalCall(
                    from: account, dialled: random.chance(0.7) ? number : String(number.dropFirst()), at: start)
            }
        }
        if let trip = account.trip, !weekend, (trip.day...trip.day + 1).contains(day) {
            // Preparing a trip: a few calls to a country this person has never called, in office hours.
            for _ in 0..<random.int(2...5) {
                let start = midnight + Int64(random.int(9...16) * 3600 + random.int(0...3599))
                externalCall(from: account, dialled: "011" + trip.country.draw(&random), at: start)
            }
        }
    }

    private mutating func internalCall(from account: SimulatedSite.Account, at start: Int64) {
        let office = site.office
        var callee = random.pick(office).id
        if callee == account.id { callee = office[0].id == account.id ? office[1].id : office[0].id }
        let answered = random.chance(0.8)
        let busy = !answered && random.chance(0.3)
        append(
            from: account, dialled: callee, target: SimulatedSite.userTarget(callee), at: start,
            ring: answered ? random.int(2...12) : (busy ? random.int(0...2) : random.int(15...30)),
            talk: answered ? random.exponential(mean: 90, in: 8...1800) : 0,
            cause: answered ? "NORMAL_CLEARING" : (busy ? "USER_BUSY" : "NO_ANSWER"))
    }

    private mutating func externalCall(
        from account: SimulatedSite.Account, dialled: String, at start: Int64,
        gateway: String = SimulatedSite.officeGateway
    ) {
        let international = dialled.hasPrefix("011")
        let roll = random.unit()
        let (ring, talk, cause): (Int, Int, String) =
            switch roll {
            case ..<0.68:
                (
                    random.int(3...18), random.exponential(mean: international ? 420 : 180, in: 5...5400),
                    "NORMAL_CLEARING"
                )
            case ..<0.86: (random.int(15...35), 0, "NO_ANSWER")
            case ..<0.95: (random.int(1...4), 0, "USER_BUSY")
            default: (random.int(0...3), 0, random.pick(["NORMAL_TEMPORARY_FAILURE", "UNALLOCATED_NUMBER"]))
            }
        append(
            from: account, dialled: dialled, target: SimulatedSite.gatewayTarget(gateway, dialled), at: start,
            ring: ring, talk: talk, cause: cause)
    }

    /// An outbound campaign: a predictive dialer calls national numbers for each agent, 9:00–17:00 with lunch,
    /// up to three at once.
    private mutating func callCentreDay(_ agent: SimulatedSite.Account, midnight: Int64) {
        for (from, to) in [(9 * 3600, 12 * 3600), (13 * 3600, 17 * 3600)] {
            var clock = midnight + Int64(from + random.int(0...900))
            var inFlight: [Int64] = []
            while clock < midnight + Int64(to) {
                let number = NumberRange.national(&random)
                let roll = random.unit()
                let (ring, talk, cause): (Int, Int, String) =
                    switch roll {
                    case ..<0.28: (random.int(4...20), random.exponential(mean: 100, in: 10...1500), "NORMAL_CLEARING")
                    case ..<0.82: (random.int(18...30), 0, "NO_ANSWER")
                    case ..<0.94: (random.int(1...5), 0, "USER_BUSY")
                    default: (random.int(0...3), 0, "UNALLOCATED_NUMBER")
                    }
                append(
                    from: agent, dialled: number,
                    target: SimulatedSite.gatewayTarget(SimulatedSite.dialerGateway, number), at: clock, ring: ring,
                    talk: talk, cause: cause)
                // A predictive dialer often places the next call while earlier ones still ring, up to three at once.
                inFlight = inFlight.filter { $0 > clock } + [clock + Int64(ring + talk)]
                if inFlight.count < 3, random.chance(0.35) {
                    clock += Int64(random.int(3...12))
                } else {
                    clock = max(clock + 3, (inFlight.min() ?? clock) + Int64(random.int(2...20)))
                }
            }
        }
    }

    /// Missed calls from customers to the site's numbers; many are called back.
    private mutating func inboundDay(midnight: Int64, weekend: Bool) {
        let office = site.office
        for _ in 0..<(weekend ? random.int(0...4) : random.int(10...25)) {
            let start = midnight + Int64(random.pick(Self.officeHours) * 3600 + random.int(0...3599))
            let foreign = random.chance(0.05)
            let caller = foreign ? random.pick(NumberRange.everyday).draw(&random) : NumberRange.national(&random)
            let extensionOwner = random.pick(office)
            let did = SimulatedSite.didPrefix + random.digits(3)
            // A customer abroad lets it ring; one-ring calls are what wangiri campaigns make.
            let ring = foreign ? random.int(10...30) : random.int(3...30)
            calls.append(
                SimulatedCall(
                    uuid: random.uuid(), account: "", callerNumber: "+" + caller, callerName: "",
                    destination: did, context: "public",
                    channel: "sofia/external/+\(caller)@\(SimulatedSite.carrierAddress)",
                    bridgeTarget: SimulatedSite.userTarget(extensionOwner.id), localStart: start, ringSeconds: ring,
                    talkSeconds: 0, hangupCause: "ORIGINATOR_CANCEL"))
            if random.chance(0.4) {
                let callback = start + Int64(random.int(300...7200))
                externalCall(from: extensionOwner, dialled: foreign ? "011" + caller : caller, at: callback)
            }
        }
    }

    private mutating func append(
        from account: SimulatedSite.Account, dialled: String, target: String, at start: Int64, ring: Int, talk: Int,
        cause: String
    ) {
        calls.append(
            SimulatedCall(
                uuid: random.uuid(), account: account.id, callerNumber: account.id, callerName: account.name,
                destination: dialled, context: "default", channel: SimulatedSite.channel(of: account.id),
                bridgeTarget: target, localStart: start, ringSeconds: ring, talkSeconds: talk, hangupCause: cause))
    }
}
