/// A regular expression over dialled symbols, in the subset libphonenumber's metadata uses.
///
/// The metadata's patterns (national numbers, international and national prefixes,
/// leading digits, short numbers) need only groups, `|`, character classes, `\d`, literal
/// digits, `?`, `{m}`/`{m,n}` and a final `$`; operators write `*` and `+` in extension
/// patterns too. A pattern compiles to a small instruction program that can be run by
/// backtracking (prefix matches with captures) or folded into a ``DigitAutomaton``.
/// The alphabet is the digits plus `*`, `#` and `+`. A class: patterns are shared, never copied.
package final class DigitPattern: Sendable, Hashable, CustomStringConvertible {
    /// The source text, as written.
    package let source: String
    /// The compiled program.
    package let program: [DigitInstruction]
    /// Number of capture groups.
    package let captureCount: Int
    /// The symbols of a pattern that is one fixed string (`011`, `0`), for a match without backtracking.
    package let literal: [UInt8]?
    /// Symbols a match can start with, and whether the empty string matches: a cheap first test.
    let firstSymbols: UInt16
    let matchesEmpty: Bool

    /// Parses `source`; throws a ``DigitPatternError`` naming the offending position.
    package init(_ source: String) throws(DigitPatternError) {
        var parser = DigitPatternParser(source: source)
        let tree = try parser.parse()
        var compiler = DigitProgramCompiler()
        compiler.emit(tree)
        compiler.append(.match)
        self.source = source
        self.program = compiler.instructions
        self.captureCount = parser.captureCount
        self.literal = Self.literalSymbols(of: compiler.instructions)
        (self.firstSymbols, self.matchesEmpty) = Self.start(of: compiler.instructions)
    }

    private static func literalSymbols(of program: [DigitInstruction]) -> [UInt8]? {
        var symbols: [UInt8] = []
        for instruction in program {
            switch instruction {
            case .symbol(let set) where set.nonzeroBitCount == 1:
                symbols.append(UInt8(set.trailingZeroBitCount))
            case .match:
                return symbols
            default:
                return nil
            }
        }
        return nil
    }

    private static func start(of program: [DigitInstruction]) -> (UInt16, Bool) {
        var symbols: UInt16 = 0
        var empty = false
        for pc in program.epsilonClosure([0]) {
            switch program[Int(pc)] {
            case .symbol(let set): symbols |= set
            default: empty = true
            }
        }
        return (symbols, empty)
    }

    package var description: String { source }

    package static func == (left: DigitPattern, right: DigitPattern) -> Bool { left.source == right.source }

    package func hash(into hasher: inout Hasher) { hasher.combine(source) }
}

/// Why a pattern could not be read.
package struct DigitPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    package let pattern: String
    package let offset: Int
    package let reason: String

    package var description: String {
        "pattern \"\(pattern)\" at character \(offset + 1): \(reason)"
    }
}

/// Dialled symbols as automaton inputs: `0`–`9` are 0–9, `*` 10, `#` 11, `+` 12.
package enum DialSymbol {
    package static let count = 13

    /// The symbol for an ASCII byte, or nil for anything else.
    @inline(__always)
    package static func index(of byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte &- UInt8(ascii: "0"))
        case UInt8(ascii: "*"): 10
        case UInt8(ascii: "#"): 11
        case UInt8(ascii: "+"): 12
        default: nil
        }
    }

    /// All ten digits as a symbol set.
    package static let digits: UInt16 = 0x3FF
}

/// One step of a compiled ``DigitPattern``.
package enum DigitInstruction: Sendable, Hashable {
    /// Consume one symbol in the set (bit n = symbol n).
    case symbol(UInt16)
    /// Try `preferred` first, then `other`.
    case split(preferred: Int, other: Int)
    case jump(Int)
    /// Record the current position in capture slot n (2 × group, 2 × group + 1).
    case save(Int)
    /// Succeed only at the end of the input.
    case assertEnd
    case match
}

extension Array where Element == DigitInstruction {
    /// The `symbol` and `match` instructions reachable from `seeds` without consuming input,
    /// ascending: one state of the automaton, or where a match can start.
    ///
    /// `assertEnd` is passed
    /// through (the automata only ever run on whole inputs).
    func epsilonClosure(_ seeds: [Int]) -> [Int32] {
        var visits = InstructionVisits(count: count)
        return epsilonClosure(seeds, visits: &visits)
    }

    /// ``epsilonClosure(_:)`` marking what it visits in `visits`, which many closures of one
    /// program share (a `Set` per closure was most of the time it takes to build the plan).
    func epsilonClosure(_ seeds: [Int], visits: inout InstructionVisits) -> [Int32] {
        visits.beginClosure()
        var pending = seeds
        var members: [Int32] = []
        while let pc = pending.popLast() {
            guard visits.visitFirst(pc) else { continue }
            switch self[pc] {
            case .symbol, .match:
                members.append(Int32(pc))
            case .split(let preferred, let other):
                pending.append(preferred)
                pending.append(other)
            case .jump(let target):
                pending.append(target)
            case .save, .assertEnd:
                pending.append(pc + 1)
            }
        }
        return members.sorted()
    }
}

/// Which instructions of a program one epsilon closure has visited, reused closure after closure.
struct InstructionVisits {
    /// The closure that last visited each instruction.
    private var closureOfInstruction: [UInt32]
    private var closure: UInt32 = 0

    init(count: Int) {
        closureOfInstruction = Array(repeating: 0, count: count)
    }

    /// Starts a closure: nothing is visited.
    mutating func beginClosure() {
        closure &+= 1
        if closure == 0 {  // wrapped: forget every earlier closure's marks
            for index in closureOfInstruction.indices { closureOfInstruction[index] = 0 }
            closure = 1
        }
    }

    /// Marks `pc` visited; false when this closure had visited it already.
    mutating func visitFirst(_ pc: Int) -> Bool {
        if closureOfInstruction[pc] == closure { return false }
        closureOfInstruction[pc] = closure
        return true
    }
}

// MARK: - Parsing

private indirect enum DigitPatternNode {
    case symbols(UInt16)
    case sequence([DigitPatternNode])
    case alternation([DigitPatternNode])
    /// `max == nil` is unbounded.
    case repetition(DigitPatternNode, min: Int, max: Int?)
    case capture(DigitPatternNode, group: Int)
    case endAnchor
}

private struct DigitPatternParser {
    let source: String
    let bytes: [UInt8]
    var position = 0
    var captureCount = 0

    init(source: String) {
        self.source = source
        self.bytes = Array(source.utf8)
    }

    mutating func parse() throws(DigitPatternError) -> DigitPatternNode {
        let node = try parseAlternation()
        if position < bytes.count { throw failure("unexpected \"\(Character(UnicodeScalar(bytes[position])))\"") }
        return node
    }

    func failure(_ reason: String) -> DigitPatternError {
        DigitPatternError(pattern: source, offset: position, reason: reason)
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func parseAlternation() throws(DigitPatternError) -> DigitPatternNode {
        var branches = [try parseSequence()]
        while current == UInt8(ascii: "|") {
            position += 1
            branches.append(try parseSequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    mutating func parseSequence() throws(DigitPatternError) -> DigitPatternNode {
        var items: [DigitPatternNode] = []
        while let byte = current, byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
            var atom = try parseAtom()
            while let quantified = try parseQuantifier(atom) { atom = quantified }
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    mutating func parseAtom() throws(DigitPatternError) -> DigitPatternNode {
        guard let byte = current else { throw failure("pattern ends early") }
        switch byte {
        case UInt8(ascii: "("):
            position += 1
            var group: Int?
            if current == UInt8(ascii: "?") {
                guard position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: ":") else {
                    throw failure("only (?:…) groups are supported")
                }
                position += 2
            } else {
                captureCount += 1
                group = captureCount
            }
            let inner = try parseAlternation()
            guard current == UInt8(ascii: ")") else { throw failure("missing )") }
            position += 1
            if let group { return .capture(inner, group: group) }
            return inner
        case UInt8(ascii: "["):
            return .symbols(try parseClass())
        case UInt8(ascii: "\\"):
            position += 1
            return .symbols(try parseEscape())
        case UInt8(ascii: "$"):
            position += 1
            return .endAnchor
        case UInt8(ascii: "."):
            position += 1
            return .symbols(DialSymbol.digits)
        default:
            guard let symbol = DialSymbol.index(of: byte), byte != UInt8(ascii: "*"), byte != UInt8(ascii: "+") else {
                throw failure("\"\(Character(UnicodeScalar(byte)))\" is not a digit, *, # or a pattern operator")
            }
            position += 1
            return .symbols(1 << UInt16(symbol))
        }
    }

    mutating func parseEscape() throws(DigitPatternError) -> UInt16 {
        guard let byte = current else { throw failure("pattern ends after \\") }
        position += 1
        if byte == UInt8(ascii: "d") { return DialSymbol.digits }
        if let symbol = DialSymbol.index(of: byte), byte > UInt8(ascii: "9") || byte < UInt8(ascii: "0") {
            return 1 << UInt16(symbol)
        }
        position -= 1
        throw failure("unsupported escape \\\(Character(UnicodeScalar(byte)))")
    }

    mutating func parseClass() throws(DigitPatternError) -> UInt16 {
        position += 1  // [
        var negated = false
        if current == UInt8(ascii: "^") {
            negated = true
            position += 1
        }
        var set: UInt16 = 0
        while let byte = current, byte != UInt8(ascii: "]") {
            let low: UInt16
            if byte == UInt8(ascii: "\\") {
                position += 1
                let escaped = try parseEscape()
                set |= escaped
                continue
            }
            guard let symbol = DialSymbol.index(of: byte) else { throw failure("unsupported character in class") }
            position += 1
            low = UInt16(symbol)
            if current == UInt8(ascii: "-"), position + 1 < bytes.count, bytes[position + 1] != UInt8(ascii: "]") {
                position += 1
                guard let high = current.flatMap(DialSymbol.index(of:)), high >= Int(low), high <= 9 else {
                    throw failure("bad range in class")
                }
                position += 1
                for value in Int(low)...high { set |= 1 << UInt16(value) }
            } else {
                set |= 1 << low
            }
        }
        guard current == UInt8(ascii: "]") else { throw failure("missing ]") }
        position += 1
        return negated ? (DialSymbol.digits & ~set) : set
    }

    mutating func parseQuantifier(_ atom: DigitPatternNode) throws(DigitPatternError) -> DigitPatternNode? {
        guard let byte = current else { return nil }
        switch byte {
        case UInt8(ascii: "?"):
            position += 1
            return .repetition(atom, min: 0, max: 1)
        case UInt8(ascii: "*"):
            position += 1
            return .repetition(atom, min: 0, max: nil)
        case UInt8(ascii: "+"):
            position += 1
            return .repetition(atom, min: 1, max: nil)
        case UInt8(ascii: "{"):
            position += 1
            let low = try parseCount()
            var high: Int? = low
            if current == UInt8(ascii: ",") {
                position += 1
                high = current == UInt8(ascii: "}") ? nil : try parseCount()
            }
            guard current == UInt8(ascii: "}") else { throw failure("missing }") }
            position += 1
            if let high, high < low { throw failure("{\(low),\(high)} counts down") }
            return .repetition(atom, min: low, max: high)
        default:
            return nil
        }
    }

    mutating func parseCount() throws(DigitPatternError) -> Int {
        var value = 0
        var digits = 0
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            position += 1
            guard value <= 64 else { throw failure("repeat count above 64") }
        }
        guard digits > 0 else { throw failure("expected a repeat count") }
        return value
    }
}

// MARK: - Compiling

private struct DigitProgramCompiler {
    var instructions: [DigitInstruction] = []

    mutating func append(_ instruction: DigitInstruction) {
        instructions.append(instruction)
    }

    mutating func emit(_ node: DigitPatternNode) {
        switch node {
        case .symbols(let set):
            append(.symbol(set))
        case .sequence(let items):
            for item in items { emit(item) }
        case .alternation(let branches):
            var jumpsToEnd: [Int] = []
            for (index, branch) in branches.enumerated() {
                if index < branches.count - 1 {
                    let split = instructions.count
                    append(.split(preferred: split + 1, other: -1))
                    emit(branch)
                    jumpsToEnd.append(instructions.count)
                    append(.jump(-1))
                    instructions[split] = .split(preferred: split + 1, other: instructions.count)
                } else {
                    emit(branch)
                }
            }
            for jump in jumpsToEnd { instructions[jump] = .jump(instructions.count) }
        case .repetition(let inner, let min, let max):
            for _ in 0..<min { emit(inner) }
            if let max {
                // Nested optionals: x{2,4} = x x (x (x)?)?, greedy.
                var pendingSplits: [Int] = []
                for _ in min..<max {
                    pendingSplits.append(instructions.count)
                    append(.split(preferred: instructions.count + 1, other: -1))
                    emit(inner)
                }
                for split in pendingSplits {
                    instructions[split] = .split(preferred: split + 1, other: instructions.count)
                }
            } else {
                let loop = instructions.count
                append(.split(preferred: loop + 1, other: -1))
                emit(inner)
                append(.jump(loop))
                instructions[loop] = .split(preferred: loop + 1, other: instructions.count)
            }
        case .capture(let inner, let group):
            append(.save(2 * group))
            emit(inner)
            append(.save(2 * group + 1))
        case .endAnchor:
            append(.assertEnd)
        }
    }
}
