import TollGuardCore

/// The PBX the simulator plays: a New York office on FreeSWITCH with an outbound call centre.
///
/// Extensions `1001…` are office staff (two of them travel), `2001…` call-centre agents behind
/// their own gateway; the site's numbers (DIDs) are `+1 646 496 01xx`.
package struct SimulatedSite: Sendable {
    package static let timeZoneIdentifier = "America/New_York"
    package static let domain = "pbx.example.com"
    /// The office's outbound gateway.
    package static let officeGateway = "carrier1"
    /// The call centre's gateway.
    package static let dialerGateway = "dialer"
    /// The carrier's signalling address inbound calls arrive from.
    package static let carrierAddress = "198.51.100.10"
    /// The site's own numbers, as a dialled prefix.
    package static let didPrefix = "16464960"

    /// One extension and how its owner uses the phone.
    package struct Account: Sendable {
        package enum Role: String, Sendable, Codable {
            case office
            case traveller
            case callCentre = "call_centre"
        }

        package var id: String
        package var name: String
        package var role: Role
        /// Mean calls on a working day (office staff).
        var callsPerDay: Int
        /// Countries this person calls as part of the job.
        var usualCountries: [NumberRange]
        var worksWeekends: Bool
        /// A traveller's new country and the day the trip's calls start.
        var trip: (country: NumberRange, day: Int)?
    }

    package var accounts: [Account]

    private static let firstNames = [
        "Alice", "Bob", "Carla", "Dev", "Eve", "Farid", "Grace", "Hugo", "Ines", "Jon",
        "Kemal", "Lena", "Marta", "Nils", "Olga", "Priya", "Quentin", "Rosa", "Sam", "Tariq", "Uma", "Viktor",
    ]
    private static let lastNames = [
        "Meyer", "Jones", "Diaz", "Patel", "Novak", "Haddad", "Lee", "Martin", "Costa",
        "Berg", "Okafor", "Rossi", "Kowalski", "Nguyen", "Schmidt", "Silva",
    ]

    /// `count` accounts: a sixth (at least two) call-centre agents, two travellers, the rest office staff.
    init(accounts count: Int, days: Int, random: inout SimulationRandom) {
        let agents = max(2, count / 6)
        var accounts: [Account] = []
        for index in 0..<(count - agents) {
            let name = random.pick(Self.firstNames) + " " + random.pick(Self.lastNames)
            var usual: [NumberRange] = []
            if random.chance(0.45) {
                usual.append(random.pick(NumberRange.everyday))
                if random.chance(0.3) { usual.append(random.pick(NumberRange.everyday)) }
            }
            let traveller = index == 1 || index == 2
            accounts.append(
                Account(
                    id: String(1001 + index), name: name, role: traveller ? .traveller : .office,
                    callsPerDay: random.int(6...30), usualCountries: usual, worksWeekends: random.chance(0.2),
                    trip: traveller ? (random.pick(NumberRange.travel), random.int(0...max(0, days - 2))) : nil))
        }
        for index in 0..<agents {
            accounts.append(
                Account(
                    id: String(2001 + index), name: "Agent \(index + 1)", role: .callCentre, callsPerDay: 0,
                    usualCountries: [], worksWeekends: false, trip: nil))
        }
        self.accounts = accounts
    }

    package var office: [Account] { accounts.filter { $0.role != .callCentre } }

    /// The channel name of a call placed by an extension.
    static func channel(of extensionID: String) -> String { "sofia/internal/\(extensionID)@\(domain)" }

    /// The bridge target of a call to another extension.
    static func userTarget(_ extensionID: String) -> String { "user/\(extensionID)@\(domain)" }

    /// The bridge target of a call out through a gateway.
    static func gatewayTarget(_ gateway: String, _ dialled: String) -> String { "sofia/gateway/\(gateway)/\(dialled)" }
}
