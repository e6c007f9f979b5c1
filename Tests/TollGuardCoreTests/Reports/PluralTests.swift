import Testing
import TollGuardCore

/// Counted nouns read as written: singular for exactly one.
@Suite struct PluralTests {
    @Test func countedNouns() {
        #expect(Plural.of(1, "call") == "1 call")
        #expect(Plural.of(0, "call") == "0 calls")
        #expect(Plural.of(2, "earlier call") == "2 earlier calls")
        #expect(Plural.of(1, "delivery") == "1 delivery")
        #expect(Plural.of(3, "delivery") == "3 deliveries")
        #expect(Plural.of(2, "day") == "2 days")
        #expect(Plural.of(2, "match", "matches") == "2 matches")
    }
}
