/// The world's numbering as TollGuard uses it: every region's patterns, compiled once,
/// the IRSF hotspot prefixes and the NANP area codes. Pure and immutable; build one at
/// start-up with ``load(from:)`` and share it.
package struct NumberingPlan: Sendable {
    /// Regions by ISO code (geographic regions only).
    package let regions: [String: RegionNumbering]
    /// Regions sharing each calling code, the main region first (`1` → US, AG, AI, …).
    package let regionsByCallingCode: [Int: [RegionNumbering]]
    /// The same, as an array indexed by calling code (codes have at most three digits).
    private let regionsByCode: [[RegionNumbering]]
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
        self.countryNames = countryNames
        self.hotspots = hotspots
        self.nanpAreaRegions = nanpAreaRegions
    }

    /// The regions sharing calling code `code`, main region first; empty when it is not assigned.
    @inline(__always)
    package func regions(forCallingCode code: Int) -> [RegionNumbering] {
        code >= 0 && code < 1000 ? regionsByCode[code] : []
    }

    /// The main region of a calling code, or nil when the code is not assigned.
    package func mainRegion(forCallingCode code: Int) -> RegionNumbering? {
        regions(forCallingCode: code).first
    }
}
