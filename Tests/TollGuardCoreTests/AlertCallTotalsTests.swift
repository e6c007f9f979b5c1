import Foundation
import Testing
import TollGuardCore

/// What each switch carried of an alert whose account called through several.
@Suite struct AlertCallTotalsTests {
    static func call(_ switchName: String?, cost: Int64) -> AlertCall {
        AlertCall(
            key: UUID().uuidString, time: Date(timeIntervalSince1970: 0), number: "+4420", region: "GB",
            costMicros: cost, switchName: switchName)
    }

    @Test func eachSwitchItsCallsAndCostInTheOrderTheyAppear() {
        let calls = [
            Self.call("ast-east", cost: 1_000_000), Self.call("fs-west", cost: 250_000), Self.call(nil, cost: 9),
            Self.call("ast-east", cost: 500_000),
        ]
        let totals = calls.totalsBySwitch
        #expect(totals.map(\.switchName) == ["ast-east", "fs-west"])
        #expect(totals.map(\.calls) == [2, 1])
        #expect(totals.map(\.costMicros) == [1_500_000, 250_000])
    }

    @Test func oneSwitchOrNoneNeedsNoBreakdown() {
        #expect([Self.call("fs-west", cost: 1), Self.call("fs-west", cost: 2)].totalsBySwitch.isEmpty)
        #expect([Self.call(nil, cost: 1)].totalsBySwitch.isEmpty)
    }
}
