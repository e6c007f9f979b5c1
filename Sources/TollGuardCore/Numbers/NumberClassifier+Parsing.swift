/// The result of splitting a dialled number into calling code and national significant number.
struct ParsedNumber {
    enum Outcome {
        /// libphonenumber would throw: no number, too short after the international prefix, unknown code…
        case failed
        case parsed(callingCode: Int, nationalNumber: DigitString)
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
        var national = DigitString(rest)
        var metadata = home
        if viaPrefix {
            guard rest.count > 2, rest[0] != 0 else {
                return ParsedNumber(outcome: .failed, viaInternationalPrefix: true)
            }
            var found = false
            var value = 0
            for length in 1...3 {
                value = value * 10 + Int(rest[length - 1])
                if !plan.regions(forCallingCode: value).isEmpty {
                    callingCode = value
                    national = DigitString(UnsafeBufferPointer(rebasing: rest[length...]))
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
            if let candidate = stripNationalPrefix(potential, metadata: home).apply(to: potential) {
                let candidateMatches = candidate.withBuffer { home.matchesGeneralPattern($0) }
                if (!home.matchesGeneralPattern(number) && candidateMatches)
                    || home.lengthCheck(number.count) == .tooLong
                {
                    national = candidate
                }
            }
        }
        guard var nsn = national, nsn.count >= 2 else {
            var failed = ParsedNumber(outcome: .failed, viaInternationalPrefix: viaPrefix)
            failed.tooLong = national == nil
            return failed
        }
        let stripped = nsn.withBuffer { current -> DigitString? in
            let strip = stripNationalPrefix(current, metadata: metadata)
            if case .unchanged = strip { return nil }
            guard let potential = strip.apply(to: current) else { return nil }
            switch metadata.lengthCheck(potential.count) {
            case .tooShort, .possibleLocalOnly, .invalidLength: return nil
            case .possible, .tooLong: return potential
            }
        }
        if let stripped { nsn = stripped }
        guard nsn.count >= 2, nsn.count <= RegionNumbering.maximumNationalNumberLength else {
            var failed = ParsedNumber(outcome: .failed, viaInternationalPrefix: viaPrefix)
            failed.tooLong = nsn.count > RegionNumbering.maximumNationalNumberLength
            return failed
        }
        return ParsedNumber(
            outcome: .parsed(callingCode: callingCode, nationalNumber: nsn), viaInternationalPrefix: viaPrefix)
    }

    /// Where the home international access code ends, if `number` starts with one.
    private func internationalPrefixEnd(_ number: UnsafeBufferPointer<UInt8>) -> Int? {
        if let literals = internationalPrefixLiteralsForParsing {
            return literals.first { number.starts(with: $0) }?.count
        }
        return home.internationalPrefix?.matchPrefix(number)?.end
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

    func apply(to number: UnsafeBufferPointer<UInt8>) -> DigitString? {
        switch self {
        case .unchanged: DigitString(number)
        case .dropFirst(let count): DigitString(UnsafeBufferPointer(rebasing: number[count...]))
        case .replaced(let digits): DigitString(digits)
        }
    }
}
