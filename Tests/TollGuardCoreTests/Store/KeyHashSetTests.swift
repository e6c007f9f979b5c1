import Testing
import TollGuardCore

@Suite struct KeyHashSetTests {
    /// Values of several days sharing their low bits (they probe the same slots), 0, and random
    /// ones, past several growths: the set answers as a `Set` does.
    @Test func answersAsASetDoesThroughGrowth() {
        var generator = SystemRandomNumberGenerator()
        var set = KeyHashSet(capacity: 4)
        var expected = Set<Int64>()
        var values: [Int64] = [0, 1, Int64.max]
        for day: Int64 in 0..<8 {
            values += (0..<64).map { day << 48 | $0 }  // the same low bits on every day
        }
        values += (0..<5_000).map { _ in Int64.random(in: 0...Int64.max, using: &generator) }
        // Plain values in the expectations: a failure would print the whole table otherwise.
        for value in values {
            let inserted = set.insert(value)
            let count = set.count
            #expect(inserted == expected.insert(value).inserted, "value \(value)")
            #expect(count == expected.count)
        }
        let unfound = values.filter { !set.contains($0) }
        #expect(unfound.isEmpty)
        let foundOnOtherDays = (8..<12).map { (day: Int64) in day << 48 | 5 }.filter { set.contains($0) }
        #expect(foundOnOtherDays.isEmpty)
        let missing = (0..<5_000).map { _ in Int64.random(in: 0...Int64.max, using: &generator) }
        let wrong = missing.filter { set.contains($0) != expected.contains($0) }
        #expect(wrong.isEmpty)
        let zeroAgain = set.insert(0)
        #expect(!zeroAgain)
    }

    @Test func anEmptySetHoldsNothingNotEvenZero() {
        let set = KeyHashSet([])
        #expect(!set.contains(0))
        #expect(!set.contains(42))
        #expect(set.count == 0)
    }
}
