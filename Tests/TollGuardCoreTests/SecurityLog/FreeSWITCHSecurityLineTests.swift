import Foundation
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// FreeSWITCH security lines in every shape seen in the wild, and the injection cases: the
/// address always comes from where sofia writes it.
@Suite struct FreeSWITCHSecurityLineTests {
    static func parse(_ line: String, zone: String = "UTC") -> SecurityEvent? {
        var parser = FreeSWITCHSecurityLine(timeZone: .named(zone), year: 2026)
        var bytes = Array(line.utf8)
        return bytes.withUnsafeMutableBufferPointer { parser.parse(UnsafeBufferPointer($0)) }
    }

    static func utc(_ text: String) -> Date? { CivilTime.parseUTC(dateOrDateTime: text) }

    @Test(arguments: [
        // Classic.
        (
            "2013-12-31 17:39:54.767815 [WARNING] sofia_reg.c:1478 SIP auth failure (INVITE) on sofia profile 'internal' for [000972543480510@192.168.2.51] from ip 5.11.47.236",
            SecurityEventKind.authFailure, "5.11.47.236", "000972543480510@192.168.2.51", "2013-12-31 17:39:54"
        ),
        // 1.10.7+ idle-CPU column.
        (
            "2021-10-29 21:04:58.150982 00.00% [WARNING] sofia_reg.c:2889 SIP auth challenge (REGISTER) on sofia profile 'internal' for [1001@10.0.0.1] from ip 198.51.100.23",
            .authChallenge, "198.51.100.23", "1001@10.0.0.1", "2021-10-29 21:04:58"
        ),
        // Channel-UUID prefix and the CPU column.
        (
            "7f1c2a4e-5d6b-4c1a-9e8f-0123456789ab 2026-11-21 03:12:01.123456 97.13% [WARNING] sofia_reg.c:1729 SIP auth failure (REGISTER) on sofia profile 'external' for [admin@pbx.example.com] from ip 203.0.113.5",
            .authFailure, "203.0.113.5", "admin@pbx.example.com", "2026-11-21 03:12:01"
        ),
        // No year, [WARN] [SOFIA] [file:line] tags.
        (
            "08-03 07:56:53.026292 [WARN] [SOFIA] [sofia_reg.c:4130] Can't find user [1001@192.168.2.51] from 5.11.47.236",
            .unknownUser, "5.11.47.236", "1001@192.168.2.51", "2026-08-03 07:56:53"
        ),
        // Syslog: a second date and host before FreeSWITCH's own.
        (
            "2016-09-25T18:57:58.150982 www.srv.tld freeswitch[122921]: 2016-09-25 18:57:58.150982 [WARNING] sofia_reg.c:1720 SIP auth failure (INVITE) on sofia profile 'internal' for [3000@192.168.2.51] from ip 192.0.2.77",
            .authFailure, "192.0.2.77", "3000@192.168.2.51", "2016-09-25 18:57:58"
        ),
        // Journald.
        (
            "Nov 21 03:12:01 pbx freeswitch[842]: 2026-11-21 03:12:01.004211 [WARNING] sofia_reg.c:2859 Can't find user [9011442079460000@pbx] from 198.51.100.9",
            .unknownUser, "198.51.100.9", "9011442079460000@pbx", "2026-11-21 03:12:01"
        ),
        // IPv6 address, and an IPv6 loopback domain in the user part.
        (
            "2026-11-21 03:12:01.123456 [WARNING] sofia_reg.c:1478 SIP auth failure (REGISTER) on sofia profile 'internal' for [201@::1] from ip 2001:db8::66",
            .authFailure, "2001:db8::66", "201@::1", "2026-11-21 03:12:01"
        ),
        // The ACL line (DEBUG): the address follows "IP ".
        (
            "2026-11-21 03:12:01.123456 [DEBUG] sofia.c:2380 IP 203.0.113.7 Rejected by acl \"domains\". Falling back to Digest auth.",
            .aclRejected, "203.0.113.7", "", "2026-11-21 03:12:01"
        ),
    ])
    func everyShapeGivesTheKindAddressUserAndTime(
        _ example: (String, SecurityEventKind, String, String, String)
    ) throws {
        let event = try #require(Self.parse(example.0))
        #expect(event.kind == example.1)
        #expect(event.ip == example.2)
        #expect((event.user ?? "") == example.3)
        #expect(event.time == Self.utc(example.4))
        #expect(event.source == .freeswitch)
    }

    @Test func siteTimeIsConvertedToUTCAndTheMethodIsKept() throws {
        let event = try #require(
            Self.parse(
                "2026-07-01 09:00:00.000000 [WARNING] sofia_reg.c:1478 SIP auth failure (INVITE) on sofia profile 'internal' for [1001@pbx] from ip 192.0.2.1",
                zone: "Europe/Berlin"))
        #expect(event.time == Self.utc("2026-07-01 07:00:00"))
        #expect(event.method == "INVITE")
    }

    @Test(arguments: [
        // The user part names another address: the true one is still the last token.
        ("x] from ip 6.6.6.6", "203.0.113.5"),
        ("1001@pbx] from ip 6.6.6.6 ", "203.0.113.5"),
        ("\"quoted' user\"@pbx", "203.0.113.5"),
        ("]]]", "203.0.113.5"),
        ("a] from ip 6.6.6.6@b", "2001:db8::5"),
        ("RemoteAddress=\"IPV4/UDP/6.6.6.6/5060\"", "203.0.113.5"),
    ])
    func aHostileUserPartNeverChoosesTheAddress(_ example: (user: String, ip: String)) throws {
        let line =
            "2026-11-21 03:12:01.123456 [WARNING] sofia_reg.c:1478 SIP auth failure (REGISTER) on sofia profile 'internal' for [\(example.user)] from ip \(example.ip)"
        let event = try #require(Self.parse(line))
        #expect(event.ip == example.ip)
        #expect(event.user == example.user)
        let unknown = try #require(
            Self.parse(
                "2026-11-21 03:12:01.123456 [WARNING] sofia_reg.c:2859 Can't find user [\(example.user)] from \(example.ip)"
            ))
        #expect(unknown.ip == example.ip && unknown.user == example.user)
    }

    @Test func linesThatAreNotSecurityLinesOrEndInNoAddressAreNotMatched() {
        for line in [
            "2026-11-21 03:12:01.123456 [NOTICE] switch_channel.c:1104 New Channel sofia/internal/1001@pbx [7f1c2a4e-5d6b-4c1a-9e8f-0123456789ab]",
            "2026-11-21 03:12:01.123456 [INFO] sofia_reg.c:2011 Register: from 1001@pbx contact from 10.0.0.20",
            "2026-11-21 03:12:01.123456 [WARNING] sofia_reg.c:1478 SIP auth failure (REGISTER) on sofia profile 'internal' for [1001@pbx] from ip 999.1.1.1",
            "2026-11-21 03:12:01.123456 [WARNING] sofia_reg.c:1478 SIP auth failure (REGISTER) on sofia profile 'internal' for [1001@pbx] from ip 6.6.6.6 trailing",
            "2026-11-21 03:12:01.123456 [WARNING] mod_other.c:1 SIP auth failure (REGISTER) on sofia profile 'internal' for [1001@pbx] from ip 6.6.6.6",
            "EXECUTE [depth=0] sofia/internal/1001@pbx set(from ip 6.6.6.6)",
            "",
        ] {
            #expect(Self.parse(line) == nil, "\(line)")
        }
    }

    @Test func aUserPartWithALineBreakIsJoinedNotDropped() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write(
            "freeswitch.log",
            text: """
                2026-11-21 03:12:01.123456 [NOTICE] switch_channel.c:1104 New Channel sofia/internal/1001@pbx
                2026-11-21 03:12:02.000000 [WARNING] sofia_reg.c:1478 SIP auth failure (REGISTER) on sofia profile 'internal' for [evil
                user] from ip 6.6.6.6@pbx] from ip 203.0.113.9
                2026-11-21 03:12:03.000000 [WARNING] sofia_reg.c:2859 Can't find user [1001@pbx] from 198.51.100.4
                2026-11-21 03:12:04.000000 [WARNING] sofia_reg.c:2859 Can't find user [never
                2026-11-21 03:12:05.000000 [NOTICE] switch_channel.c:1104 New Channel sofia/internal/1002@pbx

                """)
        var scanner = SecurityLogScanner(timeZone: .named("UTC"), year: 2026)
        var seen: [(Int, SecurityEvent)] = []
        let summary = try scanner.scan(path: path) { entry in
            if let event = entry.event { seen.append((entry.line, event)) }
        }
        #expect(summary.lines == 6)
        #expect(summary.recognized == 2)
        #expect(summary.unfinished == 1)
        #expect(seen.map(\.0) == [2, 4])
        #expect(seen.map(\.1.ip) == ["203.0.113.9", "198.51.100.4"])
        #expect(seen.first?.1.user == "evil\nuser] from ip 6.6.6.6@pbx")
    }

    /// The whole-file scan parses on a thread of its own and hands lines over in batches: across
    /// many batches the caller still sees every security line once, in file order, and the
    /// counts are the generator's.
    @Test func aLargeLogIsScannedInFileOrderAcrossBatches() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.url.appendingPathComponent("big.log").path
        // 300,000 lines written and scanned twice: off the cooperative pool, which other suites' network tests need.
        let scanned = try await onOwnThread { try Self.scanTwice(path) }
        let (truth, summary, lines, kinds) = (scanned.truth, scanned.summary, scanned.lines, scanned.kinds)
        #expect(summary.lines == truth.lines)
        #expect(lines.count > 3 * 4096)
        #expect(lines == lines.sorted() && Set(lines).count == lines.count)
        #expect(kinds[.authFailure] == truth.failures)
        #expect(kinds[.authChallenge] == truth.challenges)
        #expect(kinds[.unknownUser] == truth.unknownUsers)
        // The same file read in place, on this thread, gives the same lines.
        #expect(scanned.inPlaceLines == lines)
        #expect(scanned.inPlaceSummary == summary)
    }

    /// Writes a large generated log at `path`, scans it with the threaded scanner and in place.
    static func scanTwice(_ path: String) throws -> (
        truth: FreeSWITCHLogGenerator.Truth, summary: SecurityLogScanner.Summary, lines: [Int],
        kinds: [SecurityEventKind: Int], inPlaceLines: [Int], inPlaceSummary: SecurityLogScanner.Summary
    ) {
        let truth = try FreeSWITCHLogGenerator(lines: 300_000, attackShare: 0.1, attackers: 40, seed: 7).write(to: path)
        var threaded = SecurityLogScanner(timeZone: .named("UTC"), year: 2026)
        var lines: [Int] = []
        var kinds: [SecurityEventKind: Int] = [:]
        let summary = try threaded.scan(path: path) { entry in
            lines.append(entry.line)
            if let event = entry.event { kinds[event.kind, default: 0] += 1 }
        }
        var inPlace = SecurityLogScanner(timeZone: .named("UTC"), year: 2026)
        var inPlaceLines: [Int] = []
        var inPlaceSummary = SecurityLogScanner.Summary()
        _ = try inPlace.scan(ByteLineReader(path: path), following: false, into: &inPlaceSummary) { entry in
            inPlaceLines.append(entry.line)
        }
        return (truth, summary, lines, kinds, inPlaceLines, inPlaceSummary)
    }

    @Test func aMissingFileIsAClearError() {
        var scanner = SecurityLogScanner(timeZone: .named("UTC"), year: 2026)
        #expect(throws: FileReadError.self) { try scanner.scan(path: "/nonexistent/freeswitch.log") { _ in } }
    }
}
