import Foundation
import TollGuardCore

/// The simulator's dice: uniform integers, chances and picks from one seeded generator,
/// so a seed always gives the same traffic.
struct SimulationRandom {
    private var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    /// A uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(generator.next(upperBound: UInt64(range.count)))
    }

    /// A uniform value in `0..<1`.
    mutating func unit() -> Double {
        Double(generator.next() >> 11) / Double(1 << 53)
    }

    /// True with probability `probability`.
    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// One element of a non-empty array.
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// `count` random decimal digits.
    mutating func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(int(0...9))) })
    }

    /// A duration drawn from an exponential distribution with this mean, clamped to `range`.
    mutating func exponential(mean: Double, in range: ClosedRange<Int>) -> Int {
        let value = -mean * log1p(-unit())
        return min(range.upperBound, max(range.lowerBound, Int(value.rounded())))
    }

    /// A version-4 UUID, lower case, as FreeSWITCH writes call uuids.
    mutating func uuid() -> String {
        let high = generator.next()
        let low = generator.next()
        func hex(_ value: UInt64, _ digits: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - text.count)) + text.suffix(digits)
        }
        return hex(high >> 32, 8) + "-" + hex((high >> 16) & 0xffff, 4) + "-4" + hex(high & 0xfff, 3) + "-a"
            + hex((low >> 48) & 0xfff, 3) + "-" + hex(low & 0xffff_ffff_ffff, 12)
    }
}
