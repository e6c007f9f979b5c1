/// What an alert is about: an account (extension or accountcode), a caller ID standing in for
/// one, a source IP, or a trunk/gateway.
package struct Subject: Sendable, Hashable, Codable, CustomStringConvertible {
    package enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        case account
        /// The caller's number of a call that came into a public context without an account of
        /// its own (no accountcode, no authenticated user): the CDR's account is then the caller
        /// ID, which whoever placed the call chose. It is kept apart from the accounts so a forged
        /// caller ID cannot run up a real extension's quota or get it suspended; it gets the
        /// account limits, but no group, per-account settings, quota or automatic suspension.
        case caller
        case ip
        case trunk
    }

    package var kind: Kind
    package var value: String

    package init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    /// The account subject of a call: `.caller` when its account is only its caller ID and it came
    /// into one of `publicContexts` (see `Kind.caller`), else `.account`.
    package static func account(
        _ account: String, callerNumber: String, context: String, publicContexts: Set<String>
    ) -> Subject {
        Subject(account == callerNumber && publicContexts.contains(context) ? .caller : .account, account)
    }

    /// How a spender is listed beside accounts: `1001` for an account, `caller +525536435847` for a caller.
    package var spenderLabel: String { kind == .caller ? "caller \(value)" : value }

    /// `account 1001`, `caller +525536435847`, `ip 203.0.113.7`, `trunk gw1`.
    package var description: String { "\(kind.rawValue) \(value)" }
}
