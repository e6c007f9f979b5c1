/// The world's numbering as TollGuard uses it: every region's patterns, compiled once,
/// the IRSF hotspot prefixes and the NANP area codes. Pure and immutable; build one at
/// start-up with ``load(from:)`` and share it.
package struct NumberingPlan: Sendable {
    /// Regions by ISO code (geographic regions only).
    package let regions: [String: RegionNumbering]
    /// Regions sharing each calling code, the main region first (`1` → US, AG, AI, …).
    package let regionsByCallingCode: [Int: [RegionNumbering]]
    /// Country names by region, for reports.
    package let countryNames: [String: String]
    /// Known IRSF and wangiri destinations.
    package let hotspots: HotspotTable
    /// NANP area code (NPA) → region, for the +1 regions other than the US and Canada.
    package let nanpAreaRegions: [Int: String]

    /// The calling codes of the international networks (satellite, UIFN, UIPRN…).
    package static let internationalNetworkCodes: Set<Int> = [800, 808, 870, 878, 881, 882, 883, 888, 979]
    /// Calling codes and prefixes of satellite networks: Inmarsat, Iridium, Thuraya, Emsat.
    package static let satellitePrefixes = ["870", "881", "88213", "88216"]

    /// The main region of a calling code, or nil when the code is not assigned.
    package func mainRegion(forCallingCode code: Int) -> RegionNumbering? {
        regionsByCallingCode[code]?.first
    }
}
