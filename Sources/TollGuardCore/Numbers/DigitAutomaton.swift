/// A deterministic automaton over the digits 0–9 that answers, in one pass over a number,
/// which of many full-match patterns accept it.
///
/// libphonenumber's special-number ranges are finite languages, so the subset construction
/// stays small; a region's eleven number-type patterns fold into one table and a lookup
/// costs one array read per digit, not a regex scan per pattern.
package struct DigitAutomaton: @unchecked Sendable {  // immutable after init; the pointers are into `storage`
    /// `transitions[state * 10 + digit]` is the next state, or -1 for "no pattern can match".
    private let transitions: UnsafePointer<Int32>
    /// Bit `tag` is set when the pattern given that tag accepts the input ending in this state.
    private let acceptedTagsByState: UnsafePointer<UInt32>
    /// Owns the tables.
    ///
    /// Lookups read them through raw pointers: no reference counting per digit.
    private let storage: Storage

    private final class Storage {
        let transitions: UnsafeMutablePointer<Int32>
        let accepted: UnsafeMutablePointer<UInt32>

        init(transitions: [Int32], accepted: [UInt32]) {
            // At least one element each, so the pointers exist even for an empty table.
            self.transitions = .allocate(capacity: max(1, transitions.count))
            self.transitions.initialize(repeating: -1, count: max(1, transitions.count))
            self.transitions.update(from: transitions, count: transitions.count)
            self.accepted = .allocate(capacity: max(1, accepted.count))
            self.accepted.initialize(repeating: 0, count: max(1, accepted.count))
            self.accepted.update(from: accepted, count: accepted.count)
        }

        deinit {
            transitions.deallocate()
            accepted.deallocate()
        }
    }

    /// Builds the automaton; each pattern's tag (0–31) is reported when it matches a whole input.
    package init(_ patterns: [(pattern: DigitPattern, tag: Int)]) {
        // One NFA: the programs side by side, addresses offset.
        var instructions: [DigitInstruction] = []
        // Per instruction: the symbols it consumes, and the tags it reports as a match.
        var symbolsOf: [UInt16] = []
        var tagsOf: [UInt32] = []
        var starts: [Int] = []
        for (pattern, tag) in patterns {
            let offset = instructions.count
            starts.append(offset)
            for instruction in pattern.program {
                switch instruction {
                case .split(let preferred, let other):
                    instructions.append(.split(preferred: preferred + offset, other: other + offset))
                case .jump(let target):
                    instructions.append(.jump(target + offset))
                default:
                    instructions.append(instruction)
                }
                if case .symbol(let symbols) = instruction { symbolsOf.append(symbols) } else { symbolsOf.append(0) }
                if case .match = instruction { tagsOf.append(1 << UInt32(tag)) } else { tagsOf.append(0) }
            }
        }

        var stateOfSet: [[Int32]: Int32] = [:]
        var sets: [[Int32]] = []
        var transitions: [Int32] = []
        var acceptedTags: [UInt32] = []
        var visits = InstructionVisits(count: instructions.count)

        func state(for set: [Int32]) -> Int32 {
            if let known = stateOfSet[set] { return known }
            let id = Int32(sets.count)
            stateOfSet[set] = id
            sets.append(set)
            acceptedTags.append(set.reduce(0) { $0 | tagsOf[Int($1)] })
            transitions.append(contentsOf: repeatElement(-1, count: 10))
            return id
        }

        _ = state(for: instructions.epsilonClosure(starts, visits: &visits))
        var next = 0
        var seedsByDigit = [[Int]](repeating: [], count: 10)
        while next < sets.count {
            for digit in 0..<10 { seedsByDigit[digit].removeAll(keepingCapacity: true) }
            for pc in sets[next] {
                let symbols = symbolsOf[Int(pc)]
                guard symbols != 0 else { continue }
                for digit in 0..<10 where symbols & (1 << UInt16(digit)) != 0 {
                    seedsByDigit[digit].append(Int(pc) + 1)
                }
            }
            for digit in 0..<10 where !seedsByDigit[digit].isEmpty {
                let target = instructions.epsilonClosure(seedsByDigit[digit], visits: &visits)
                guard !target.isEmpty else { continue }
                transitions[next * 10 + digit] = state(for: target)
            }
            next += 1
        }
        let storage = Storage(transitions: transitions, accepted: acceptedTags)
        self.storage = storage
        self.transitions = UnsafePointer(storage.transitions)
        self.acceptedTagsByState = UnsafePointer(storage.accepted)
    }

    /// The tags of every pattern that matches all of `digits` (values 0–9, not ASCII).
    @inline(__always)
    package func acceptedTags(_ digits: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var state = 0
        for digit in digits {
            let next = transitions[state &* 10 &+ Int(digit)]
            if next < 0 { return 0 }
            state = Int(next)
        }
        return acceptedTagsByState[state]
    }
}
