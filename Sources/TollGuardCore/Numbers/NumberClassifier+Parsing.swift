/// The result of splitting a dialled number into calling code and national significant number.
struct ParsedNumber {
    enum Outcome {
        /// libphonenumber would throw: no number, too short after the international prefix, unknown code…
        case failed
        case parsed(callingCode: Int, nationalNumber: [UInt8])
    }

    var outcome: Outcome
    /// `+` or an international access code was dialled.
    var viaInternationalPrefix: Bool
    /// The national number was longer than any numbering plan allows.
    var tooLong = false
}

extension NumberClassifier {
    /// libphonenumber's `parse(number, home)`: international prefix, calling code, national prefix.
    func parse(_ number: UnsafeBufferPointer<UInt8>, hasPlus: Bool) -> ParsedNumber {
        var rest = number
        var viaPrefix = hasPlus
        if !hasPlus, let end = internationalPrefixEnd(number) {
            // A calling code never starts with 0: `0 0 30…` in Germany is not IDD `00` + Greece… unless followed by 0.
            if end == number.count || number[end] != 0 {
                rest = UnsafeBufferPointer(rebasing: number[end...])
                viaPrefix = true
            }
        }
        var callingCode = home.callingCode
        var nationalNumber: UnsafeBufferPointer<UInt8> = rest
        var transformed: [UInt8]?
        var metadata = home
        if viaPrefix {
            guard rest.count > 2, rest[0] != 0 else { return ParsedNumber(outcome: .failed, viaInternationalPrefix: true) }
            var found = false
            var value = 0
            for length in 1...3 {
                value = value * 10 + Int(rest[length - 1])
                if !plan.regions(forCallingCode: value).isEmpty {
                    callingCode = value
                    nationalNumber = UnsafeBufferPointer(rebasing: rest[length...])
                    found = true
                    break
                }
            }
            guard found else { return ParsedNumber(outcome: .failed, viaInternationalPrefix: true) }
            if let main = plan.mainRegion(forCallingCode: callingCode), main.region != home.region {
                metadata = main
            }
        } else if number.starts(with: homeCallingCodeDigits) {
            // `1 347…` dialled in the US: the calling code itself, as libphonenumber accepts it.
            let potential = UnsafeBufferPointer(rebasing: number[homeCallingCodeDigits.count...])
            let stripped = stripNationalPrefix(potential, metadata: home)
            let candidate: [UInt8] = stripped.apply(to: potential)
            let candidateMatches = candidate.withUnsafeBufferPointer { home.matchesGeneralPattern($0) }
            if (!home.matchesGeneralPattern(number) && candidateMatches) || home.lengthCheck(number.count) == .tooLong {
                transformed = candidate
            }
        }
        var national: [UInt8] = transformed ?? Array(nationalNumber)
        guard national.count >= 2 else { return ParsedNumber(outcome: .failed, viaInternationalPrefix: viaPrefix) }
        national.withUnsafeBufferPointer { current in
            let stripped = stripNationalPrefix(current, metadata: metadata)
            if case .unchanged = stripped { return }
            let potential = stripped.apply(to: current)
            switch metadata.lengthCheck(potential.count) {
            case .tooShort, .possibleLocalOnly, .invalidLength: break
            case .possible, .tooLong: national = potential
            }
        }
        guard national.count >= 2, national.count <= RegionNumbering.maximumNationalNumberLength else {
            var failed = ParsedNumber(outcome: .failed, viaInternationalPrefix: viaPrefix)
            failed.tooLong = national.count > RegionNumbering.maximumNationalNumberLength
            return failed
        }
        return ParsedNumber(outcome: .parsed(callingCode: callingCode, nationalNumber: national), viaInternationalPrefix: viaPrefix)
    }

    /// Where the home international access code ends, if `number` starts with one.
    private func internationalPrefixEnd(_ number: UnsafeBufferPointer<UInt8>) -> Int? {
        if let literals = internationalPrefixLiteralsForParsing {
            return literals.first { number.starts(with: $0) }?.count
        }
        return home.internationalPrefix?.matchPrefix(number)?.end
    }

    /// The region of a national number among those sharing its calling code: leading digits
    /// first, else the first region whose patterns give it a type.
    func regionForNumber(_ nsn: UnsafeBufferPointer<UInt8>, regions: [RegionNumbering]) -> RegionNumbering? {
        if regions.count == 1 { return regions[0] }
        for region in regions {
            if region.leadingDigits != nil {
                if region.hasLeadingDigits(nsn) { return region }
            } else if region.numberType(nsn) != .unknown {
                return region
            }
        }
        return nil
    }

    /// libphonenumber's `_maybe_strip_national_prefix_and_carrier_code`.
    func stripNationalPrefix(_ number: UnsafeBufferPointer<UInt8>, metadata: RegionNumbering) -> NationalPrefixStrip {
        guard !number.isEmpty, let pattern = metadata.nationalPrefixForParsing,
            let match = pattern.matchPrefix(number)
        else { return .unchanged }
        let viable = metadata.matchesGeneralPattern(number)
        let lastGroup = pattern.captureCount > 0 ? match.range(ofGroup: pattern.captureCount) : nil
        guard let rule = metadata.nationalPrefixTransformRule, lastGroup != nil else {
            let rest = UnsafeBufferPointer(rebasing: number[match.end...])
            if viable && !metadata.matchesGeneralPattern(rest) { return .unchanged }
            return .dropFirst(match.end)
        }
        var replaced: [UInt8] = []
        var ruleBytes = Array(rule.utf8)[...]
        while let byte = ruleBytes.popFirst() {
            if byte == UInt8(ascii: "$"), let next = ruleBytes.first, next >= 0x30, next <= 0x39 {
                ruleBytes.removeFirst()
                if let range = match.range(ofGroup: Int(next - 0x30)) { replaced.append(contentsOf: number[range]) }
            } else if byte >= 0x30, byte <= 0x39 {
                replaced.append(byte - 0x30)
            }
        }
        replaced.append(contentsOf: number[match.end...])
        let stillViable = replaced.withUnsafeBufferPointer { metadata.matchesGeneralPattern($0) }
        if viable && !stillViable { return .unchanged }
        return .replaced(replaced)
    }
}

/// What stripping a national prefix did to a number.
enum NationalPrefixStrip {
    case unchanged
    case dropFirst(Int)
    case replaced([UInt8])

    func apply(to number: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        switch self {
        case .unchanged: Array(number)
        case .dropFirst(let count): Array(number[count...])
        case .replaced(let digits): digits
        }
    }
}
