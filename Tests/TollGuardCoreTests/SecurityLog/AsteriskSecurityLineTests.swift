import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// Asterisk security lines (`messages`, `full`, the `security` channel) in the shapes Asterisk
/// 11–22 write them, and the injection cases: the address comes from the side the attacker
/// cannot write, and a line that forges it is reported, never attributed.
@Suite struct AsteriskSecurityLineTests {
    static func parse(_ line: String, zone: String = "UTC") -> SecurityLineReading? {
        var parser = AsteriskSecurityLine(timeZone: .named(zone), year: 2026)
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBufferPointer { parser.parse($0) }
    }

    static func event(_ line: String, zone: String = "UTC") -> SecurityEvent? {
        guard case .event(let event) = parse(line, zone: zone) else { return nil }
        return event
    }

    struct Expected: Sendable, CustomStringConvertible {
        var line: String
        var kind: SecurityEventKind
        var ip: String
        var user: String?
        var dialed: String? = nil
        var time = "2026-11-21 03:12:01"
        var description: String { line }
    }

    @Test(arguments: [
        // chan_sip registration failures, each reason.
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Registration from '"1001" <sip:1001@203.0.113.77:5060>' failed for '198.51.100.23:5072' - Wrong password
                """, kind: .authFailure, ip: "198.51.100.23", user: "1001"),
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Registration from '<sip:admin@203.0.113.77>' failed for '198.51.100.23:5072' - No matching peer found
                """, kind: .unknownUser, ip: "198.51.100.23", user: "admin"),
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Registration from '<sip:200@pbx>' failed for '198.51.100.23' - Device does not match ACL
                """, kind: .aclRejected, ip: "198.51.100.23", user: "200"),
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Registration from '<sip:200@pbx>' failed for '198.51.100.23:5060' - Username/auth name mismatch
                """, kind: .authFailure, ip: "198.51.100.23", user: "200"),
        // The old default date format, and syslog with `file:line in function:`.
        Expected(
            line: """
                [Nov 21 03:12:01] NOTICE[2041] chan_sip.c: Registration from '<sip:9@pbx>' failed for '198.51.100.32:5060' - Wrong password
                """, kind: .authFailure, ip: "198.51.100.32", user: "9"),
        Expected(
            line: """
                Nov 21 03:12:01 pbx asterisk[2041]: NOTICE[2041]: chan_sip.c:25801 in handle_request_register: Registration from '<sip:9@pbx>' failed for '198.51.100.32' - Wrong password
                """, kind: .authFailure, ip: "198.51.100.32", user: "9"),
        // journald with Asterisk's own date inside.
        Expected(
            line: """
                Nov 21 03:12:00 pbx asterisk[2041]: [2026-11-21 03:12:01] NOTICE[2041][C-00000004]: chan_sip.c:26000 in handle_request_invite: Registration from '<sip:9@pbx>' failed for '[2001:db8::9]:5060' - Wrong password
                """, kind: .authFailure, ip: "2001:db8::9", user: "9"),
        // PJSIP request failures, with and without the method, the newer "after N tries" tail, IPv6.
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2051] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:1001@203.0.113.77>' failed for '198.51.100.24:5060' (callid: 1234567) - No matching endpoint found
                """, kind: .unknownUser, ip: "198.51.100.24", user: "1001"),
        Expected(
            line: """
                [2026-11-21 03:12:01.345] NOTICE[2051] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '"Alice" <sip:1001@pbx>' failed for '198.51.100.24:5060' (callid: a84b4c76e66710@pc33) - Failed to authenticate
                """, kind: .authFailure, ip: "198.51.100.24", user: "1001"),
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2051] res_pjsip/pjsip_distributor.c: Request 'OPTIONS' from '<sip:100@pbx>' failed for '[2001:db8::5]:5060' (callid: x) - No matching endpoint found after 5 tries in 2.500 ms
                """, kind: .unknownUser, ip: "2001:db8::5", user: "100"),
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2051] res_pjsip/pjsip_distributor.c: Request from '"1001" <sip:1001@pbx>' failed for '198.51.100.24:5060' (callid: y) - Not match Endpoint ACL
                """, kind: .aclRejected, ip: "198.51.100.24", user: "1001"),
        // The SQL-injection-style user of fail2ban gh-2010.
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2051] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '<sip:'or''='@pbx>' failed for '198.51.100.24:5060' (callid: z) - No matching endpoint found
                """, kind: .unknownUser, ip: "198.51.100.24", user: "'or''='"),
        // Dial attempts to extensions that do not exist: chan_sip and PJSIP.
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2041][C-0000002f] chan_sip.c: Call from '' (198.51.100.30:5072) to extension '00972595195420' rejected because extension not found in context 'default'.
                """, kind: .unknownExtension, ip: "198.51.100.30", user: nil, dialed: "00972595195420"),
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2051][C-00000030] res_pjsip_session.c: Call from 'anonymous' (UDP:198.51.100.25:5060) to extension '9011441234567890' rejected because extension not found in context 'from-external'.
                """, kind: .unknownExtension, ip: "198.51.100.25", user: "anonymous", dialed: "9011441234567890"),
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2051][C-00000031] res_pjsip_session.c: Call from 'anonymous' (TCP:[2001:db8::7]:5060) to extension '+37120000000' rejected because extension not found in context 'public'.
                """, kind: .unknownExtension, ip: "2001:db8::7", user: "anonymous", dialed: "+37120000000"),
        // IAX2 and AMI.
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2060] chan_iax2.c: Host 198.51.100.26 failed MD5 authentication for 'iax1' (1234 != 5678)
                """, kind: .authFailure, ip: "198.51.100.26", user: "iax1"),
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2060] chan_iax2.c: Host 198.51.100.26 failed to authenticate as iax1
                """, kind: .authFailure, ip: "198.51.100.26", user: "iax1"),
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2061] manager.c: 198.51.100.27 tried to authenticate with nonexistent user 'admin'
                """, kind: .unknownUser, ip: "198.51.100.27", user: "admin"),
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2061] manager.c: 198.51.100.27 failed to authenticate as 'admin'
                """, kind: .authFailure, ip: "198.51.100.27", user: "admin"),
        // Other chan_sip lines fail2ban knows.
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: No registration for peer '4000' (from 198.51.100.33)
                """, kind: .unknownUser, ip: "198.51.100.33", user: "4000"),
        Expected(
            line: """
                [2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: hacking attempt detected '198.51.100.34'
                """, kind: .authFailure, ip: "198.51.100.34", user: nil),
        // res_security_log events.
        Expected(
            line: """
                [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="2026-11-21T03:12:01.123+0000",Severity="Error",Service="SIP",EventVersion="1",AccountID="1001",SessionID="0x7f9c",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.28/5060"
                """, kind: .unknownUser, ip: "198.51.100.28", user: "1001"),
        Expected(
            line: """
                [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="1385218306-385120",Severity="Error",Service="SIP",EventVersion="1",AccountID="1001",SessionID="0x7f9c",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.28/5060",Challenge="41d26de5",Response="6f1d4a0f",ExpectedResponse=""
                """, kind: .authFailure, ip: "198.51.100.28", user: "1001"),
        Expected(
            line: """
                [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="InvalidPassword",EventTV="2026-11-21T03:12:01.123+0000",Severity="Error",Service="PJSIP",EventVersion="2",AccountID="1001",SessionID="abc",LocalAddress="IPV6/TLS/2001:db8::1/5061",RemoteAddress="IPV6/TLS/2001:db8::28/50112",Challenge="x",ReceivedChallenge="x",ReceivedHash="y"
                """, kind: .authFailure, ip: "2001:db8::28", user: "1001"),
        Expected(
            line: """
                [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="FailedACL",EventTV="2026-11-21T03:12:01.123+0000",Severity="Error",Service="AMI",EventVersion="1",AccountID="admin",SessionID="0x1",LocalAddress="IPV4/TCP/0.0.0.0/5038",RemoteAddress="IPV4/TCP/198.51.100.35/43210",SessionTV="2026-11-21T03:12:01.100+0000"
                """, kind: .aclRejected, ip: "198.51.100.35", user: "admin"),
        Expected(
            line: """
                [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="ChallengeSent",EventTV="2026-11-21T03:12:01.123+0000",Severity="Informational",Service="SIP",EventVersion="1",AccountID="<unknown>",SessionID="0x1",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.36/5060",Challenge="5d8e"
                """, kind: .authChallenge, ip: "198.51.100.36", user: nil),
        Expected(
            line: """
                [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="SuccessfulAuth",EventTV="2026-11-21T03:12:01.123+0000",Severity="Informational",Service="SIP",EventVersion="1",AccountID="1001",SessionID="0x1",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.36/5060",UsingPassword="1"
                """, kind: .successfulAuth, ip: "198.51.100.36", user: "1001"),
    ])
    func everyShapeGivesTheKindAddressUserAndTime(_ expected: Expected) throws {
        let event = try #require(Self.event(expected.line))
        #expect(event.source == .asterisk)
        #expect(event.kind == expected.kind)
        #expect(event.ip == expected.ip)
        #expect(event.user == expected.user)
        #expect(event.dialed == expected.dialed)
        #expect(event.time == CivilTime.parseUTC(dateOrDateTime: expected.time))
    }

    @Test func siteTimeIsConvertedToUTC() throws {
        let event = try #require(
            Self.event(
                "[2026-07-01 12:00:00] NOTICE[1] chan_sip.c: Registration from '<sip:1@pbx>' failed for '198.51.100.1:5060' - Wrong password",
                zone: "Europe/Berlin"))
        #expect(event.time == CivilTime.parseUTC(dateOrDateTime: "2026-07-01 10:00:00"))
    }

    @Test(arguments: [
        // A display name that writes a whole fake tail: the address is read from the right.
        (
            """
            [2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Registration from '"x' failed for '6.6.6.6:5060' - Wrong password" <sip:1@pbx>' failed for '198.51.100.40:5060' - Wrong password
            """, "198.51.100.40"
        ),
        // A dialled name and caller with brackets and quotes: the context and extension are anchored on the right.
        (
            """
            [2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Call from 'x (6.6.6.6:5060) to extension '1'' (198.51.100.41:5060) to extension '0044123' rejected because extension not found in context 'default'.
            """, "198.51.100.41"
        ),
        // The fail2ban test case: a Call-ID (SessionID) holding a fake LocalAddress/RemoteAddress.
        (
            """
            [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="2026-11-21T03:12:01.123+0000",Severity="Error",Service="SIP",EventVersion="1",AccountID="1001",SessionID="",LocalAddress="IPV4/UDP/127.0.0.1/5060",RemoteAddress="IPV4/UDP/6.6.6.6/1111"",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.42/5061"
            """, "198.51.100.42"
        ),
        // An account name holding a balanced fake pair.
        (
            """
            [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="ChallengeSent",EventTV="x",Severity="Informational",Service="SIP",EventVersion="1",AccountID="a",RemoteAddress="IPV4/UDP/6.6.6.6/5060",X="",SessionID="s",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.43/5060",Challenge="c"
            """, "198.51.100.43"
        ),
        // An account name holding a whole fake NOTICE line: the line's own level tag comes first.
        (
            """
            [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="x",Severity="Error",Service="AMI",EventVersion="1",AccountID="NOTICE[1] manager.c: 6.6.6.6 failed to authenticate as x",SessionID="s",LocalAddress="IPV4/TCP/203.0.113.77/5038",RemoteAddress="IPV4/TCP/198.51.100.45/40000"
            """, "198.51.100.45"
        ),
    ])
    func aHostileFieldNeverChoosesTheAddress(_ example: (line: String, ip: String)) throws {
        let event = try #require(Self.event(example.line))
        #expect(event.ip == example.ip)
    }

    @Test func fieldsForgedOnBothSidesAreReportedNotAttributed() throws {
        // A digest response with a raw quote (Asterisk never writes one) and a fake RemoteAddress
        // after the real one: the fields after it are not the event's, so nobody is blamed, but
        // the line is not lost either.
        let response = """
            [2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="x",Severity="Error",Service="SIP",EventVersion="1",AccountID="1001",SessionID="s",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.31/5060",Challenge="c",Response="x"",RemoteAddress="IPV4/UDP/6.6.6.6/1",ExpectedResponse="y"
            """
        guard case .unparsedAttack = Self.parse(response) else {
            Issue.record("attributed: \(String(describing: Self.parse(response)))")
            return
        }
        // PJSIP: a From and a Call-ID both imitating the frame of the address: two places qualify.
        let request = """
            [2026-11-21 03:12:01] NOTICE[2051] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '<sip:a@b>' failed for '198.51.100.44:5060' (callid: x) - Failed to authenticate' failed for '6.6.6.6:5060' (callid: y) - No matching endpoint found
            """
        guard case .unparsedAttack(let reason) = Self.parse(request) else {
            Issue.record("attributed: \(String(describing: Self.parse(request)))")
            return
        }
        #expect(reason.contains("2 places"))
    }

    /// A known attack message with no address where Asterisk writes one is reported, not dropped.
    @Test func anAttackMessageWithoutItsAddressIsReported() throws {
        let line =
            "[2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Registration from '<sip:1@pbx>' failed for 'pbx.example.com:5060' - Wrong password"
        guard case .unparsedAttack(let reason) = Self.parse(line) else {
            Issue.record("not reported: \(String(describing: Self.parse(line)))")
            return
        }
        #expect(reason.contains("no address where chan_sip writes it"))
    }

    @Test func linesWithoutATrustworthyAddressAreNotMatched() {
        for line in [
            // chan_sip's From-header address (fail2ban gh-1927: the PBX banned itself) and the fake rejection.
            "[2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Failed to authenticate device <sip:100@6.6.6.6>;tag=abc",
            "[2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Sending fake auth rejection for device 100<sip:100@6.6.6.6>;tag=abc",
            // Not a message of the attacks read.
            "[2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Registration from '<sip:1@pbx>' failed for '198.51.100.1:5060' - Something new",
            "[2026-11-21 03:12:01] VERBOSE[2041] pbx.c: Executing [s@default:1] Answer(\"SIP/1001-00000001\", \"\") in new stack",
            "[2026-11-21 03:12:01] SECURITY[2064] res_security_log.c: SecurityEvent=\"SessionLimit\",RemoteAddress=\"IPV4/UDP/198.51.100.1/5060\"",
            "",
        ] {
            #expect(Self.parse(line) == nil, "\(line)")
        }
    }
}
