import Foundation
import Testing
import TollGuardCore

/// The engine takes its scheduled events from a `TimeOrderedQueue`, and the benchmarks' senders
/// their switches' events.
@Suite struct TimeOrderedQueueTests {
    /// Taken out by time, and those of one time in the order they were put in — as a stable
    /// sort of everything put in would order them — whether put in all at once or between takes.
    @Test func elementsComeOutInTimeOrderAndThoseOfOneTimeAsTheyWentIn() {
        var generator = SystemRandomNumberGenerator()
        let origin = Date(timeIntervalSince1970: 1_795_000_000)
        // Few distinct times: many ties.
        let put = (0..<2_000).map {
            (time: origin.addingTimeInterval(Double(Int.random(in: 0..<50, using: &generator))), id: $0)
        }
        var queue = TimeOrderedQueue<Int>()
        #expect(queue.isEmpty && queue.first == nil && queue.removeFirst() == nil)
        for item in put { queue.insert(item.id, at: item.time) }
        #expect(queue.first == put.map(\.time).min())
        var taken: [Int] = []
        while let id = queue.removeFirst() { taken.append(id) }
        let sorted = put.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
        let expected = sorted.map(\.element.id)
        let wrong = zip(taken, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(taken.count == expected.count && wrong == nil, "out of order from the \(wrong.map { "\($0)" } ?? "")th")

        // Interleaved: each take gives the earliest of what is held at that moment.
        var held: [(time: Date, id: Int)] = []
        for (index, item) in put.enumerated() {
            queue.insert(item.id, at: item.time)
            held.append(item)
            if index % 3 == 2 {
                let earliest = held.indices.min { (held[$0].time, $0) < (held[$1].time, $1) }
                let expected = earliest.map { held.remove(at: $0).id }
                #expect(queue.removeFirst() == expected)
            }
        }
        #expect(queue.first == held.map(\.time).min())
    }
}
