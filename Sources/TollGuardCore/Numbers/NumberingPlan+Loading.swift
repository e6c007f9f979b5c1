extension NumberingPlan {
    /// The plan built into the binary, loaded and compiled once per process on first use.
    package static let builtIn: Result<NumberingPlan, ReferenceDataError> = {
        do throws(ReferenceDataError) {
            return .success(try load(from: .embedded))
        } catch {
            return .failure(error)
        }
    }()

    /// Reads and compiles the numbering files (`numbering/*.csv`, `irsf-hotspots.csv`).
    package static func load(from data: ReferenceData = .embedded) throws(ReferenceDataError) -> NumberingPlan {
        var builders: [String: RegionBuilder] = [:]
        var order: [String] = []
        var countryNames: [String: String] = [:]

        let countries = try data.table("numbering/country-codes.csv")
        for row in countries.rows {
            let region = row["region"]
            guard let code = Int(row["calling_code"]), !region.isEmpty else {
                throw ReferenceDataError(file: countries.source, line: row.line, reason: "no calling code or region")
            }
            var builder = RegionBuilder(region: region, callingCode: code)
            builder.isMainRegion = row["main_region_for_code"] == "true" || row["shared_calling_code"] != "true"
            builder.leadingDigits = try compile(row["leading_digits"], table: countries, line: row.line)
            builder.internationalPrefix = try compile(row["international_prefix"], table: countries, line: row.line)
            builder.nationalPrefixForParsing = try compile(
                row["national_prefix_for_parsing"], table: countries, line: row.line)
            builder.possibleLengths = lengths(row["possible_lengths"])
            let key = RegionBuilder.key(region: region, callingCode: code)
            builders[key] = builder
            order.append(key)
            if region != "001" { countryNames[region] = row["common_name"] }
        }
        // +800 (UIFN), +870 (Inmarsat), +881/+882/+883 (satellites, networks): no country.
        countryNames["001"] = "international networks"

        // The type patterns: general, fixed line, mobile, voicemail (one file), the special
        // types of geographic regions (another) and of the international networks (a third).
        let patternFiles: [(file: String, typeColumn: String)] = [
            ("numbering/region-number-patterns.csv", "number_type"),
            ("numbering/premium-rate-patterns.csv", "number_type"),
            ("numbering/international-networks.csv", "number_type"),
        ]
        for (file, typeColumn) in patternFiles {
            let table = try data.table(file)
            for row in table.rows {
                guard let code = Int(row["calling_code"]),
                    let tag = NumberType.tag(forMetadataName: row[typeColumn])
                else {
                    throw ReferenceDataError(
                        file: table.source, line: row.line, reason: "unknown calling code or number type")
                }
                let key = RegionBuilder.key(region: row["region"], callingCode: code)
                guard builders[key] != nil else {
                    throw ReferenceDataError(
                        file: table.source, line: row.line,
                        reason: "region \(row["region"]) +\(code) is not in country-codes.csv")
                }
                guard let pattern = try compile(row["national_number_pattern"], table: table, line: row.line) else {
                    continue
                }
                builders[key]?.typePatterns.append((pattern, tag))
                builders[key]?.typeLengths.append((tag, lengths(row["possible_lengths"])))
                if tag == 0 {
                    builders[key]?.possibleLengths = lengths(row["possible_lengths"])
                    builders[key]?.localOnlyLengths = lengths(row["possible_lengths_local_only"])
                    let rule = row["national_prefix_transform_rule"]
                    builders[key]?.transformRule = rule.isEmpty ? nil : rule
                }
            }
        }

        let shortNumbers = try data.table("numbering/short-numbers.csv")
        for row in shortNumbers.rows {
            guard let kind = ShortNumberTable.Kind(metadataName: row["short_number_type"]) else { continue }
            guard builders[row["region"]] != nil else {
                throw ReferenceDataError(
                    file: shortNumbers.source, line: row.line,
                    reason: "region \(row["region"]) is not in country-codes.csv")
            }
            guard let pattern = try compile(row["pattern"], table: shortNumbers, line: row.line) else { continue }
            builders[row["region"]]?.shortPatterns.append((pattern, kind.rawValue))
            builders[row["region"]]?.shortLengths.append((kind.rawValue, lengths(row["possible_lengths"])))
        }

        var regions: [String: RegionNumbering] = [:]
        var byCode: [Int: [RegionNumbering]] = [:]
        for key in order {
            guard let numbering = builders[key]?.build() else { continue }
            if numbering.region != "001" { regions[numbering.region] = numbering }
            if numbering.isMainRegion {
                byCode[numbering.callingCode, default: []].insert(numbering, at: 0)
            } else {
                byCode[numbering.callingCode, default: []].append(numbering)
            }
        }

        let hotspots = try HotspotTable(table: try data.table("irsf-hotspots.csv"))

        var nanp: [Int: String] = [:]
        let areaCodes = try data.table("numbering/nanp-area-codes.csv")
        for row in areaCodes.rows {
            guard let npa = Int(row["npa"]) else {
                throw ReferenceDataError(
                    file: areaCodes.source, line: row.line, reason: "npa \"\(row["npa"])\" is not a number")
            }
            nanp[npa] = row["region"]
        }

        return NumberingPlan(
            regions: regions, regionsByCallingCode: byCode, countryNames: countryNames, hotspots: hotspots,
            nanpAreaRegions: nanp)
    }

    private static func compile(_ text: String, table: CSVTable, line: Int) throws(ReferenceDataError) -> DigitPattern?
    {
        guard !text.isEmpty else { return nil }
        do {
            return try DigitPattern(text)
        } catch {
            throw ReferenceDataError(file: table.source, line: line, reason: error.description)
        }
    }

    private static func lengths(_ text: String) -> [Int] {
        text.split(separator: ";").compactMap { Int($0) }.sorted()
    }
}

/// Collects one region's rows from several files before compiling its automata.
private struct RegionBuilder {
    let region: String
    let callingCode: Int
    var isMainRegion = true
    var leadingDigits: DigitPattern?
    var internationalPrefix: DigitPattern?
    var nationalPrefixForParsing: DigitPattern?
    var transformRule: String?
    var possibleLengths: [Int] = []
    var localOnlyLengths: [Int] = []
    var typePatterns: [(pattern: DigitPattern, tag: Int)] = []
    var typeLengths: [(tag: Int, lengths: [Int])] = []
    var shortPatterns: [(pattern: DigitPattern, tag: Int)] = []
    var shortLengths: [(tag: Int, lengths: [Int])] = []

    static func key(region: String, callingCode: Int) -> String {
        region == "001" ? "001/\(callingCode)" : region
    }

    /// A tag's lengths as a table by length; a type that lists no lengths accepts any.
    static func lengthMasks(_ entries: [(tag: Int, lengths: [Int])]) -> [UInt32] {
        var masks = [UInt32](repeating: 0, count: RegionNumbering.maximumNationalNumberLength + 2)
        for (tag, lengths) in entries {
            for length in masks.indices where lengths.isEmpty || lengths.contains(length) {
                masks[length] |= 1 << UInt32(tag)
            }
        }
        return masks
    }

    func build() -> RegionNumbering {
        RegionNumbering(
            region: region, callingCode: callingCode, isMainRegion: isMainRegion, leadingDigits: leadingDigits,
            internationalPrefix: internationalPrefix, nationalPrefixForParsing: nationalPrefixForParsing,
            nationalPrefixTransformRule: transformRule, possibleLengths: possibleLengths,
            localOnlyLengths: localOnlyLengths, typeAutomaton: DigitAutomaton(typePatterns),
            typeLengths: Self.lengthMasks(typeLengths),
            shortNumbers: shortPatterns.isEmpty
                ? nil
                : ShortNumberTable(automaton: DigitAutomaton(shortPatterns), lengths: Self.lengthMasks(shortLengths)))
    }
}
