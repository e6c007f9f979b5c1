/// What TollGuard knows about one dialled destination.
package struct NumberClassification: Sendable, Hashable, Codable {
    /// The string as dialled.
    package var dialed: String
    package var scope: CallScope
    /// `+` and digits, for numbers that are valid in their region.
    package var e164: String?
    /// ISO region (`JM`), `001` for the international networks.
    package var region: String?
    package var callingCode: Int?
    /// Set for valid numbers.
    package var numberType: NumberType?
    /// Set for short codes.
    package var shortNumberCost: ShortNumberCost?
    package var risk: RiskFlags = []
    /// The IRSF hotspot prefix the number falls in, if any.
    package var hotspot: HotspotTable.Entry?

    package init(dialed: String, scope: CallScope) {
        self.dialed = dialed
        self.scope = scope
    }

    /// The E.164 digits without `+`, for rating and list matching.
    package var e164Digits: Substring? { e164.map { $0.dropFirst() } }
}

/// Why a destination deserves a second look.
///
/// Evidence, not verdicts: analyzers weigh them.
package struct RiskFlags: OptionSet, Sendable, Hashable, Codable {
    package let rawValue: UInt16

    package init(rawValue: UInt16) { self.rawValue = rawValue }

    package static let premiumRate = RiskFlags(rawValue: 1 << 0)
    package static let sharedCost = RiskFlags(rawValue: 1 << 1)
    /// +800, +808, +870, +878, +881, +882, +883, +888, +979.
    package static let internationalNetwork = RiskFlags(rawValue: 1 << 2)
    /// Inmarsat, Iridium, Thuraya, Emsat.
    package static let satellite = RiskFlags(rawValue: 1 << 3)
    /// A +1 number outside the US and Canada (Caribbean one-ring area codes).
    package static let nanpOtherRegion = RiskFlags(rawValue: 1 << 4)
    /// In a prefix named by IRSF/wangiri sources.
    package static let irsfHotspot = RiskFlags(rawValue: 1 << 5)
    /// More digits than any number of its region: DTMF or PIN appended, or a probe.
    package static let tooLong = RiskFlags(rawValue: 1 << 6)
    /// A leading `+` on a site that does not accept it.
    package static let unexpectedPlus = RiskFlags(rawValue: 1 << 7)
    /// A premium-rate short code (`118xxx` in France).
    package static let premiumShortCode = RiskFlags(rawValue: 1 << 8)
    /// No price in the rate deck: rated with the fallback rate.
    package static let unpriced = RiskFlags(rawValue: 1 << 9)

    /// Names in a stable order, as stored and printed.
    package static let names: [(flag: RiskFlags, name: String)] = [
        (.premiumRate, "premium_rate"), (.sharedCost, "shared_cost"), (.internationalNetwork, "international_network"),
        (.satellite, "satellite"), (.nanpOtherRegion, "nanp_other_region"), (.irsfHotspot, "irsf_hotspot"),
        (.tooLong, "too_long"), (.unexpectedPlus, "unexpected_plus"), (.premiumShortCode, "premium_short_code"),
        (.unpriced, "unpriced"),
    ]

    /// The names of the flags that are set.
    package var labels: [String] { Self.names.filter { contains($0.flag) }.map(\.name) }

    /// The flags as stored in `calls.dest_risk`: comma-separated names, NULL when none is set.
    package var storedText: String? { isEmpty ? nil : labels.joined(separator: ",") }

    /// Reads `storedText` back; unknown names are ignored.
    package init(storedText: some StringProtocol) {
        self = []
        for name in storedText.split(separator: ",") {
            if let known = Self.names.first(where: { $0.name == name }) { insert(known.flag) }
        }
    }
}
