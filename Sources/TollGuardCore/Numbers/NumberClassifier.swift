/// Classifies dialled strings for one dial plan: internal, emergency, short code, national,
/// another region of the home calling code, international, or invalid; with E.164, region,
/// number type and risk evidence.
///
/// The parsing follows libphonenumber's `parse` + `number_type` step by step (international
/// prefix, country calling code, national prefix for parsing, possible lengths, leading
/// digits, type order), so answers match the reference library; the patterns run as
/// precompiled automata, so one classification costs well under a microsecond.
package struct NumberClassifier: Sendable {
    package let plan: NumberingPlan
    package let dialPlan: DialPlan
    /// The home region's numbering with the dial plan's prefix overrides applied.
    let home: RegionNumbering
    private let outsideLinePrefixes: [[UInt8]]
    /// The international access codes when they are fixed strings (`011`, `00`); nil runs the region's pattern.
    let internationalPrefixLiteralsForParsing: [[UInt8]]?
    /// Internal extensions, compiled (only all-digit strings reach it).
    private let extensionAutomaton: DigitAutomaton
    let homeCallingCodeDigits: [UInt8]

    /// Compiles `dialPlan` against `plan`; throws a sentence naming the bad setting.
    package init(plan: NumberingPlan, dialPlan: DialPlan) throws(DialPlanError) {
        guard var home = plan.regions[dialPlan.homeRegion.uppercased()] else {
            throw DialPlanError(
                "home_region = \"\(dialPlan.homeRegion)\" is not a region code (use ISO 3166, like \"US\" or \"DE\")")
        }
        func digits(_ text: String, setting: String) throws(DialPlanError) -> [UInt8] {
            let bytes = Array(text.utf8)
            guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw DialPlanError("\(setting) = \"\(text)\": prefixes are digits, written as strings")
            }
            return bytes.map { $0 - 0x30 }
        }
        var outside: [[UInt8]] = []
        for prefix in dialPlan.outsideLinePrefixes {
            outside.append(try digits(prefix, setting: "outside_line_prefixes"))
        }
        self.outsideLinePrefixes = outside.sorted { $0.count > $1.count }
        if dialPlan.internationalPrefixes.isEmpty {
            internationalPrefixLiteralsForParsing = home.internationalPrefix?.literal.map { [$0] }
        } else {
            var literals: [[UInt8]] = []
            for prefix in dialPlan.internationalPrefixes {
                literals.append(try digits(prefix, setting: "international_prefixes"))
            }
            internationalPrefixLiteralsForParsing = literals.sorted { $0.count > $1.count }
        }
        if let national = dialPlan.nationalPrefix {
            if national.isEmpty {
                home = home.withNationalPrefix(nil)
            } else {
                _ = try digits(national, setting: "national_prefix")
                home = home.withNationalPrefix(try? DigitPattern(national))
            }
        }
        do {
            extensionAutomaton = DigitAutomaton([(try DigitPattern(dialPlan.extensionPattern), 0)])
        } catch {
            throw DialPlanError("extension_pattern: \(error.description)")
        }
        self.plan = plan
        self.dialPlan = dialPlan
        self.home = home
        self.homeCallingCodeDigits = String(home.callingCode).utf8.map { $0 - 0x30 }
    }

    /// Classifies one dialled string.
    package func classify(_ dialed: String) -> NumberClassification {
        var text = dialed
        return text.withUTF8 { utf8 in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
                classify(utf8, scratch: buffer, dialed: dialed)
            }
        }
    }

    // MARK: - Steps

    private func classify(
        _ utf8: UnsafeBufferPointer<UInt8>, scratch: UnsafeMutableBufferPointer<UInt8>, dialed: String
    ) -> NumberClassification {
        let normalized = DialledString.normalize(utf8, into: scratch)
        var result = NumberClassification(dialed: dialed, scope: .invalid)
        let symbols: UnsafeBufferPointer<UInt8>
        switch normalized {
        case .empty, .malformed:
            return result
        case .name:
            result.scope = .internal
            return result
        case .tooLong:
            result.risk.insert(.tooLong)
            return result
        case .symbols(let count):
            symbols = UnsafeBufferPointer(rebasing: scratch[..<count])
        }
        let hasPlus = symbols[0] == 12
        let digits = hasPlus ? UnsafeBufferPointer(rebasing: symbols[1...]) : symbols
        if digits.contains(where: { $0 > 9 }) {
            // Feature codes (`*72…`, `*21*…#`) and stray `+`: handled by the PBX, not the network.
            result.scope = hasPlus ? .invalid : .internal
            return result
        }
        if digits.isEmpty { return result }

        // Emergency numbers work with and without the outside-line prefix (911 and 9911).
        if !hasPlus {
            if isEmergency(digits) || outsideLineRemainder(digits).map(isEmergency) == true {
                result.scope = .emergency
                result.region = home.region
                return result
            }
            if extensionAutomaton.acceptedTags(digits) != 0, !startsWithOutsideLinePrefix(digits) {
                result.scope = .internal
                return result
            }
        } else if !dialPlan.acceptsPlus {
            result.risk.insert(.unexpectedPlus)
        }
        let number = hasPlus ? digits : (outsideLineRemainder(digits) ?? digits)
        let parsed = parse(number, hasPlus: hasPlus)
        fill(&result, from: parsed, number: number)
        return result
    }

    private func fill(
        _ result: inout NumberClassification, from parsed: ParsedNumber, number: UnsafeBufferPointer<UInt8>
    ) {
        if case .parsed(let callingCode, let nsn) = parsed.outcome {
            nsn.withBuffer { describe(&result, callingCode: callingCode, nsn: $0) }
        } else if parsed.tooLong {
            result.risk.insert(.tooLong)
        }
        // No international prefix and no valid number: a home short code (411, 118 118), if it is one.
        if result.scope == .invalid, !parsed.viaInternationalPrefix, let cost = shortCodeCost(number) {
            result = NumberClassification(dialed: result.dialed, scope: .shortCode)
            result.region = home.region
            result.shortNumberCost = cost
            if cost == .premiumRate { result.risk.insert(.premiumShortCode) }
        }
    }

    /// Region, type, scope and risk of a parsed national number.
    private func describe(_ result: inout NumberClassification, callingCode: Int, nsn: UnsafeBufferPointer<UInt8>) {
        result.callingCode = callingCode
        let regions = plan.regions(forCallingCode: callingCode)
        let found = plan.region(forNationalNumber: nsn, callingCode: callingCode)
        let region = found?.0
        let type = found?.1 ?? .unknown
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { e164 in
            var count = 0
            var divisor = callingCode >= 100 ? 100 : callingCode >= 10 ? 10 : 1
            while divisor > 0 {
                e164[count] = UInt8(callingCode / divisor % 10)
                count += 1
                divisor /= 10
            }
            for digit in nsn {
                e164[count] = digit
                count += 1
            }
            let e164Digits = UnsafeBufferPointer(rebasing: e164[..<count])
            if let hotspot = plan.hotspots.match(digits: e164Digits) {
                result.hotspot = hotspot
                result.risk.insert(.irsfHotspot)
            }
            if type != .unknown {
                result.e164 = String(unsafeUninitializedCapacity: count + 1) { text in
                    text[0] = UInt8(ascii: "+")
                    for index in 0..<count { text[index + 1] = e164Digits[index] + 0x30 }
                    return count + 1
                }
            }
        }
        if NumberingPlan.isInternationalNetwork(callingCode: callingCode) { result.risk.insert(.internationalNetwork) }
        if isSatellite(callingCode: callingCode, nsn: nsn) { result.risk.insert(.satellite) }
        if callingCode == 1, nsn.count >= 3 {
            let npa = Int(nsn[0]) * 100 + Int(nsn[1]) * 10 + Int(nsn[2])
            if let area = plan.nanpAreaRegions[npa], area != "US", area != "CA", area != "NANP" {
                result.risk.insert(.nanpOtherRegion)
            }
        }
        guard let region, type != .unknown else {
            result.scope = .invalid
            let maximum = regions.map(\.maximumLength).max() ?? RegionNumbering.maximumNationalNumberLength
            if nsn.count > maximum { result.risk.insert(.tooLong) }
            return
        }
        result.region = region.region
        result.numberType = type
        if type == .premiumRate { result.risk.insert(.premiumRate) }
        if type == .sharedCost { result.risk.insert(.sharedCost) }
        if region.region == home.region {
            result.scope = .national
        } else if callingCode == home.callingCode {
            result.scope = .sameCodeOtherRegion
        } else {
            result.scope = .international
        }
    }

    private func isSatellite(callingCode: Int, nsn: UnsafeBufferPointer<UInt8>) -> Bool {
        switch callingCode {
        case 870, 881: true
        case 882: nsn.count >= 2 && nsn[0] == 1 && (nsn[1] == 3 || nsn[1] == 6)
        default: false
        }
    }

    private func isEmergency(_ digits: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let table = home.shortNumbers else { return false }
        return table.kinds(digits) & ShortNumberTable.Kind.emergency.bit != 0
    }

    /// The cost of a home short code, or nil when `digits` is not one.
    private func shortCodeCost(_ digits: UnsafeBufferPointer<UInt8>) -> ShortNumberCost? {
        guard let table = home.shortNumbers else { return nil }
        let kinds = table.kinds(digits)
        guard kinds & ShortNumberTable.Kind.shortCode.bit != 0 else { return nil }
        if kinds & ShortNumberTable.Kind.premiumRate.bit != 0 { return .premiumRate }
        if kinds & ShortNumberTable.Kind.standardRate.bit != 0 { return .standardRate }
        if kinds & ShortNumberTable.Kind.tollFree.bit != 0 { return .tollFree }
        if kinds & ShortNumberTable.Kind.emergency.bit != 0 { return .tollFree }
        return .unknownCost
    }

    private func startsWithOutsideLinePrefix(_ digits: UnsafeBufferPointer<UInt8>) -> Bool {
        outsideLinePrefixes.contains { digits.starts(with: $0) }
    }

    private func outsideLineRemainder(_ digits: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        for prefix in outsideLinePrefixes where digits.starts(with: prefix) {
            return UnsafeBufferPointer(rebasing: digits[prefix.count...])
        }
        return nil
    }
}

/// A dial-plan setting TollGuard cannot use.
package struct DialPlanError: Error, Sendable, Hashable, CustomStringConvertible {
    package let description: String

    package init(_ description: String) { self.description = description }
}
