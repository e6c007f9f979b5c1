/// What an alert is about: an account (extension or accountcode), a source IP, or a trunk/gateway.
package struct Subject: Sendable, Hashable, CustomStringConvertible {
    package enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        case account
        case ip
        case trunk
    }

    package var kind: Kind
    package var value: String

    package init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    /// `account 1001`, `ip 203.0.113.7`, `trunk gw1`.
    package var description: String { "\(kind.rawValue) \(value)" }
}
