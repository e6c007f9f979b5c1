import Foundation
import TOMLKit

/// Every value of a configuration file of the wrong type, and every word outside its set, found
/// before decoding: the decoder stops at the first and words it as a "missing key".
enum ConfigurationTypeCheck {
    /// The settings whose value is one word of a set, and the set.
    static let choices: [String: [String]] = [
        "ingest.format": CDRFormat.allCases.map(\.rawValue),
        "cdr_tail.format": CDRFormat.allCases.map(\.rawValue),
        "suspension.mode": SuspensionPolicy.Mode.allCases.map(\.rawValue),
        "hooks.type": ["program", "webhook"],
        "hooks.min_severity": Severity.allCases.map(\.name),
        "hooks.events": HookEventType.allCases.map(\.rawValue),
        "suspension.rules": Severity.allCases.map(\.name),
    ]

    /// One sentence per problem, sections in alphabetical order; each offending value is removed
    /// from `table`, so what remains can be decoded and checked for the file's other errors.
    static func problems(in table: TOMLTable) -> [String] {
        guard let reference = try? TOMLTable(TollGuardConfiguration()) else { return [] }
        // Lists of tables: a list holding one table of defaults each, walked element by element.
        let lists: [(String, (any Encodable)?)] = [
            ("hooks", HookSettings(name: "reference", kind: .program)), ("event_socket", EventSocketSettings()),
            ("ami", AMISettings()),
        ]
        for (key, element) in lists {
            guard let element, let table = try? TOMLTable(element) else { continue }
            let list = TOMLArray()
            list.append(table)
            reference[key] = list
        }
        var problems: [String] = []
        func walk(_ table: TOMLTable, _ reference: TOMLTable, prefix: String) {
            for key in table.keys.sorted() {
                guard let value = table[key] else { continue }
                let path = prefix.isEmpty ? key : prefix + "." + key
                if let allowed = choices[path.replacing(/\[\d+\]/, with: "")] {
                    let found = wordProblems(value, allowed: allowed, path: path)
                    if !found.isEmpty { table.remove(at: key) }
                    problems += found
                    continue
                }
                guard let expected = reference[key] else { continue }
                if let child = value.table, let expectedChild = expected.table {
                    // Free-form maps take any key; their values are checked when decoded.
                    if path == "ingest.csv.columns" || path == "dialplan.contexts" || path.hasPrefix("analysis.") {
                        continue
                    }
                    walk(child, expectedChild, prefix: path)
                } else if let element = expected.array?.first?.table, let single = value.table, path == "event_socket" {
                    walk(single, element, prefix: path)
                } else if let elements = value.array, let element = expected.array?.first?.table {
                    for index in 0..<elements.count {
                        guard let entry = elements[index].table else {
                            problems.append("\(path)[\(index)]: expected a table ([[\(path)]])")
                            continue
                        }
                        walk(entry, element, prefix: "\(path)[\(index)]")
                    }
                } else if let mismatch = mismatch(value, expected: expected) {
                    problems.append("\(path): \(mismatch)")
                    table.remove(at: key)
                }
            }
        }
        walk(table, reference, prefix: "")
        return problems
    }

    /// Whether `value` cannot stand for `expected`'s type; an integer stands for a number.
    private static func mismatch(_ value: any TOMLValueConvertible, expected: any TOMLValueConvertible) -> String? {
        let found = value.type
        let wanted = expected.type
        if found == wanted || (found == .int && wanted == .double) { return nil }
        // An empty list in the reference says nothing of its elements' type.
        if wanted == .array, found == .array { return nil }
        return "expected \(describe(wanted)), found \(describe(found)) \(shown(value))"
    }

    private static func wordProblems(_ value: any TOMLValueConvertible, allowed: [String], path: String) -> [String] {
        let words: [(String, any TOMLValueConvertible)]
        if let table = value.table {
            words = table.keys.sorted().compactMap { key in table[key].map { ("\(path).\(key)", $0) } }
        } else if let array = value.array {
            words = (0..<array.count).map { ("\(path)[\($0)]", array[$0]) }
        } else {
            words = [(path, value)]
        }
        return words.compactMap { path, word in
            guard let text = word.string else {
                return
                    "\(path): expected one of \(allowed.joined(separator: ", ")), found \(describe(word.type)) \(shown(word))"
            }
            guard !allowed.contains(text) else { return nil }
            return "\(path): \"\(text)\" is not one of \(allowed.joined(separator: ", "))"
        }
    }

    private static func describe(_ type: TOMLType) -> String {
        switch type {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "true or false"
        case .array: "a list"
        case .table: "a table"
        default: "a \(type.rawValue)"
        }
    }

    private static func shown(_ value: any TOMLValueConvertible) -> String {
        let text = value.string.map { "\"\($0)\"" } ?? value.debugDescription
        return "(" + (text.count > 40 ? text.prefix(39) + "…" : text) + ")"
    }
}
