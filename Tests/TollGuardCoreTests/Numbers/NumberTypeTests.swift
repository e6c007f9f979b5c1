import Testing

@testable import TollGuardCore

/// Every special number type, on the example numbers libphonenumber gives for each region.
@Suite struct NumberTypeTests {
    struct Example: Sendable, CustomTestStringConvertible {
        let region: String
        let type: String
        let e164: String
        let sharesCallingCode: Bool
        var testDescription: String { "\(region) \(type) \(e164)" }
    }

    static let examples: [Example] = {
        guard let plan = try? NumberingPlan.builtIn.get(),
            let table = try? ReferenceData.embedded.table("numbering/premium-rate-patterns.csv")
        else { return [] }
        return table.rows.compactMap { row in
            guard !row["example_e164"].isEmpty, let code = Int(row["calling_code"]) else { return nil }
            return Example(
                region: row["region"], type: row["number_type"], e164: row["example_e164"],
                sharesCallingCode: plan.regions(forCallingCode: code).count > 1)
        }
    }()

    @Test func examplesCoverEveryTypeInManyRegions() {
        #expect(Set(Self.examples.map(\.region)).count >= 20)
        let types = Set(Self.examples.map(\.type))
        for type in ["premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan"] {
            #expect(types.contains(type), "no example of \(type)")
        }
    }

    @Test(arguments: examples)
    func exampleNumberHasItsType(_ example: Example) throws {
        let classifier = try NumberClassifier(
            plan: try NumberingPlan.builtIn.get(), dialPlan: DialPlan(homeRegion: "DE"))
        let result = classifier.classify(example.e164)
        #expect(result.numberType?.rawValue == example.type)
        #expect(result.e164 == example.e164)
        // Regions sharing a calling code (+1, +44, +7 …) give ranges valid in all of them to the main region.
        if !example.sharesCallingCode { #expect(result.region == example.region) }
        if example.type == "premium_rate" { #expect(result.risk.contains(.premiumRate)) }
        if example.type == "shared_cost" { #expect(result.risk.contains(.sharedCost)) }
    }

    @Test func internationalNetworksAndSatelliteAreFlaggedByCallingCode() throws {
        let classifier = try NumberClassifier(
            plan: try NumberingPlan.builtIn.get(), dialPlan: DialPlan(homeRegion: "GB"))
        for number in ["+870301234567", "+881612345678", "+88216123456"] {
            let result = classifier.classify(number)
            #expect(result.risk.contains(.internationalNetwork), "\(number)")
            #expect(result.risk.contains(.satellite), "\(number)")
        }
        let voip = classifier.classify("+883510012345")
        #expect(voip.risk.contains(.internationalNetwork))
        #expect(!voip.risk.contains(.satellite))
        #expect(!classifier.classify("+4930123456").risk.contains(.internationalNetwork))
    }

    @Test func digitsAppendedToAValidNumberAreTooLong() throws {
        let classifier = try NumberClassifier(
            plan: try NumberingPlan.builtIn.get(), dialPlan: DialPlan(homeRegion: "US"))
        let result = classifier.classify("+12015550123999999")
        #expect(result.scope == .invalid)
        #expect(result.risk.contains(.tooLong))
        #expect(!classifier.classify("+12015550123").risk.contains(.tooLong))
    }

    @Test func caribbeanNumbersCarryNANPOtherRegionButPuertoRicoDoesNot() throws {
        let classifier = try NumberClassifier(
            plan: try NumberingPlan.builtIn.get(), dialPlan: DialPlan(homeRegion: "US"))
        #expect(classifier.classify("+18765230123").risk.contains(.nanpOtherRegion))
        #expect(classifier.classify("12843001234").risk.contains(.nanpOtherRegion))
        #expect(!classifier.classify("12015550123").risk.contains(.nanpOtherRegion))
    }
}
