import Foundation
import Testing
import TollGuardCore

/// The Asterisk Manager's security events read as the SIP watcher reads Asterisk's security log:
/// the address from where Asterisk writes it, never from the attacker's text.
///
/// The fixtures are ours, in the field order of `main/manager.c`'s security event handler.
@Suite struct AsteriskSecurityEventTests {
    static let time = Date(timeIntervalSince1970: 1_795_000_000)

    static func event(
        _ name: String, account: String = "1001", remote: String = "IPV4/UDP/198.51.100.28/5060",
        forgedBefore: [(name: String, value: String)] = [], tail: [(name: String, value: String)] = []
    ) -> AMIMessage {
        AMIMessage(
            [
                ("Event", name), ("Privilege", "security,all"), ("EventTV", "2026-11-21T03:12:01.123+0000"),
                ("Severity", "Error"), ("Service", "PJSIP"), ("EventVersion", "2"), ("AccountID", account),
            ] + forgedBefore + [
                ("SessionID", "0x88aab6c"), ("LocalAddress", "IPV4/UDP/203.0.113.77/5060"), ("RemoteAddress", remote),
            ] + tail)
    }

    @Test func eachEventIsTheKindTheLogLineIsWithTheTrueAddress() throws {
        let expected: [(String, SecurityEventKind)] = [
            ("InvalidPassword", .authFailure), ("ChallengeResponseFailed", .authFailure),
            ("InvalidAccountID", .unknownUser), ("FailedACL", .aclRejected), ("ChallengeSent", .authChallenge),
            ("SuccessfulAuth", .successfulAuth),
        ]
        for (name, kind) in expected {
            let reading = AsteriskSecurityEvent.reading(Self.event(name), at: Self.time)
            guard case .event(let event)? = reading else {
                Issue.record("\(name): \(String(describing: reading))")
                continue
            }
            #expect(event.kind == kind && event.ip == "198.51.100.28" && event.source == .asterisk, "\(name)")
            #expect(event.user == "1001" && event.method == "PJSIP" && event.time == Self.time)
        }
        let v6 = AsteriskSecurityEvent.reading(
            Self.event("InvalidPassword", remote: "IPV6/TLS/[2001:db8::28]/50112"), at: Self.time)
        #expect(v6.flatMap { if case .event(let event) = $0 { event.ip } else { nil } } == "2001:db8::28")
        #expect(AsteriskSecurityEvent.reading(AMIMessage([("Event", "Newchannel")]), at: Self.time) == nil)
        #expect(!AsteriskSecurityEvent.isSecurityEvent(AMIMessage([("Event", "Hangup")])))
    }

    /// Attacker text in `AccountID` naming another address, or a forged pair of headers before
    /// the real ones (text that got a line break through), never becomes the subject.
    @Test func forgedAddressesAreNeverTheSubject() throws {
        let decoyInValue = AsteriskSecurityEvent.reading(
            Self.event("InvalidPassword", account: "x\",RemoteAddress=\"IPV4/UDP/6.6.6.6/5060 RemoteAddress: 6.6.6.6"),
            at: Self.time)
        guard case .event(let event)? = decoyInValue else {
            Issue.record("\(String(describing: decoyInValue))")
            return
        }
        #expect(event.ip == "198.51.100.28")
        let forgedPair = AsteriskSecurityEvent.reading(
            Self.event(
                "InvalidPassword",
                forgedBefore: [
                    ("LocalAddress", "IPV4/UDP/203.0.113.77/5060"), ("RemoteAddress", "IPV4/UDP/6.6.6.6/5060"),
                ]),
            at: Self.time)
        guard case .unparsedAttack(let reason)? = forgedPair else {
            Issue.record("a forged pair must not pick an address: \(String(describing: forgedPair))")
            return
        }
        #expect(reason.contains("InvalidPassword"))
        let notAnAddress = AsteriskSecurityEvent.reading(
            Self.event("FailedACL", remote: "IPV4/UDP/evil.example/5060"), at: Self.time)
        if case .unparsedAttack = notAnAddress {} else { Issue.record("\(String(describing: notAnAddress))") }
        let missing = AsteriskSecurityEvent.reading(
            AMIMessage([("Event", "InvalidAccountID"), ("RemoteAddress", "IPV4/UDP/6.6.6.6/5060")]), at: Self.time)
        if case .unparsedAttack = missing {} else { Issue.record("\(String(describing: missing))") }
    }
}
