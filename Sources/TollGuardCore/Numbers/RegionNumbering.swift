/// Everything TollGuard knows about numbering in one region (`DE`, `JM`, or `001` for a
/// non-geographic calling code such as +881): its prefixes, lengths and the compiled
/// number-type automaton.
///
/// A class: the classifier hands regions around on every call,
/// and one reference costs less than copying a dozen fields.
package final class RegionNumbering: Sendable {
    /// ISO 3166 code, or `001` for the international networks.
    package let region: String
    package let callingCode: Int
    /// The region that libphonenumber tries first for a shared calling code (US for +1).
    package let isMainRegion: Bool
    /// For a shared calling code: a national number starting with these digits belongs here.
    package let leadingDigits: DigitPattern?
    /// The international access code (IDD) pattern dialled from this region: `011`, `00`, `810`.
    package let internationalPrefix: DigitPattern?
    /// What a national number may start with that is not part of it: `0`, `1`, `8`, carrier codes.
    package let nationalPrefixForParsing: DigitPattern?
    /// Replaces the national prefix match (`$1` = group 1), for regions that rewrite numbers (AR, BR, MX…).
    package let nationalPrefixTransformRule: String?
    /// Possible national significant number lengths, ascending.
    package let possibleLengths: [Int]
    /// Lengths that are only diallable inside an area (without its area code).
    package let localOnlyLengths: [Int]
    /// Number-type patterns folded into one automaton (tag 0 = general pattern).
    let typeAutomaton: DigitAutomaton
    /// `typeLengths[length]`: the tags whose possible lengths include `length`.
    let typeLengths: [UInt32]
    /// The region's short numbers (emergency, short codes and their cost), if it has any.
    let shortNumbers: ShortNumberTable?

    init(
        region: String, callingCode: Int, isMainRegion: Bool, leadingDigits: DigitPattern?,
        internationalPrefix: DigitPattern?, nationalPrefixForParsing: DigitPattern?,
        nationalPrefixTransformRule: String?,
        possibleLengths: [Int], localOnlyLengths: [Int], typeAutomaton: DigitAutomaton, typeLengths: [UInt32],
        shortNumbers: ShortNumberTable?
    ) {
        self.region = region
        self.callingCode = callingCode
        self.isMainRegion = isMainRegion
        self.leadingDigits = leadingDigits
        self.internationalPrefix = internationalPrefix
        self.nationalPrefixForParsing = nationalPrefixForParsing
        self.nationalPrefixTransformRule = nationalPrefixTransformRule
        self.possibleLengths = possibleLengths
        self.localOnlyLengths = localOnlyLengths
        self.typeAutomaton = typeAutomaton
        self.typeLengths = typeLengths
        self.shortNumbers = shortNumbers
    }

    /// A copy with another national prefix (a dial plan's `national_prefix`).
    func withNationalPrefix(_ pattern: DigitPattern?) -> RegionNumbering {
        RegionNumbering(
            region: region, callingCode: callingCode, isMainRegion: isMainRegion, leadingDigits: leadingDigits,
            internationalPrefix: internationalPrefix, nationalPrefixForParsing: pattern,
            nationalPrefixTransformRule: nil,
            possibleLengths: possibleLengths, localOnlyLengths: localOnlyLengths, typeAutomaton: typeAutomaton,
            typeLengths: typeLengths, shortNumbers: shortNumbers)
    }

    /// libphonenumber's longest national significant number.
    package static let maximumNationalNumberLength = 17

    /// The longest possible national number.
    package var maximumLength: Int { possibleLengths.last ?? Self.maximumNationalNumberLength }
}

/// A region's short numbers: one automaton over their patterns, tagged by kind.
final class ShortNumberTable: Sendable {
    enum Kind: Int, CaseIterable {
        case emergency = 0, tollFree, standardRate, premiumRate, shortCode, carrierSpecific, smsServices

        init?(metadataName: String) {
            switch metadataName {
            case "emergency": self = .emergency
            case "toll_free": self = .tollFree
            case "standard_rate": self = .standardRate
            case "premium_rate": self = .premiumRate
            case "short_code": self = .shortCode
            case "carrier_specific": self = .carrierSpecific
            case "sms_services": self = .smsServices
            default: return nil
            }
        }

        var bit: UInt32 { 1 << UInt32(rawValue) }
    }

    let automaton: DigitAutomaton
    /// `lengths[length]`: the kinds whose possible lengths include `length`.
    let lengths: [UInt32]

    init(automaton: DigitAutomaton, lengths: [UInt32]) {
        self.automaton = automaton
        self.lengths = lengths
    }

    /// The kinds (``Kind/bit``) whose pattern matches all of `digits`.
    func kinds(_ digits: UnsafeBufferPointer<UInt8>) -> UInt32 {
        guard digits.count < lengths.count else { return 0 }
        return automaton.acceptedTags(digits) & lengths[digits.count]
    }
}

extension RegionNumbering {
    /// Whether `digits` matches the general pattern, ignoring lengths (libphonenumber's `_match_national_number`).
    func matchesGeneralPattern(_ digits: UnsafeBufferPointer<UInt8>) -> Bool {
        typeAutomaton.acceptedTags(digits) & 1 != 0
    }

    /// The number type of a national significant number, as libphonenumber's `number_type` decides it.
    func numberType(_ digits: UnsafeBufferPointer<UInt8>) -> NumberType {
        guard digits.count < typeLengths.count else { return .unknown }
        let tags = typeAutomaton.acceptedTags(digits) & typeLengths[digits.count]
        guard tags & 1 != 0 else { return .unknown }
        // Tags 1…8 are the special types in libphonenumber's test order: the lowest set bit wins.
        let special = tags & 0x1FE
        if special != 0 {
            switch special.trailingZeroBitCount {
            case 1: return .premiumRate
            case 2: return .tollFree
            case 3: return .sharedCost
            case 4: return .voip
            case 5: return .personalNumber
            case 6: return .pager
            case 7: return .uan
            default: return .voicemail
            }
        }
        let fixed = tags & (1 << 9) != 0
        let mobile = tags & (1 << 10) != 0
        if fixed { return mobile ? .fixedLineOrMobile : .fixedLine }
        return mobile ? .mobile : .unknown
    }

    /// libphonenumber's `_test_number_length` against the general lengths.
    func lengthCheck(_ length: Int) -> LengthCheck {
        guard let minimum = possibleLengths.first, let maximum = possibleLengths.last else { return .invalidLength }
        if localOnlyLengths.contains(length) { return .possibleLocalOnly }
        if length == minimum { return .possible }
        if length < minimum { return .tooShort }
        if length > maximum { return .tooLong }
        return possibleLengths.contains(length) ? .possible : .invalidLength
    }

    enum LengthCheck {
        case possible, possibleLocalOnly, tooShort, tooLong, invalidLength
    }
}
