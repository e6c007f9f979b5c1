/// How the site's phones dial: what turns a dialled string into a destination.
///
/// FreeSWITCH and Asterisk record the digits as dialled (`9011…`, `0030…`), so the
/// classifier has to be told the outside-line prefix and home region; it never guesses.
package struct DialPlan: Sendable, Hashable, Codable {
    /// ISO 3166 region of the site (`US`, `DE`): its emergency numbers, national and international prefixes.
    package var homeRegion = "US"
    /// Digits dialled to get an outside line (`"9"`, `"0"`); empty when phones dial numbers directly.
    package var outsideLinePrefixes: [String] = []
    /// International access codes (`"011"`, `"00"`); empty uses the home region's.
    package var internationalPrefixes: [String] = []
    /// National trunk prefix (`"1"`, `"0"`); unset uses the home region's.
    package var nationalPrefix: String?
    /// Pattern of internal extensions (digits, `\d`, `[…]`, `{m,n}`).
    package var extensionPattern = #"\d{2,5}"#
    /// Whether phones may dial E.164 with a leading `+`; when false such calls carry the `unexpected_plus` risk.
    package var acceptsPlus = true

    package init() {}

    package init(homeRegion: String, outsideLinePrefixes: [String] = [], extensionPattern: String = #"\d{2,5}"#) {
        self.homeRegion = homeRegion
        self.outsideLinePrefixes = outsideLinePrefixes
        self.extensionPattern = extensionPattern
    }

    enum CodingKeys: String, CodingKey {
        case homeRegion = "home_region"
        case outsideLinePrefixes = "outside_line_prefixes"
        case internationalPrefixes = "international_prefixes"
        case nationalPrefix = "national_prefix"
        case extensionPattern = "extension_pattern"
        case acceptsPlus = "accepts_plus"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = DialPlan()
        homeRegion = try container.decodeIfPresent(String.self, forKey: .homeRegion) ?? defaults.homeRegion
        outsideLinePrefixes =
            try container.decodeIfPresent([String].self, forKey: .outsideLinePrefixes) ?? defaults.outsideLinePrefixes
        internationalPrefixes =
            try container.decodeIfPresent([String].self, forKey: .internationalPrefixes)
            ?? defaults.internationalPrefixes
        nationalPrefix = try container.decodeIfPresent(String.self, forKey: .nationalPrefix)
        extensionPattern =
            try container.decodeIfPresent(String.self, forKey: .extensionPattern) ?? defaults.extensionPattern
        acceptsPlus = try container.decodeIfPresent(Bool.self, forKey: .acceptsPlus) ?? defaults.acceptsPlus
    }

    /// This plan with the settings an override names replaced.
    package func applying(_ override: Override) -> DialPlan {
        var plan = self
        if let value = override.homeRegion { plan.homeRegion = value }
        if let value = override.outsideLinePrefixes { plan.outsideLinePrefixes = value }
        if let value = override.internationalPrefixes { plan.internationalPrefixes = value }
        if let value = override.nationalPrefix { plan.nationalPrefix = value }
        if let value = override.extensionPattern { plan.extensionPattern = value }
        if let value = override.acceptsPlus { plan.acceptsPlus = value }
        return plan
    }

    /// A dial-plan context's differences from the site plan (a PBX serving several sites).
    package struct Override: Sendable, Hashable, Codable {
        package var homeRegion: String?
        package var outsideLinePrefixes: [String]?
        package var internationalPrefixes: [String]?
        package var nationalPrefix: String?
        package var extensionPattern: String?
        package var acceptsPlus: Bool?

        package init() {}

        /// The same keys as the site plan's.
        typealias CodingKeys = DialPlan.CodingKeys
    }
}
