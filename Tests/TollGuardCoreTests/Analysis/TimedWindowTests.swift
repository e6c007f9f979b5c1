import Testing
import TollGuardCore

/// The trailing window the rate analyzers count in: counts and weights over spans, and storage
/// bounded by the live entries (a subject calling once an hour for days must not keep them all).
@Suite struct TimedWindowTests {
    @Test func countsAndWeightsOverSpans() {
        var window = TimedWindow<Int>()
        for second in 0..<100 {
            window.append(second, at: Double(second), weight: 2)
            window.expire(before: Double(second) - 60)
        }
        #expect(window.count == 61)  // 39…99
        #expect(window.count(since: 90) == 10)
        #expect(window.weight(since: 90) == 20)
        #expect(window.weight(since: 0) == 122)
        #expect(Array(window.elements(since: 97)) == [97, 98, 99])
        #expect(window.last == 99)
    }

    @Test func aQuietSubjectKeepsOnlyItsLiveEntries() {
        var window = TimedWindow<String>()
        for hour in 0..<1000 {
            let time = Double(hour) * 3600
            window.append("call \(hour)", at: time, weight: 1)
            window.expire(before: time - 3600)
            #expect(window.storedCount <= 2 * max(window.count, 1))
        }
        #expect(window.count == 2)  // this hour's and the one exactly an hour ago
        #expect(window.weight(since: 999 * 3600) == 1)
        window.expire(before: 1_000 * 3600)
        #expect(window.isEmpty && window.storedCount == 0 && window.last == nil)
    }

    @Test func aBusySubjectStaysWithinTwiceItsWindow() {
        var window = TimedWindow<Int>()
        for second in 0..<20_000 {
            window.append(second, at: Double(second))
            window.expire(before: Double(second) - 600)
        }
        #expect(window.count == 601)
        #expect(window.storedCount <= 2 * 601)
    }
}
