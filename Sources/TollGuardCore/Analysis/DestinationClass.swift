/// The classes an account may be allowed to call (`allowed_classes` in the configuration).
package enum DestinationClass: String, Sendable, Hashable, CaseIterable, Codable {
    /// Extensions of the PBX.
    case `internal`
    /// Emergency numbers: always allowed, never gated.
    case emergency
    /// Home-country fixed lines, toll-free and standard-rate short codes.
    case national
    /// Home-country mobiles.
    case mobile
    /// Other countries, including other regions sharing the home calling code (+1 876 from the US).
    case international
    /// Premium-rate numbers and short codes, international networks (+881, +882…), satellite phones.
    case premium
    /// Numbers that are valid nowhere: not a class anyone is granted, watched by the scanning and rule analyzers.
    case invalid

    /// The class of a classified destination.
    package init(scope: CallScope, numberType: NumberType?, risk: RiskFlags) {
        if risk.contains(.premiumRate) || risk.contains(.premiumShortCode) || risk.contains(.internationalNetwork)
            || risk.contains(.satellite) || numberType == .premiumRate
        {
            self = .premium
            return
        }
        switch scope {
        case .internal: self = .internal
        case .emergency: self = .emergency
        case .shortCode: self = .national
        case .national: self = numberType == .mobile ? .mobile : .national
        case .international, .sameCodeOtherRegion: self = .international
        case .invalid: self = .invalid
        }
    }

    /// Destinations that leave the PBX and cost money.
    package var isExternal: Bool {
        switch self {
        case .national, .mobile, .international, .premium: true
        case .internal, .emergency, .invalid: false
        }
    }

    /// International or premium: the classes toll fraud pays out on.
    package var isHighCost: Bool { self == .international || self == .premium }
}
