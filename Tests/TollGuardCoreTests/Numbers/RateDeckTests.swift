import Foundation
import Testing

@testable import TollGuardCore

@Suite struct RateDeckTests {
    static let deckText = """
        prefix,destination,rate_per_min,connect_fee,billing,currency,effective_from
        44,United Kingdom,0.0120,,60/60,USD,
        447,United Kingdom mobile,0.0300,,30/6,USD,
        4479,UK mobile other,0.0600,0.10,1/1,USD,
        49,Germany,0.0100,,,USD,
        49,Germany,0.0200,,,USD,2026-06-01
        +53,Cuba,0.9000,0.25,60/60,USD,
        """

    static func deck() throws -> RateDeck {
        try RateDeck.parse(CSVTable(text: deckText, source: "deck.csv"), defaultCurrency: "USD")
    }

    @Test func longestPrefixWins() throws {
        let deck = try Self.deck()
        #expect(deck.rate(for: "441212345678", at: Date())?.prefix == "44")
        #expect(deck.rate(for: "447400123456", at: Date())?.prefix == "447")
        #expect(deck.rate(for: "447912345678", at: Date())?.prefix == "4479")
        #expect(deck.rate(for: "5351234567", at: Date())?.prefix == "53")
        #expect(deck.rate(for: "3312345678", at: Date()) == nil)
    }

    @Test(arguments: [
        ("60/60", 1, 60), ("60/60", 60, 60), ("60/60", 61, 120), ("30/6", 61, 66), ("30/6", 10, 30),
        ("30/6", 31, 36), ("1/1", 61, 61), ("6/6", 7, 12), ("60/60", 0, 0),
    ])
    func billingIncrements(_ billing: String, _ seconds: Int, _ billed: Int) throws {
        let increment = try #require(BillingIncrement(billing))
        #expect(increment.billedSeconds(seconds) == billed)
    }

    @Test func costAddsTheConnectFeeToBilledTime() throws {
        let deck = try Self.deck()
        let cuba = try #require(deck.rate(for: "5351234567", at: Date()))
        #expect(cuba.cost(billsec: 61) == 250_000 + 1_800_000)  // 0.25 + 2 min × 0.90
        #expect(cuba.cost(billsec: 0) == 0)  // unanswered: no connect fee
        let ukMobile = try #require(deck.rate(for: "447400123456", at: Date()))
        #expect(ukMobile.cost(billsec: 61) == 33_000)  // 66 s × 0.03 / 60
        let other = try #require(deck.rate(for: "447912345678", at: Date()))
        #expect(other.cost(billsec: 61) == 100_000 + 61_000)
    }

    @Test func effectiveDateChoosesThePriceInForceWhenTheCallStarted() throws {
        let deck = try Self.deck()
        let before = try #require(CivilTime.parseUTC(dateOrDateTime: "2026-05-31 23:59:59"))
        let after = try #require(CivilTime.parseUTC(dateOrDateTime: "2026-06-01"))
        #expect(deck.rate(for: "4930123456", at: before)?.ratePerMinuteMicros == 10_000)
        #expect(deck.rate(for: "4930123456", at: after)?.ratePerMinuteMicros == 20_000)
    }

    @Test func fallbackPricesUncoveredInternationalCallsAndFlagsThem() throws {
        let plan = try NumberingPlan.builtIn.get()
        let rater = DestinationRater(
            classifier: try NumberClassifier(
                plan: plan, dialPlan: DialPlan(homeRegion: "US", outsideLinePrefixes: ["9"])),
            deck: try Self.deck(), fallbackRatePerMinuteMicros: 2_000_000)
        let start = Date()
        let covered = rater.rate(destination: "9011447400123456", context: "", billsec: 61, startedAt: start)
        #expect(covered.price.ratePrefix == "447")
        #expect(!covered.price.usedFallback)
        let uncovered = rater.rate(destination: "9011330123456789", context: "", billsec: 90, startedAt: start)
        #expect(uncovered.classification.scope == .international)
        #expect(uncovered.price.usedFallback)
        #expect(uncovered.price.costMicros == 4_000_000)  // 120 s at 60/60 × 2.00
        #expect(uncovered.classification.risk.contains(.unpriced))
        // National calls the deck misses are not charged the international fallback; internal calls cost nothing.
        #expect(
            rater.rate(destination: "912015550123", context: "", billsec: 60, startedAt: start).price.costMicros == 0)
        #expect(rater.rate(destination: "1002", context: "", billsec: 600, startedAt: start).price.costMicros == 0)
    }

    @Test func aBadRowNamesItsLineAndNothingIsImported() {
        let text = "prefix,destination,rate_per_min,billing\n44,UK,0.01,60/60\n49,DE,cheap,60/60\n"
        #expect {
            try RateDeck.parse(CSVTable(text: text, source: "bad.csv"), defaultCurrency: "USD")
        } throws: { error in
            (error as? RateDeckError)?.description == "bad.csv line 3: rate_per_min \"cheap\" is not an amount"
        }
        let badBilling = "prefix,destination,rate_per_min,billing\n44,UK,0.01,60\n"
        #expect(throws: RateDeckError.self) {
            try RateDeck.parse(CSVTable(text: badBilling, source: "b.csv"), defaultCurrency: "USD")
        }
    }

    @Test func moneyIsExactMicroUnits() {
        #expect(Money.micros("0.0125") == 12_500)
        #expect(Money.micros("12") == 12_000_000)
        #expect(Money.micros("1.0000001") == nil)
        #expect(Money.micros("1e3") == nil)
        #expect(Money.format(12_345_678, decimals: 2) == "12.35")
        #expect(Money.format(-500, decimals: 4) == "-0.0005")
    }
}
