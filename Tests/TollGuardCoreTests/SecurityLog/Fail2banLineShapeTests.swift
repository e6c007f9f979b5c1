import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// Every line shape fail2ban's Asterisk and FreeSWITCH filters match is read, with its address.
///
/// One fixture per line shape that fail2ban's upstream `asterisk.conf` and `freeswitch.conf`
/// failregexes match (written here, not copied from fail2ban's GPL test logs), each read with its
/// source address and the event kind the SIP watcher counts. The table in the SIP watcher article
/// maps each failregex to these kinds.
@Suite struct Fail2banLineShapeTests {
    struct Shape: Sendable, CustomStringConvertible {
        var line: String
        var kind: SecurityEventKind
        var ip: String
        var description: String { line }
    }

    // MARK: - Asterisk (`config/filter.d/asterisk.conf`)

    @Test(arguments: [
        // ^Registration from '[^']*' failed for '<HOST>(:\d+)?' - (reasons)$
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[3101] chan_sip.c: Registration from '<sip:4410@pbx.example>' failed for '192.0.2.10' - Wrong password",
            kind: .authFailure, ip: "192.0.2.10"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[3101] chan_sip.c: Registration from '<sip:4411@pbx.example>' failed for '192.0.2.11:5066' - Username/auth name mismatch",
            kind: .authFailure, ip: "192.0.2.11"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[3101] chan_sip.c: Registration from '<sip:4412@pbx.example>' failed for '192.0.2.12:5066' - No matching peer found",
            kind: .unknownUser, ip: "192.0.2.12"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[3101] chan_sip.c: Registration from '<sip:4413@pbx.example>' failed for '192.0.2.13' - Not a local domain",
            kind: .aclRejected, ip: "192.0.2.13"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[3101] chan_sip.c: Registration from '<sip:4414@pbx.example>' failed for '192.0.2.14' - Device does not match ACL",
            kind: .aclRejected, ip: "192.0.2.14"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[3101] chan_sip.c: Registration from '<sip:4415@pbx.example>' failed for '192.0.2.15' - Peer is not supposed to register",
            kind: .aclRejected, ip: "192.0.2.15"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[3101] chan_sip.c: Registration from '<sip:4416@pbx.example>' failed for '192.0.2.16:5080' - ACL error (permit/deny)",
            kind: .aclRejected, ip: "192.0.2.16"),
        // A From without angle brackets, a display name glued to the URI.
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[3101] chan_sip.c: Registration from '\"77\"sip:77@192.0.2.200' failed for '192.0.2.17:40001' - No matching peer found",
            kind: .unknownUser, ip: "192.0.2.17"),
        // Syslog, a one-digit day padded with a space, `file:LINE in function:`.
        Shape(
            line:
                "Nov  4 18:30:40 pbx asterisk[811]: NOTICE[812]: chan_sip.c:23417 in handle_request_register: Registration from '<sip:4418@pbx.example>' failed for '192.0.2.18:36998' - Wrong password",
            kind: .authFailure, ip: "192.0.2.18"),
        // `file:LINE function:` without " in".
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[812]: chan_sip.c:28468 handle_request_register: Registration from 'sip:4419@192.0.2.200' failed for '192.0.2.19:42406' - Wrong password",
            kind: .authFailure, ip: "192.0.2.19"),
        // journald: no time at all, and Asterisk's own bracketed time.
        Shape(
            line:
                "NOTICE[566]: chan_sip.c:28926 handle_request_register: Registration from '\"28\" <sip:28@127.0.0.100>' failed for '192.0.2.20:7998' - Wrong password",
            kind: .authFailure, ip: "192.0.2.20"),
        Shape(
            line:
                "[Nov 21 03:12:01] NOTICE[566]: chan_sip.c:28926 handle_request_register: Registration from '\"29\" <sip:29@127.0.0.100>' failed for '192.0.2.21:7998' - Wrong password",
            kind: .authFailure, ip: "192.0.2.21"),
        // ^Call (?:from '[^']*' )?\((?:(?:TCP|UDP):)?<HOST>:\d+\) to extension '[^']*' rejected because extension not found in context
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[436][C-00000fa9] chan_sip.c: Call from '' (192.0.2.22:10836) to extension '0972598285108' rejected because extension not found in context 'default'.",
            kind: .unknownExtension, ip: "192.0.2.22"),
        Shape(
            line:
                "[Nov 21 03:12:01] NOTICE[12049]: res_pjsip_session.c:2337 new_invite: Call from 'anonymous' (TCP:[192.0.2.23]:61470) to extension '9011+442037690237' rejected because extension not found in context 'default'.",
            kind: .unknownExtension, ip: "192.0.2.23"),
        Shape(
            line:
                "[Nov 21 03:12:01] NOTICE[3980] res_pjsip_session.c:  anonymous: Call (UDP:192.0.2.24:65049) to extension '001447441452805' rejected because extension not found in context 'inbound-trunk'.",
            kind: .unknownExtension, ip: "192.0.2.24"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[3477][C-000003bb] chan_sip.c: Call from '' (192.0.2.25:10836) to extension '++441772285411' rejected because extension not found in context 'default'.",
            kind: .unknownExtension, ip: "192.0.2.25"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[3477][C-000003c3] chan_sip.c: Call from '' (192.0.2.26:10836) to extension '' rejected because extension not found in context 'my-context'.",
            kind: .unknownExtension, ip: "192.0.2.26"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[3477][C-000003c4] res_pjsip_session.c: Call from 'anonymous' (UDP:[2001:db8::27]:5060) to extension '00442079460000' rejected because extension not found in context 'public'.",
            kind: .unknownExtension, ip: "2001:db8::27"),
        // ^(?:Host )?<HOST> (?:failed (?:to authenticate\b|MD5 authentication\b)|tried to authenticate with nonexistent user\b)
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[1638] chan_iax2.c: Host 192.0.2.28 failed to authenticate as 'iaxtrunk'",
            kind: .authFailure, ip: "192.0.2.28"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[1638] chan_iax2.c: Host 192.0.2.29 failed MD5 authentication for 'iaxtrunk' (0f1e2d3c4b5a69788796a5b4c3d2e1f0 != 00112233445566778899aabbccddeeff)",
            kind: .authFailure, ip: "192.0.2.29"),
        Shape(
            line: "[2026-11-21 03:12:01] NOTICE[6772] manager.c: 192.0.2.30 failed to authenticate as 'admin'",
            kind: .authFailure, ip: "192.0.2.30"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[31554] manager.c: 192.0.2.31 tried to authenticate with nonexistent user 'monitor'",
            kind: .unknownUser, ip: "192.0.2.31"),
        // The level tag spaced from its thread id.
        Shape(
            line: "[2026-11-21 03:12:01] NOTICE [22382] manager.c: 192.0.2.32 failed to authenticate as 'admin'",
            kind: .authFailure, ip: "192.0.2.32"),
        Shape(
            line: "[2026-11-21 03:12:01] WARNING [22382] manager.c: 2001:db8::33 failed to authenticate as 'admin'",
            kind: .authFailure, ip: "2001:db8::33"),
        // ^No registration for peer '[^']*' \(from <HOST>\)$
        Shape(
            line: "[2026-11-21 03:12:01] NOTICE[1638] chan_iax2.c: No registration for peer 'iax9' (from 192.0.2.34)",
            kind: .unknownUser, ip: "192.0.2.34"),
        // ^hacking attempt detected '<HOST>'$
        Shape(
            line: "[2026-11-21 03:12:01] NOTICE[3453] chan_sip.c: hacking attempt detected '192.0.2.35'",
            kind: .authFailure, ip: "192.0.2.35"),
        // ^SecurityEvent="(?:FailedACL|InvalidAccountID|ChallengeResponseFailed|InvalidPassword)"…,RemoteAddress="IPV[46]/[^/"]+/<HOST>/\d+"…$
        Shape(
            line: """
                [2026-11-21 03:12:01] SECURITY[1204] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="1763694721-500975",Severity="Error",Service="SIP",EventVersion="1",AccountID="00442079460000",SessionID="0x7f8ecc0421f8",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/192.0.2.36/5070"
                """, kind: .unknownUser, ip: "192.0.2.36"),
        Shape(
            line: """
                [2026-11-21 03:12:01] SECURITY[3308] res_security_log.c: SecurityEvent="InvalidPassword",EventTV="1763694721-824497",Severity="Error",Service="SIP",EventVersion="2",AccountID="4437",SessionID="0x88aab6c",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/192.0.2.37/5084",Challenge="5a1f0c3e",ReceivedChallenge="5a1f0c3e",ReceivedHash="0a1b2c3d4e5f60718293a4b5c6d7e8f9"
                """, kind: .authFailure, ip: "192.0.2.37"),
        Shape(
            line: """
                [2026-11-21 03:12:01] SECURITY[1503] res_security_log.c: SecurityEvent="FailedACL",EventTV="1763694721-880526",Severity="Error",Service="SIP",EventVersion="1",AccountID="",SessionID="0x7ff408103b18",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/192.0.2.38/5066",ACLName="domain_must_match"
                """, kind: .aclRejected, ip: "192.0.2.38"),
        Shape(
            line: """
                [2026-11-21 03:12:01] SECURITY[4583] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="2026-11-21T03:12:01.296+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="<unknown>",SessionID="17a483d-eb8cc0-556164ab@203.0.113.77",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/192.0.2.39/5060",Challenge="1763694721/6d16ccf29ff59d423c6d548af00bf9b4",Response="849dfcf133d8156f77ef11a9194119df",ExpectedResponse=""
                """, kind: .authFailure, ip: "192.0.2.39"),
        Shape(
            line: """
                [2026-11-21 03:12:01] SECURITY[1724] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="2026-11-21T03:12:01.659-0500",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="<unknown>",SessionID="3686a690-f8ccac10-5677c924-51b54926",LocalAddress="IPV4/TLS/203.0.113.77/5062",RemoteAddress="IPV4/TLS/192.0.2.40/30245",Challenge="1763694721/510a7e1ed568b93ce283d1b16bc17a15",Response="8e181448412899ccb20ea585efc8bab0",ExpectedResponse=""
                """, kind: .authFailure, ip: "192.0.2.40"),
        Shape(
            line: """
                [2026-11-21 03:12:01] SECURITY[26428] res_security_log.c: SecurityEvent="FailedACL",EventTV="2026-11-21T03:12:01.203+0000",Severity="Error",Service="AMI",EventVersion="1",AccountID="admin",SessionID="0x7fb580001518",LocalAddress="IPV4/TCP/0.0.0.0/5038",RemoteAddress="IPV4/TCP/192.0.2.41/62389",SessionTV="1970-01-01T00:00:00.000+0000"
                """, kind: .aclRejected, ip: "192.0.2.41"),
        // A Call-ID with spaces, quotes and UTF-8, and one holding a whole fake address pair.
        Shape(
            line: """
                [2026-11-21 03:12:01] SECURITY[6988] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="2026-11-21T03:12:01.015+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="70000180",SessionID="!@#$%^&   *(}((')[ -+"++ Überfall",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/192.0.2.42/5061"
                """, kind: .unknownUser, ip: "192.0.2.42"),
        Shape(
            line: """
                [2026-11-21 03:12:01] SECURITY[6988] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="2026-11-21T03:12:01.275+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="70000180",SessionID="",LocalAddress="IPV4/UDP/127.0.0.1/5060",RemoteAddress="IPV4/UDP/6.6.6.6/1111"",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/192.0.2.43/5061"
                """, kind: .unknownUser, ip: "192.0.2.43"),
        Shape(
            line: """
                [2026-11-21 03:12:01] SECURITY[6988] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="2026-11-21T03:12:01.015+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="70000180",SessionID="a",LocalAddress="IPV6/UDP/2001:db8::1/5060",RemoteAddress="IPV6/UDP/2001:db8::44/5061"
                """, kind: .unknownUser, ip: "2001:db8::44"),
        // ^"Rejecting unknown SIP connection from <HOST>(?::\d+)?"$ (the dial plan's Log(), quoted)
        Shape(
            line:
                "[2026-11-21 03:12:01] WARNING[6756][C-0000001d] Ext. s: \"Rejecting unknown SIP connection from 192.0.2.45\"",
            kind: .aclRejected, ip: "192.0.2.45"),
        Shape(
            line:
                "[2026-11-21 03:12:01] WARNING[8447][C-00000244] Ext. s: \"Rejecting unknown SIP connection from 192.0.2.46:52126\"",
            kind: .aclRejected, ip: "192.0.2.46"),
        Shape(
            line:
                "[2026-11-21 03:12:01] WARNING[12124][C-00000001] Ext. s: \"Rejecting unknown SIP connection from 2001:db8::47\"",
            kind: .aclRejected, ip: "2001:db8::47"),
        Shape(
            line:
                "[2026-11-21 03:12:01] WARNING[12124][C-00000001] Ext. s: \"Rejecting unknown SIP connection from [2001:db8::48]:5060\"",
            kind: .aclRejected, ip: "2001:db8::48"),
        Shape(
            line:
                "Mar  1 15:35:53 pbx asterisk[2350]: WARNING[1195][C-00000b43]: Ext. s:6 in @ from-sip-external: \"Rejecting unknown SIP connection from 192.0.2.49\"",
            kind: .aclRejected, ip: "192.0.2.49"),
        // ^Request (?:'[^']*' )?from '(?:[^']*|.*?)' failed for '<HOST>(?::\d+)?'\s\(callid: [^\)]*\) - (reasons)\b[^']*$
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[19388] res_pjsip/pjsip_distributor.c: Request from '\"1000\" <sip:1000@203.0.113.77>' failed for '192.0.2.50:48336' (callid: 276666022) - No matching endpoint found",
            kind: .unknownUser, ip: "192.0.2.50"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[19388] res_pjsip/pjsip_distributor.c: Request from '\"1000\" <sip:1000@203.0.113.77>' failed for '192.0.2.51:48336' (callid: 276666022) - Not match Endpoint ACL",
            kind: .aclRejected, ip: "192.0.2.51"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[19388] res_pjsip/pjsip_distributor.c: Request from '\"1000\" <sip:1000@203.0.113.77>' failed for '192.0.2.52:48336' (callid: 276666022) - Not match Endpoint Contact ACL",
            kind: .aclRejected, ip: "192.0.2.52"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[19388] res_pjsip/pjsip_distributor.c: Request from '\"1000\" <sip:1000@203.0.113.77>' failed for '192.0.2.53:48336' (callid: 276666022) - Failed to authenticate",
            kind: .authFailure, ip: "192.0.2.53"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[19388] res_pjsip/pjsip_distributor.c: Request from '\"1000\" <sip:1000@203.0.113.77>' failed for '192.0.2.54:48336' (callid: 276666022) - Error to authenticate",
            kind: .authFailure, ip: "192.0.2.54"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[1943] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '<sip:'or''='@203.0.113.99>' failed for '192.0.2.55:43678' (callid: UmOkE9yQPGOsF3Az24YTRe..) - No matching endpoint found",
            kind: .unknownUser, ip: "192.0.2.55"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[17103] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '\"test2\" <sip:test2@203.0.113.99>' failed for '192.0.2.56:5679' (callid: cafebabe) - No matching endpoint found after 5 tries in 2.500 ms",
            kind: .unknownUser, ip: "192.0.2.56"),
        Shape(
            line:
                "[2026-11-21 03:12:01] NOTICE[17103] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:5001@203.0.113.77>' failed for '[2001:db8::57]:5060' (callid: a1b2c3) - Failed to authenticate",
            kind: .authFailure, ip: "2001:db8::57"),
    ])
    func asteriskShapes(_ shape: Shape) throws {
        var parser = AsteriskSecurityLine(timeZone: .named("UTC"), year: 2026)
        let reading = Array(shape.line.utf8).withUnsafeBufferPointer { parser.parse($0) }
        guard case .event(let event) = try #require(reading, "not recognized") else {
            Issue.record("not attributed: \(String(describing: reading))")
            return
        }
        #expect(event.ip == shape.ip)
        #expect(event.kind == shape.kind)
    }

    // MARK: - FreeSWITCH (`config/filter.d/freeswitch.conf`, mode extra)

    @Test(arguments: [
        // ^SIP auth (?:failure|challenge) \((REGISTER|INVITE)\) on sofia profile '[^']+' for \[[^\]]*\] from ip <HOST>$
        Shape(
            line:
                "2026-11-21 03:12:01.767815 [WARNING] sofia_reg.c:1533 SIP auth challenge (INVITE) on sofia profile 'internal' for [011448708752617@203.0.113.77] from ip 192.0.2.60",
            kind: .authChallenge, ip: "192.0.2.60"),
        Shape(
            line:
                "2026-11-21 03:12:01.767815 [WARNING] sofia_reg.c:1478 SIP auth failure (INVITE) on sofia profile 'internal' for [000972543480510@203.0.113.77] from ip 192.0.2.61",
            kind: .authFailure, ip: "192.0.2.61"),
        Shape(
            line:
                "2026-11-21 03:12:01.767815 [WARNING] sofia_reg.c:1478 SIP auth failure (REGISTER) on sofia profile 'external' for [1001@203.0.113.77] from ip 192.0.2.62",
            kind: .authFailure, ip: "192.0.2.62"),
        // ^Can't find user \[[^@]+@[^\]]+\] from <HOST>$
        Shape(
            line:
                "2026-11-21 03:12:01.767815 [WARNING] sofia_reg.c:2531 Can't find user [1001@203.0.113.77] from 192.0.2.63",
            kind: .unknownUser, ip: "192.0.2.63"),
        // Syslog with FreeSWITCH's own second time.
        Shape(
            line:
                "2026-11-21T03:12:01.150982 pbx.example freeswitch[122921]: 2026-11-21 03:12:01.150982 [WARNING] sofia_reg.c:2889 Can't find user [201@::1] from 192.0.2.64",
            kind: .unknownUser, ip: "192.0.2.64"),
        Shape(
            line:
                "2026-11-21T03:12:01.150982 pbx.example freeswitch[122921]: 2026-11-21 03:12:01.150982 [WARNING] sofia_reg.c:1720 SIP auth failure (INVITE) on sofia profile 'sipinterface_1' for [9810972597751739@::1] from ip 192.0.2.65",
            kind: .authFailure, ip: "192.0.2.65"),
        // No year; [WARN] [SOFIA] [file:line].
        Shape(
            line:
                "11-21 03:12:01.026292 [WARN] [SOFIA] [sofia_reg.c:4130] Can't find user [101@203.0.113.77] from 192.0.2.66",
            kind: .unknownUser, ip: "192.0.2.66"),
        Shape(
            line:
                "11-21 03:12:01.026299 [WARN] [SOFIA] [sofia_reg.c:2248] SIP auth failure (INVITE) on sofia profile 'external' for [41801148436701961@203.0.113.77] from ip 192.0.2.67",
            kind: .authFailure, ip: "192.0.2.67"),
        // The idle-CPU column, plain and after a syslog prefix and a second date.
        Shape(
            line:
                "2026-11-21 03:12:01.150982 00.00% [WARNING] sofia_reg.c:2889 Can't find user [201@::1] from 192.0.2.68",
            kind: .unknownUser, ip: "192.0.2.68"),
        Shape(
            line:
                "2026-11-21 03:12:01.894719 pbx.example freeswitch[123456]: 2026-11-21 03:12:01.894719 82.43% [WARNING] sofia_reg.c:2889 Can't find user [201@::1] from 192.0.2.69",
            kind: .unknownUser, ip: "192.0.2.69"),
        Shape(
            line:
                "2026-11-21 03:12:01.150982 [WARNING] sofia_reg.c:1478 SIP auth failure (REGISTER) on sofia profile 'internal' for [1001@pbx] from ip 2001:db8::70",
            kind: .authFailure, ip: "2001:db8::70"),
    ])
    func freeswitchShapes(_ shape: Shape) throws {
        var parser = FreeSWITCHSecurityLine(timeZone: .named("UTC"), year: 2026)
        let event = try #require(Array(shape.line.utf8).withUnsafeBufferPointer { parser.parse($0) })
        #expect(event.ip == shape.ip)
        #expect(event.kind == shape.kind)
    }
}
