import Foundation
import Testing

@testable import TollGuardCore

/// The 39 dialled strings of the team's reference data (`Fixtures/numbering/dialed-test-vectors.csv`,
/// verified against phonenumbers 9.0.43), each with its expected scope, E.164, region, calling
/// code, type, flags and hotspot.
@Suite struct DialledTestVectorTests {
    struct Vector: CustomTestStringConvertible, Sendable {
        let id, homeRegion, outsidePrefix, dialed, scope, e164, region, callingCode, numberType, flags, hotspot: String
        var testDescription: String { "\(id) \(dialed)" }
    }

    static let vectors: [Vector] = {
        let url = FixtureFiles.url("numbering/dialed-test-vectors.csv")
        guard let table = try? CSVTable(contentsOf: url) else { return [] }
        return table.rows.map { row in
            Vector(
                id: row["id"], homeRegion: row["home_region"], outsidePrefix: row["outside_line_prefix"],
                dialed: row["dialed"], scope: row["expected_scope"], e164: row["expected_e164"],
                region: row["expected_region"], callingCode: row["expected_calling_code"],
                numberType: row["expected_number_type"], flags: row["expected_flags"], hotspot: row["expected_hotspot"])
        }
    }()

    @Test func allThirtyNineVectorsAreLoaded() {
        #expect(Self.vectors.count == 39)
    }

    @Test(arguments: vectors)
    func vector(_ vector: Vector) throws {
        let plan = try NumberingPlan.builtIn.get()
        var dialPlan = DialPlan(homeRegion: vector.homeRegion)
        if !vector.outsidePrefix.isEmpty { dialPlan.outsideLinePrefixes = [vector.outsidePrefix] }
        let result = try NumberClassifier(plan: plan, dialPlan: dialPlan).classify(vector.dialed)
        #expect(result.scope.rawValue == vector.scope)
        #expect((result.e164 ?? "") == vector.e164)
        #expect((result.region ?? "") == vector.region)
        if !vector.callingCode.isEmpty {
            #expect(result.callingCode.map(String.init) == vector.callingCode)
        }
        #expect((result.numberType?.rawValue ?? "") == vector.numberType)
        #expect(Self.flags(of: result) == Set(vector.flags.split(separator: ";").map(String.init)))
        #expect((result.hotspot?.prefix ?? "") == vector.hotspot)
    }

    /// The vector file's flag names for what TollGuard reports.
    static func flags(of result: NumberClassification) -> Set<String> {
        var flags = Set<String>()
        switch result.numberType {
        case .premiumRate: flags.insert("premium")
        case .tollFree, .sharedCost, .voip, .uan, .personalNumber, .pager:
            if let type = result.numberType { flags.insert(type.rawValue) }
        default: break
        }
        if result.risk.contains(.internationalNetwork) { flags.insert("international_networks") }
        if let cost = result.shortNumberCost, cost == .unknownCost { flags.insert("unknown_cost") }
        return flags
    }
}
