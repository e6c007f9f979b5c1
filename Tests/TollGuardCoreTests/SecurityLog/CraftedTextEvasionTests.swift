import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// Crafted text never chooses the address: the true one, or an unparsed attack, never the decoy.
///
/// Text an attacker writes — a user part, display name, From header, `AccountID`, Call-ID —
/// carrying a decoy address (6.6.6.6, 2001:db8::bad), a quote, `] from ip`, `' failed for '`,
/// `RemoteAddress=\"…\"` or a second copy of the message: the line yields its true source
/// address (198.51.100.x), or, where the decoy copies the whole frame of the address on a message
/// with attacker text on both sides of it, it is reported as an unparsed attack. Never the decoy,
/// never nothing.
@Suite struct CraftedTextEvasionTests {
    static let decoys: Set<String> = ["6.6.6.6", "2001:db8::bad"]

    enum Expected: Sendable {
        case address(String)
        case unparsed
    }

    struct Crafted: Sendable, CustomStringConvertible {
        var line: String
        var expected: Expected
        var description: String { line }
    }

    static func freeswitch(_ line: String) -> SecurityLineReading? {
        var parser = FreeSWITCHSecurityLine(timeZone: .named("UTC"), year: 2026)
        return Array(line.utf8).withUnsafeBufferPointer { parser.parse($0) }.map(SecurityLineReading.event)
    }

    static func asterisk(_ line: String) -> SecurityLineReading? {
        var parser = AsteriskSecurityLine(timeZone: .named("UTC"), year: 2026)
        return Array(line.utf8).withUnsafeBufferPointer { parser.parse($0) }
    }

    static func check(_ reading: SecurityLineReading?, _ crafted: Crafted) {
        switch (reading, crafted.expected) {
        case (.event(let event)?, .address(let ip)):
            #expect(event.ip == ip)
        case (.unparsedAttack?, .unparsed):
            break
        case (.event(let event)?, .unparsed):
            #expect(!decoys.contains(event.ip), "attributed to the decoy \(event.ip)")
            Issue.record("attributed to \(event.ip); expected an unparsed attack")
        default:
            Issue.record("read as \(String(describing: reading)), expected \(crafted.expected)")
        }
    }

    // MARK: - FreeSWITCH

    @Test(arguments: [
        // A user part with the tail of the message and a decoy.
        Crafted(
            line:
                "2026-11-21 03:12:01.123456 [WARNING] sofia_reg.c:1478 SIP auth failure (REGISTER) on sofia profile 'internal' for [1001] from ip 6.6.6.6@pbx] from ip 198.51.100.1",
            expected: .address("198.51.100.1")),
        // Quotes and a whole second copy of the message in the user part.
        Crafted(
            line:
                "2026-11-21 03:12:01.123456 [WARNING] sofia_reg.c:1478 SIP auth failure (REGISTER) on sofia profile 'internal' for ['\"x\"' SIP auth failure (REGISTER) on sofia profile 'internal' for [1@pbx] from ip 6.6.6.6@pbx] from ip 198.51.100.2",
            expected: .address("198.51.100.2")),
        Crafted(
            line:
                "2026-11-21 03:12:01.123456 [WARNING] sofia_reg.c:2859 Can't find user [x] from 6.6.6.6 ' failed for '2001:db8::bad@pbx] from 198.51.100.3",
            expected: .address("198.51.100.3")),
        // A user part that ends with a decoy address, and nothing after: the address is the last token.
        Crafted(
            line:
                "2026-11-21 03:12:01.123456 [WARNING] sofia_reg.c:1478 SIP auth challenge (INVITE) on sofia profile 'internal' for [00441234 from ip 6.6.6.6] from ip 198.51.100.4",
            expected: .address("198.51.100.4")),
    ])
    func freeswitchLines(_ crafted: Crafted) {
        Self.check(Self.freeswitch(crafted.line), crafted)
    }

    // MARK: - Asterisk messages

    @Test(arguments: [
        // chan_sip: a From carrying the reason and a decoy, with and without a closing quote.
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Registration from '<sip:1@pbx>' failed for '6.6.6.6' - Wrong password'' failed for '198.51.100.10:5060' - Wrong password",
            expected: .address("198.51.100.10")),
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Registration from '\"failed for '6.6.6.6' - Wrong password'\" <sip:1@pbx>' failed for '198.51.100.11' - Wrong password",
            expected: .address("198.51.100.11")),
        // A second copy of the whole message, level tag and all, in the display name.
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Registration from '\"NOTICE[1] chan_sip.c: Registration from 'x' failed for '2001:db8::bad' - Wrong password\" <sip:1@pbx>' failed for '198.51.100.12:5060' - Wrong password",
            expected: .address("198.51.100.12")),
        // PJSIP: a From carrying a fake tail without the Call-ID frame.
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[2051] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:x@pbx>' failed for '6.6.6.6' - No matching endpoint found' failed for '198.51.100.13:5060' (callid: a1) - No matching endpoint found",
            expected: .address("198.51.100.13")),
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[2051] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '\"' failed for '6.6.6.6:5060' - x\" <sip:x@pbx>' failed for '198.51.100.14:5060' (callid: b2) - Failed to authenticate",
            expected: .address("198.51.100.14")),
        // A Call-ID with quotes, brackets and a decoy that does not copy the frame.
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[2051] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '<sip:x@pbx>' failed for '198.51.100.15:5060' (callid: '6.6.6.6' ] from ip 6.6.6.6) - No matching endpoint found",
            expected: .address("198.51.100.15")),
        // The whole frame copied into the From, or into the Call-ID: the two read the same, so neither is trusted.
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[2051] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '<sip:x@pbx>' failed for '6.6.6.6:5060' (callid: y) - No matching endpoint found' failed for '198.51.100.16:5060' (callid: z) - No matching endpoint found",
            expected: .unparsed),
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[2051] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '<sip:x@pbx>' failed for '198.51.100.17:5060' (callid: y) - No matching endpoint found' failed for '6.6.6.6:5060' (callid: z) - No matching endpoint found",
            expected: .unparsed),
        // Dial attempts: a caller name with a decoy address and a quote; a dialled extension with one.
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Call from 'x (6.6.6.6:5060) to extension '1'' (198.51.100.18:5060) to extension '0044123' rejected because extension not found in context 'default'.",
            expected: .address("198.51.100.18")),
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[2041] res_pjsip_session.c: Call from 'anonymous' (UDP:198.51.100.19:5060) to extension '00 (6.6.6.6:5060) to extension 1' rejected because extension not found in context 'public'.",
            expected: .address("198.51.100.19")),
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[3980] res_pjsip_session.c:  anonymous: Call (UDP:198.51.100.20:5060) to extension '1' (6.6.6.6:5060) to extension '2' rejected because extension not found in context 'public'.",
            expected: .address("198.51.100.20")),
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Call from 'x' (6.6.6.6:5060) to extension '1'' (198.51.100.21:5060) to extension '2' rejected because extension not found in context 'default'.",
            expected: .unparsed),
        // IAX2 and AMI: the user name after the address.
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[6772] manager.c: 198.51.100.22 failed to authenticate as '6.6.6.6 failed to authenticate as 'x''",
            expected: .address("198.51.100.22")),
        Crafted(
            line:
                "[2026-11-21 03:12:01] NOTICE[1638] chan_iax2.c: Host 198.51.100.23 failed MD5 authentication for 'Host 6.6.6.6 failed' (a != b)",
            expected: .address("198.51.100.23")),
    ])
    func asteriskMessages(_ crafted: Crafted) {
        Self.check(Self.asterisk(crafted.line), crafted)
    }

    // MARK: - Asterisk security log

    @Test(arguments: [
        // An AccountID with an escaped fake RemoteAddress, on an event with client fields on both sides.
        Crafted(
            line: #"""
                [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="2026-11-21T03:12:01.296+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="1001\",RemoteAddress=\"IPV4/UDP/6.6.6.6/5060\"",SessionID="c1@pbx",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.30/5060",Challenge="1763694721/6d16ccf29ff59d423c6d548af00bf9b4",Response="849dfcf133d8156f77ef11a9194119df",ExpectedResponse=""
                """#, expected: .address("198.51.100.30")),
        Crafted(
            line: #"""
                [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="InvalidPassword",EventTV="1763694721-824497",Severity="Error",Service="SIP",EventVersion="2",AccountID="x\",RemoteAddress=\"IPV4/UDP/6.6.6.6/5060",SessionID="0x88aab6c",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.31/5084",Challenge="5a1f0c3e",ReceivedChallenge="5a1f0c3e",ReceivedHash="0a1b2c3d"
                """#, expected: .address("198.51.100.31")),
        // A digest response with an escaped fake pair after the real address.
        Crafted(
            line: #"""
                [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="x",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="1001",SessionID="c2@pbx",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.32/5060",Challenge="1763694721/aa",Response="x\",RemoteAddress=\"IPV4/UDP/6.6.6.6/1\",Challenge=\"c",ExpectedResponse=""
                """#, expected: .address("198.51.100.32")),
        // A Call-ID (SessionID) with raw quotes and a whole second copy of the event.
        Crafted(
            line: #"""
                [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="x",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="1001",SessionID="SecurityEvent="InvalidAccountID",RemoteAddress="IPV6/UDP/2001:db8::bad/5060"",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.33/5060"
                """#, expected: .address("198.51.100.33")),
        Crafted(
            line: #"""
                [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="FailedACL",EventTV="x",Severity="Error",Service="AMI",EventVersion="1",AccountID="' failed for '6.6.6.6' ] from ip 6.6.6.6",SessionID="0x1",LocalAddress="IPV4/TCP/0.0.0.0/5038",RemoteAddress="IPV4/TCP/198.51.100.34/40000",SessionTV="2026-11-21T03:12:01.000+0000"
                """#, expected: .address("198.51.100.34")),
        // Raw quotes after the address (Asterisk writes none there): not the event's fields, reported.
        Crafted(
            line: #"""
                [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="x",Severity="Error",Service="SIP",EventVersion="1",AccountID="1001",SessionID="s",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.35/5060",Challenge="c",Response="x"",RemoteAddress="IPV4/UDP/6.6.6.6/1",ExpectedResponse="y"
                """#, expected: .unparsed),
    ])
    func asteriskSecurityEvents(_ crafted: Crafted) {
        Self.check(Self.asterisk(crafted.line), crafted)
    }
}
