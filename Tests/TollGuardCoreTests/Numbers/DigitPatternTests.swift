import Testing

@testable import TollGuardCore

@Suite struct DigitPatternTests {
    static func symbols(_ text: String) -> [UInt8] { text.utf8.compactMap { DialSymbol.index(of: $0).map(UInt8.init) } }

    @Test func prefixMatchTakesTheFirstAlternativeLikeLibphonenumber() throws {
        // Australia's international prefix: 0011 must win over 001x… by pattern order, not length.
        let pattern = try DigitPattern("001[14-689]|14(?:1[14]|34|4[17]|[56]6|7[47]|88)0011")
        #expect(pattern.matchPrefix(Self.symbols("0011441212345678"))?.end == 4)
        #expect(pattern.matchPrefix(Self.symbols("14110011441212"))?.end == 8)
        #expect(pattern.matchPrefix(Self.symbols("0021")) == nil)
    }

    @Test func capturesAndEndAnchor() throws {
        let pattern = try DigitPattern(#"([457]\d{6})$|1"#)
        let whole = try #require(pattern.matchPrefix(Self.symbols("4123456")))
        #expect(whole.end == 7)
        #expect(whole.range(ofGroup: 1) == 0..<7)
        let trunk = try #require(pattern.matchPrefix(Self.symbols("12684123456")))
        #expect(trunk.end == 1)
        #expect(trunk.range(ofGroup: 1) == nil)
    }

    @Test func automatonReportsEveryMatchingPatternAtOnce() throws {
        let automaton = DigitAutomaton([
            (try DigitPattern(#"900[2-9]\d{6}"#), 1), (try DigitPattern(#"[2-9]\d{9}"#), 2),
            (try DigitPattern(#"8(?:00|33)[2-9]\d{6}"#), 3),
        ])
        func tags(_ text: String) -> UInt32 {
            Self.symbols(text).withUnsafeBufferPointer { automaton.acceptedTags($0) }
        }
        #expect(tags("9002345678") == 0b110)
        #expect(tags("8002345678") == 0b1100)
        #expect(tags("2015550123") == 0b100)
        #expect(tags("201555012") == 0)
        #expect(tags("90023456789") == 0)
    }

    @Test(arguments: ["(?=1)", "[a-z]", "1{3,2}", "(12", "\\w"])
    func unsupportedSyntaxIsAnErrorNamingThePosition(_ source: String) {
        #expect(throws: DigitPatternError.self) { try DigitPattern(source) }
    }
}
