import Testing

@testable import TollGuardCore

@Suite struct FraudListTests {
    @Test func plainListWithCommentsPrefixesAndIPs() {
        let text = """
            # known IRSF test numbers
            +371 901 23456
            0037190
            252  # Somalia, whole country
            203.0.113.7
            198.51.100.0/24
            2001:db8::/32
            not a number
            """
        let (list, skipped) = FraudList.parse(name: "carrier", text: text, source: "carrier.txt")
        #expect(list.numbers == ["37190123456", "37190", "252"])
        #expect(list.ipRanges.map(\.text) == ["203.0.113.7", "198.51.100.0/24", "2001:db8::/32"])
        #expect(skipped.map(\.line) == [8])
        #expect(skipped.first?.description.hasPrefix("carrier.txt line 8:") == true)
    }

    @Test func csvWithANumberColumn() {
        let text = "id,number,note\n1,+5351234567,seen 2026\n2,0088213001,satellite\n"
        let (list, skipped) = FraudList.parse(name: "csv", text: text, source: "list.csv")
        #expect(list.numbers == ["5351234567", "88213001"])
        #expect(skipped.isEmpty)
    }

    @Test func matchesNameTheirListExactOrByPrefix() {
        let lists = FraudLists([
            FraudList(name: "a", numbers: ["37190123456", "252"]),
            FraudList(name: "b", numbers: ["3719"], ipRanges: [IPAddressRange("198.51.100.0/24")].compactMap { $0 }),
        ])
        let exact = lists.matches(destinationE164: "37190123456")
        #expect(exact.contains(FraudLists.Match(list: "a", entry: "+37190123456", kind: "number")))
        #expect(exact.contains(FraudLists.Match(list: "b", entry: "+3719", kind: "prefix")))
        #expect(lists.matches(destinationE164: "25271123456").map(\.list) == ["a"])
        #expect(lists.matches(destinationE164: "4930123456").isEmpty)
        #expect(lists.matches(sourceIP: "198.51.100.77").map(\.entry) == ["198.51.100.0/24"])
        #expect(lists.matches(sourceIP: "198.51.101.1").isEmpty)
        #expect(lists.matches(sourceIP: "not-an-ip").isEmpty)
    }

    @Test func ipv6AndIPv4RangesDoNotOverlap() throws {
        let v4 = try #require(IPAddressRange("10.0.0.0/8"))
        let v6 = try #require(IPAddressRange("2001:db8::/32"))
        let inside = try #require(IPAddressRange.address("10.1.2.3")).0
        let v6Inside = try #require(IPAddressRange.address("2001:db8:1::5")).0
        #expect(v4.contains(inside))
        #expect(!v6.contains(inside))
        #expect(v6.contains(v6Inside))
        #expect(IPAddressRange("10.0.0.0/33") == nil)
        #expect(IPAddressRange("999.1.1.1") == nil)
    }
}
