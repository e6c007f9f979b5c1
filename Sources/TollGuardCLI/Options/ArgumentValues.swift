import ArgumentParser
import Foundation
import TollGuardCore

// The enumerations commands take as option values: `--help` lists each one's values, and a
// wrong value is a usage error that names them.

extension CDRFormat: ExpressibleByArgument {}

extension Severity: ExpressibleByArgument {
    package init?(argument: String) {
        self.init(name: argument)
    }

    package static var allValueStrings: [String] { allCases.map(\.name) }
}

/// `alerts list --state`: one state, or every state.
enum AlertStateChoice: String, CaseIterable, ExpressibleByArgument {
    case open
    case acknowledged
    case resolved
    case falsePositive = "false_positive"
    case all

    init?(argument: String) {
        self.init(rawValue: argument.replacingOccurrences(of: "-", with: "_"))
    }

    /// The states it selects (none: all of them).
    var states: Set<AlertState> {
        switch self {
        case .open: [.open]
        case .acknowledged: [.acknowledged]
        case .resolved: [.resolved]
        case .falsePositive: [.falsePositive]
        case .all: []
        }
    }
}
