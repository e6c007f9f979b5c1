/// The world's numbering as TollGuard uses it: every region's patterns, compiled once,
/// the IRSF hotspot prefixes and the NANP area codes.
///
/// Pure and immutable; build one at
/// start-up with ``load(from:)`` and share it (a class: every classifier holds the same one).
package final class NumberingPlan: Sendable {
    /// Regions by ISO code (geographic regions only).
    package let regions: [String: RegionNumbering]
    /// Regions sharing each calling code, the main region first (`1` → US, AG, AI, …).
    package let regionsByCallingCode: [Int: [RegionNumbering]]
    /// The same, as an array indexed by calling code (codes have at most three digits).
    private let regionsByCode: [[RegionNumbering]]
    /// For shared calling codes: one automaton over every region's leading digits, tag = index in the list.
    private let leadingDigitSelectors: [Int: DigitAutomaton]
    /// Country names by region, for reports.
    package let countryNames: [String: String]
    /// Known IRSF and wangiri destinations.
    package let hotspots: HotspotTable
    /// NANP area code (NPA) → region, for the +1 regions other than the US and Canada.
    package let nanpAreaRegions: [Int: String]

    /// The calling codes of the international networks (satellite, UIFN, UIPRN…).
    package static func isInternationalNetwork(callingCode: Int) -> Bool {
        switch callingCode {
        case 800, 808, 870, 878, 881, 882, 883, 888, 979: true
        default: false
        }
    }

    package init(
        regions: [String: RegionNumbering], regionsByCallingCode: [Int: [RegionNumbering]],
        countryNames: [String: String], hotspots: HotspotTable, nanpAreaRegions: [Int: String]
    ) {
        self.regions = regions
        self.regionsByCallingCode = regionsByCallingCode
        var byCode = [[RegionNumbering]](repeating: [], count: 1000)
        for (code, list) in regionsByCallingCode where code >= 0 && code < 1000 { byCode[code] = list }
        self.regionsByCode = byCode
        var selectors: [Int: DigitAutomaton] = [:]
        for (code, list) in regionsByCallingCode where list.count > 1 && list.count <= 32 {
            let patterns = list.enumerated().compactMap { index, region in
                region.leadingDigits.flatMap { try? DigitPattern("(?:\($0.source))\\d*") }.map { ($0, index) }
            }
            if !patterns.isEmpty { selectors[code] = DigitAutomaton(patterns) }
        }
        self.leadingDigitSelectors = selectors
        self.countryNames = countryNames
        self.hotspots = hotspots
        self.nanpAreaRegions = nanpAreaRegions
    }

    /// The regions sharing calling code `code`, main region first; empty when it is not assigned.
    @inline(__always)
    package func regions(forCallingCode code: Int) -> [RegionNumbering] {
        code >= 0 && code < 1000 ? regionsByCode[code] : []
    }

    /// The region of a national number among those sharing its calling code, as libphonenumber
    /// decides: in list order, a region with leading digits takes the number when they match,
    /// one without when its patterns give the number a type.
    ///
    /// Returns the region and the number's type there (`unknown` when no region claims it).
    func region(forNationalNumber nsn: UnsafeBufferPointer<UInt8>, callingCode: Int) -> (RegionNumbering, NumberType)? {
        let regions = regions(forCallingCode: callingCode)
        if regions.count <= 1 { return regions.first.map { ($0, $0.numberType(nsn)) } }
        let leading = leadingDigitSelectors[callingCode]?.acceptedTags(nsn) ?? 0
        for (index, region) in regions.enumerated() {
            if region.leadingDigits != nil {
                if leading & (1 << UInt32(index)) != 0 { return (region, region.numberType(nsn)) }
            } else {
                let type = region.numberType(nsn)
                if type != .unknown { return (region, type) }
            }
        }
        return nil
    }

    /// The main region of a calling code, or nil when the code is not assigned.
    package func mainRegion(forCallingCode code: Int) -> RegionNumbering? {
        regions(forCallingCode: code).first
    }
}
