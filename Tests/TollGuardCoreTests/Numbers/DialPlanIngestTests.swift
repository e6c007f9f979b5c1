import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardTestSupport

/// German and US PBXes end to end: CDRs ingested with the site's dial plan and rate deck
/// carry destination, classification and cost in the store; a deck change plus reprice changes them.
@Suite struct DialPlanIngestTests {
    struct StoredCall: Equatable {
        var scope: String?
        var e164: String?
        var region: String?
        var type: String?
        var risk: String?
        var cost: Int64?
    }

    static func ingest(_ fixture: String, configuration: String, deck: String) throws -> (
        TollGuardDatabase, [String: StoredCall]
    ) {
        let loaded = try ConfigurationLoader.decode(configuration)
        let database = try TollGuardDatabase.inMemory()
        try database.replaceRateDeck(
            try RateDeck.parse(CSVTable(text: deck, source: "deck.csv"), defaultCurrency: "USD"), sourcePath: "deck.csv"
        )
        var options = loaded.configuration.ingestOptions(timeZone: .named("UTC"))
        options.rater = try loaded.configuration.destinationRater(
            plan: try NumberingPlan.builtIn.get(), deck: try database.rateDeck())
        _ = try CDRFileIngester(database: database, options: options, logger: testLogger).ingest(
            path: FixtureFiles.path(fixture))
        return (database, try stored(database))
    }

    static func stored(_ database: TollGuardDatabase) throws -> [String: StoredCall] {
        try database.writer.read { db in
            var calls: [String: StoredCall] = [:]
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT destination, dest_scope, dest_e164, dest_region, dest_type, dest_risk, cost_micros FROM calls"
            ) {
                calls[row[0]] = StoredCall(
                    scope: row[1], e164: row[2], region: row[3], type: row[4], risk: row[5], cost: row[6])
            }
            return calls
        }
    }

    @Test func germanPBXWithOutsideLineZero() throws {
        let configuration = """
            [dialplan]
            home_region = "DE"
            outside_line_prefixes = ["0"]
            extension_pattern = "2\\\\d{2}"
            [rating]
            fallback_rate_per_min = 3.0
            """
        let deck =
            "prefix,destination,rate_per_min,billing\n49,Germany,0.01,60/60\n4917,Germany mobile,0.02,1/1\n49900,Germany premium,1.50,60/60\n44,United Kingdom,0.012,1/1\n"
        let (_, calls) = try Self.ingest("dialplan-de.csv", configuration: configuration, deck: deck)
        #expect(calls.count == 7)
        #expect(
            calls["0030123456"]
                == StoredCall(
                    scope: "national", e164: "+4930123456", region: "DE", type: "fixed_line", risk: nil, cost: 30_000))
        #expect(calls["0112"] == StoredCall(scope: "emergency", e164: nil, region: "DE", type: nil, risk: nil, cost: 0))
        #expect(calls["0 0171 2345678"]?.type == "mobile")
        #expect(calls["0 0171 2345678"]?.cost == 20_000)
        #expect(
            calls["009001234567"]
                == StoredCall(
                    scope: "national", e164: "+499001234567", region: "DE", type: "premium_rate", risk: "premium_rate",
                    cost: 15_000_000))
        #expect(calls["000441212345678"]?.scope == "international")
        #expect(calls["000441212345678"]?.cost == 12_200)  // 61 s at 1/1 × 0.012
        // Iridium is not in the deck: fallback 3.00/min for 10 minutes, flagged.
        #expect(calls["000881612345678"]?.cost == 30_000_000)
        #expect(calls["000881612345678"]?.risk == "international_network,satellite,unpriced")
        #expect(calls["202"]?.scope == "internal")
    }

    @Test func usPBXWithOutsideLineNineAndAPublicContext() throws {
        let configuration = """
            [dialplan]
            home_region = "US"
            outside_line_prefixes = ["9"]
            [dialplan.contexts.public]
            outside_line_prefixes = []
            """
        let deck =
            "prefix,destination,rate_per_min,billing\n1,USA,0.006,6/6\n1876,Jamaica,0.21,60/6\n44,UK,0.011,1/1\n447,UK mobile,0.03,1/1\n53,Cuba,0.98,60/60\n"
        let (database, calls) = try Self.ingest("dialplan-us.csv", configuration: configuration, deck: deck)
        #expect(
            calls["9 1 (201) 555-0123"]
                == StoredCall(
                    scope: "national", e164: "+12015550123", region: "US", type: "fixed_line_or_mobile", risk: nil,
                    cost: 12_600))
        #expect(calls["9911"]?.scope == "emergency")
        #expect(calls["918765230123"]?.scope == "same_code_other_region")
        #expect(calls["918765230123"]?.risk == "nanp_other_region,irsf_hotspot")
        #expect(calls["918765230123"]?.cost == 210_000)
        #expect(calls["9011447400123456"]?.cost == 30_500)
        #expect(calls["9011 53 5123 4567"]?.cost == 29_400_000)
        #expect(calls["9411"]?.scope == "short_code")
        #expect(calls["9011 230 5 123 4567"]?.cost == 0)  // unanswered
        #expect(calls["+442079460018"]?.e164 == "+442079460018")

        // A new deck changes nothing until reprice; reprice --from skips earlier calls.
        let newDeck = "prefix,destination,rate_per_min,billing\n1,USA,0.012,6/6\n53,Cuba,1.50,60/60\n"
        try database.replaceRateDeck(
            try RateDeck.parse(CSVTable(text: newDeck, source: "new.csv"), defaultCurrency: "USD"),
            sourcePath: "new.csv")
        #expect(try Self.stored(database)["9011 53 5123 4567"]?.cost == 29_400_000)
        let loaded = try ConfigurationLoader.decode(configuration)
        let rater = try loaded.configuration.destinationRater(
            plan: try NumberingPlan.builtIn.get(), deck: try database.rateDeck())
        let from = try #require(CivilTime.parseUTC(dateOrDateTime: "2026-05-04 09:05:00"))
        #expect(try database.reprice(with: rater, from: from, batchSize: 3) == 7)
        let repriced = try Self.stored(database)
        #expect(repriced["9011 53 5123 4567"]?.cost == 45_000_000)
        #expect(repriced["9 1 (201) 555-0123"]?.cost == 12_600)  // before --from: unchanged
        #expect(repriced["9011447400123456"]?.cost == Int64(2_000_000))  // UK left the deck: fallback 1.00 × 2 min
        #expect(repriced["9011447400123456"]?.risk == "irsf_hotspot,unpriced")
    }
}
