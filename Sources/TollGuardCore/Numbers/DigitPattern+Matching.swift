/// Where a ``DigitPattern`` matched: the end of the match and its capture positions.
package struct DigitMatch: Sendable, Hashable {
    /// One past the last matched symbol.
    package var end: Int
    /// Slot 2n and 2n+1 hold the start and end of group n (group 0 unused); -1 if it did not take part.
    package var slots: [Int]

    /// The range of group `n`, if it took part in the match.
    package func range(ofGroup group: Int) -> Range<Int>? {
        guard 2 * group + 1 < slots.count else { return nil }
        let start = slots[2 * group]
        let end = slots[2 * group + 1]
        return start >= 0 && end >= start ? start..<end : nil
    }
}

extension DigitPattern {
    /// Matches at the start of `symbols` (``DialSymbol`` indices), taking the first
    /// alternative that succeeds as Java's `lookingAt` and Python's `re.match` do.
    package func matchPrefix(_ symbols: UnsafeBufferPointer<UInt8>) -> DigitMatch? {
        if let literal {
            return symbols.starts(with: literal) ? DigitMatch(end: literal.count, slots: []) : nil
        }
        if !matchesEmpty, symbols.isEmpty || firstSymbols & (1 << UInt16(symbols[0])) == 0 { return nil }
        return run(symbols)
    }

    /// Matches at the start of `symbols`.
    package func matchPrefix(_ symbols: [UInt8]) -> DigitMatch? {
        symbols.withUnsafeBufferPointer { matchPrefix($0) }
    }

    /// Backtracking over the program.
    ///
    /// A (pc, position) pair is tried once: a second visit
    /// cannot succeed where the first failed, so the run is linear in program × input.
    private func run(_ input: UnsafeBufferPointer<UInt8>) -> DigitMatch? {
        let width = input.count + 1
        var visited = [Bool](repeating: false, count: program.count * width)
        var slots = [Int](repeating: -1, count: 2 * captureCount + 2)
        // Entries: a thread to resume (pc, position) or a capture slot to restore (slot < 0 marks a restore).
        var stack: [(pc: Int, position: Int, restoreSlot: Int, restoreValue: Int)] = [(0, 0, 0, 0)]
        while let entry = stack.popLast() {
            if entry.restoreSlot < 0 {
                slots[-entry.restoreSlot - 1] = entry.restoreValue
                continue
            }
            var pc = entry.pc
            var position = entry.position
            thread: while true {
                let key = pc * width + position
                if visited[key] { break thread }
                visited[key] = true
                switch program[pc] {
                case .symbol(let set):
                    guard position < input.count, set & (1 << UInt16(input[position])) != 0 else { break thread }
                    pc += 1
                    position += 1
                case .split(let preferred, let other):
                    stack.append((other, position, 0, 0))
                    pc = preferred
                case .jump(let target):
                    pc = target
                case .save(let slot):
                    stack.append((0, 0, -slot - 1, slots[slot]))
                    slots[slot] = position
                    pc += 1
                case .assertEnd:
                    guard position == input.count else { break thread }
                    pc += 1
                case .match:
                    return DigitMatch(end: position, slots: slots)
                }
            }
        }
        return nil
    }
}
