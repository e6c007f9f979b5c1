import Foundation

/// A security event of the Asterisk Manager (`security` class: `InvalidPassword`,
/// `ChallengeResponseFailed`, `InvalidAccountID`, `FailedACL`, `ChallengeSent`,
/// `SuccessfulAuth`) read as the SIP watcher reads the same event in Asterisk's security log.
///
/// Asterisk writes the event's fields in one order (`main/manager.c` from
/// `main/security_events.c`): … `AccountID`, `SessionID`, `LocalAddress`, `RemoteAddress`, then
/// the event's own. `AccountID` and `SessionID` are the attacker's text, so the address is the
/// `RemoteAddress` right after `LocalAddress`; an event with no such header, or with two (text
/// that forged a second pair), is reported as an attack whose address cannot be located, never
/// attributed to an address it names.
package enum AsteriskSecurityEvent {
    private static let kinds: [String: SecurityEventKind] = [
        "InvalidAccountID": .unknownUser, "ChallengeResponseFailed": .authFailure, "InvalidPassword": .authFailure,
        "FailedACL": .aclRejected, "ChallengeSent": .authChallenge, "SuccessfulAuth": .successfulAuth,
    ]

    /// Whether `event` is one of the security events the SIP watcher reads.
    package static func isSecurityEvent(_ event: AMIMessage) -> Bool { event.event.map { kinds[$0] != nil } ?? false }

    /// The event as the SIP watcher reads it, at `time`; nil when it is not one it reads.
    package static func reading(_ event: AMIMessage, at time: Date) -> SecurityLineReading? {
        guard let name = event.event, let kind = kinds[name] else { return nil }
        let headers = event.headers
        let positions = headers.indices.filter { index in
            index > 0 && headers[index].name.caseInsensitiveCompare("RemoteAddress") == .orderedSame
                && headers[index - 1].name.caseInsensitiveCompare("LocalAddress") == .orderedSame
        }
        guard positions.count == 1, let position = positions.first else {
            return .unparsedAttack(
                reason: "\(name): no single RemoteAddress after LocalAddress, where Asterisk writes it")
        }
        guard let address = address(ofTransport: headers[position].value) else {
            return .unparsedAttack(reason: "RemoteAddress of \(name) is not an address")
        }
        var parsed = SecurityEvent(source: .asterisk, kind: kind, ip: address, time: time)
        let account = event["AccountID"] ?? ""
        parsed.user = account.isEmpty || account == "<unknown>" ? nil : account
        parsed.method = event["Service"]
        return .event(parsed)
    }

    /// The event as one evidence line (`Event: InvalidPassword, AccountID: …`), at most 1,000 bytes.
    package static func evidenceText(_ event: AMIMessage) -> String {
        let text = event.headers.filter { $0.name != "Privilege" }.map { "\($0.name): \($0.value)" }
            .joined(separator: ", ")
        guard text.utf8.count > 1_000 else { return text }
        return String(decoding: text.utf8.prefix(1_000), as: UTF8.self)
    }

    /// `IPV4/UDP/198.51.100.7/5060` → `198.51.100.7` (IPv6 the same, with or without brackets).
    private static func address(ofTransport value: String) -> String? {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "IPV4" || parts[0] == "IPV6" else { return nil }
        var text = String(parts[2])
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        return IPAddressRange.address(text) != nil ? text : nil
    }
}
