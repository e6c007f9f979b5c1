import TollGuardCore

/// A range of telephone numbers the simulator draws from: an E.164 prefix and how many random
/// digits follow it.
///
/// The ranges below are checked against the classifier by the tests, so
/// honest traffic is valid, national or international as meant, and fraud lands where it pays.
struct NumberRange: Sendable {
    /// E.164 digits without `+`.
    var prefix: String
    var randomDigits: Int
    var country: String

    /// One number of the range, E.164 digits without `+`.
    func draw(_ random: inout SimulationRandom) -> String {
        var number = prefix
        if randomDigits > 0 {
            // A NANP exchange (and most subscriber numbers) never starts with 0 or 1.
            number += String(random.int(2...9)) + random.digits(randomDigits - 1)
        }
        return number
    }

    // MARK: - Home (the simulated site is in New York; NANP, dialled 1 + ten digits)

    static let homeAreaCodes = [
        "212", "646", "718", "917", "201", "973", "516", "914", "203", "617", "312", "415",
        "305", "404", "713", "214", "602", "303", "206",
    ]
    static let tollFree = NumberRange(prefix: "1800", randomDigits: 7, country: "US")

    /// A random US number in one of the home area codes.
    static func national(_ random: inout SimulationRandom) -> String {
        var exchange: String
        repeat {
            exchange = String(random.int(2...9)) + random.digits(2)
        } while exchange == "555" || exchange.hasSuffix("11")
        return "1" + random.pick(homeAreaCodes) + exchange + random.digits(4)
    }

    // MARK: - Everyday international destinations

    static let everyday: [NumberRange] = [
        NumberRange(prefix: "44207946", randomDigits: 4, country: "GB"),
        NumberRange(prefix: "447911", randomDigits: 6, country: "GB"),
        NumberRange(prefix: "4930", randomDigits: 8, country: "DE"),
        NumberRange(prefix: "49151", randomDigits: 8, country: "DE"),
        NumberRange(prefix: "331", randomDigits: 8, country: "FR"),
        NumberRange(prefix: "336", randomDigits: 8, country: "FR"),
        NumberRange(prefix: "5255", randomDigits: 8, country: "MX"),
        NumberRange(prefix: "9198", randomDigits: 8, country: "IN"),
        NumberRange(prefix: "3491", randomDigits: 7, country: "ES"),
        NumberRange(prefix: "3906", randomDigits: 8, country: "IT"),
    ]

    /// Countries honest travellers call for the first time.
    static let travel: [NumberRange] = [
        NumberRange(prefix: "55119", randomDigits: 8, country: "BR"),
        NumberRange(prefix: "813", randomDigits: 8, country: "JP"),
        NumberRange(prefix: "612", randomDigits: 8, country: "AU"),
        NumberRange(prefix: "4144", randomDigits: 7, country: "CH"),
    ]

    // MARK: - Where fraud pays

    /// Premium and high-cost ranges IRSF traffic is pumped to.
    static let revenueShare: [NumberRange] = [
        NumberRange(prefix: "37190", randomDigits: 6, country: "LV"),
        NumberRange(prefix: "535", randomDigits: 7, country: "CU"),
        NumberRange(prefix: "22462", randomDigits: 7, country: "GN"),
        NumberRange(prefix: "23276", randomDigits: 6, country: "SL"),
        NumberRange(prefix: "23999", randomDigits: 5, country: "ST"),
        NumberRange(prefix: "6757", randomDigits: 7, country: "PG"),
        NumberRange(prefix: "8816", randomDigits: 8, country: "001"),
    ]

    /// Caribbean NANP ranges of one-ring (wangiri) campaigns: dialled like a US number.
    static let oneRing: [NumberRange] = [
        NumberRange(prefix: "1876", randomDigits: 7, country: "JM"),
        NumberRange(prefix: "1809", randomDigits: 7, country: "DO"),
        NumberRange(prefix: "1268464", randomDigits: 4, country: "AG"),
        NumberRange(prefix: "1473415", randomDigits: 4, country: "GD"),
    ]

    /// Destinations around a dollar a minute that drain a quota without looking like a burst.
    static let quotaDrain: [NumberRange] = [
        NumberRange(prefix: "535", randomDigits: 7, country: "CU"),
        NumberRange(prefix: "22462", randomDigits: 7, country: "GN"),
        NumberRange(prefix: "23276", randomDigits: 6, country: "SL"),
    ]

    /// Targets of route-scanning probes.
    static let scanTargets: [NumberRange] = [
        NumberRange(prefix: "97252", randomDigits: 7, country: "IL"),
        NumberRange(prefix: "2526", randomDigits: 8, country: "SO"),
        NumberRange(prefix: "447911", randomDigits: 6, country: "GB"),
    ]
}
