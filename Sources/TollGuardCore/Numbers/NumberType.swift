/// What kind of line a number reaches, with libphonenumber's names and test order.
package enum NumberType: String, Sendable, Hashable, Codable, CaseIterable {
    case premiumRate = "premium_rate"
    case tollFree = "toll_free"
    case sharedCost = "shared_cost"
    case voip
    case personalNumber = "personal_number"
    case pager
    case uan
    case voicemail
    case fixedLine = "fixed_line"
    case mobile
    case fixedLineOrMobile = "fixed_line_or_mobile"
    case unknown

    /// The types with their own pattern, in the order libphonenumber tests them, and the
    /// automaton tag each is given (tag 0 is the region's general pattern).
    static let patternTypes: [(type: NumberType, tag: Int)] = [
        (.premiumRate, 1), (.tollFree, 2), (.sharedCost, 3), (.voip, 4), (.personalNumber, 5),
        (.pager, 6), (.uan, 7), (.voicemail, 8), (.fixedLine, 9), (.mobile, 10),
    ]

    /// The automaton tag for a metadata type name (`general_desc`, `premium_rate`, …).
    static func tag(forMetadataName name: String) -> Int? {
        if name == "general_desc" { return 0 }
        return patternTypes.first { $0.type.rawValue == name }?.tag
    }
}

/// Where a dialled number goes, relative to the site.
package enum CallScope: String, Sendable, Hashable, Codable, CaseIterable {
    case `internal`
    case emergency
    case shortCode = "short_code"
    case national
    /// Another region that shares the home calling code: +1 876 (Jamaica) from the US, +7 7 (Kazakhstan) from Russia.
    case sameCodeOtherRegion = "same_code_other_region"
    case international
    case invalid
}

/// What a short code costs the caller (libphonenumber's `ShortNumberCost`).
package enum ShortNumberCost: String, Sendable, Hashable, Codable {
    case tollFree = "toll_free"
    case standardRate = "standard_rate"
    case premiumRate = "premium_rate"
    case unknownCost = "unknown_cost"
}
