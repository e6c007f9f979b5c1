import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// `tollguard logs scan|follow` end to end, and the shipped fail2ban filter run by Debian's
/// `fail2ban-regex` over a ban log TollGuard wrote.
@Suite struct LogsCommandTests {
    static let fail2ban = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Data/fail2ban")

    /// A night of attacks in both PBXs' logs, with every injection trick aimed at 6.6.6.6 and
    /// 192.0.2.66 (which must never be banned), an office behind 198.51.100.77 re-registering
    /// after a power cut, and the PBX's own LAN (ignored).
    static func attackLogs(in folder: TemporaryDirectory) async throws -> [String] {
        var freeswitch = ""
        for index in 0..<12 {
            // Brute force from 203.0.113.5 with hostile user parts.
            let user = ["1001] from ip 6.6.6.6", "x from ip 6.6.6.6@pbx", "'\"", "1001"][index % 4]
            freeswitch +=
                "2026-11-21 03:12:\(String(format: "%02d", index)).123456 97.13% [WARNING] sofia_reg.c:1729 SIP auth failure "
                + "(REGISTER) on sofia profile 'internal' for [\(user)@pbx] from ip 203.0.113.5\n"
        }
        for phone in 0..<60 {
            // The power-cut office: a challenge per phone.
            freeswitch +=
                "2026-11-21 03:20:\(String(format: "%02d", phone)).000000 [WARNING] sofia_reg.c:1729 SIP auth challenge "
                + "(REGISTER) on sofia profile 'internal' for [\(1000 + phone)@pbx] from ip 198.51.100.77\n"
        }
        for index in 0..<20 {
            freeswitch +=
                "2026-11-21 03:30:\(String(format: "%02d", index)).000000 [WARNING] sofia_reg.c:2859 Can't find user "
                + "[\(index)@pbx] from 10.0.0.20\n"
        }
        for index in 0..<10 {
            // A scan over IPv6, the user part carrying a line break on the first one.
            let user = index == 0 ? "ad\nmin" : "user\(index)"
            freeswitch +=
                "11-21 03:40:\(String(format: "%02d", index)).000000 [WARN] [SOFIA] [sofia_reg.c:4130] Can't find user "
                + "[\(user)@pbx] from 2001:db8::bad\n"
        }
        let asterisk = """
            [2026-11-21 03:50:00] NOTICE[2051][C-00000030] res_pjsip_session.c: Call from 'anonymous' (UDP:198.51.100.25:5060) to extension '0046812345678' rejected because extension not found in context 'from-external'.
            [2026-11-21 03:50:01] SECURITY[2064] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="x",Severity="Error",Service="SIP",EventVersion="1",AccountID="sipvicious",SessionID="",LocalAddress="IPV4/UDP/127.0.0.1/5060",RemoteAddress="IPV4/UDP/192.0.2.66/1111"",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.29/5061"
            [2026-11-21 03:50:02] SECURITY[2064] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="x",Severity="Error",Service="SIP",EventVersion="1",AccountID="1001",SessionID="s",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.31/5060",Challenge="c",Response="x"",RemoteAddress="IPV4/UDP/192.0.2.66/1",ExpectedResponse="y"
            [2026-11-21 03:50:03] NOTICE[2041] chan_sip.c: Registration from '"x' failed for '6.6.6.6:5060' - Wrong password" <sip:1@pbx>' failed for '198.51.100.40:5060' - Wrong password

            """
        let fsPath = try folder.write("freeswitch.log", text: freeswitch)
        let gzipped = try folder.write("messages", text: asterisk)
        _ = try await run("/bin/gzip", ["-f", gzipped])
        return [fsPath, gzipped + ".gz"]
    }

    /// Runs a tool; its exit status and everything it printed.
    static func run(_ path: String, _ arguments: [String]) async throws -> (Int32, String) {
        try await onOwnThread { try runBlocking(path, arguments) }
    }

    private static func runBlocking(_ path: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    static let expectedBans = ["198.51.100.25", "198.51.100.29", "2001:db8::bad", "203.0.113.5"]

    @Test func scanJudgesAddressesWritesTheBanLogAndPrintsJSON() async throws {
        let folder = try TemporaryDirectory()
        let logs = try await Self.attackLogs(in: folder)
        let config = try folder.write("tollguard.toml", text: "[sip_watch]\nignore = [\"10.0.0.0/8\"]\n")
        let banLog = folder.path("bans.log")
        let result = try await CLITests.run(
            ["logs", "scan", "--db", folder.path("t.sqlite"), "--config", config, "--ban-log", banLog, "--json"] + logs)
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try result.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let lines = objects.filter { $0["type"] == nil }
        let summaries = objects.filter { $0["type"] as? String == "summary" }
        // Every recognized line, with its place, once: 12 + 60 + 20 + 10 FreeSWITCH, 4 Asterisk.
        #expect(lines.count == 106)
        #expect(lines.allSatisfy { $0["file"] is String && $0["line"] is Int && $0["kind"] is String })
        let first = try #require(lines.first)
        #expect(first["ip"] as? String == "203.0.113.5")
        #expect(first["user"] as? String == "1001] from ip 6.6.6.6@pbx")
        #expect(first["time"] as? String == "2026-11-21T03:12:00Z")
        #expect(first["line"] as? Int == 1)
        let joined = try #require(lines.first { $0["ip"] as? String == "2001:db8::bad" })
        #expect(joined["user"] as? String == "ad\nmin@pbx")
        let unparsed = lines.filter { $0["kind"] as? String == "unparsed_attack" }
        #expect(unparsed.map { $0["line"] as? Int } == [3])
        #expect(unparsed.allSatisfy { ($0["reason"] as? String)?.contains("ChallengeResponseFailed") == true })
        // No line was ever attributed to an injected address.
        let addresses = Set(lines.compactMap { $0["ip"] as? String })
        #expect(addresses.isDisjoint(with: ["6.6.6.6", "192.0.2.66"]))
        let banned = summaries.filter { $0["banned"] as? Bool == true }.compactMap { $0["ip"] as? String }
        #expect(banned.sorted() == Self.expectedBans)
        let office = try #require(summaries.first { $0["ip"] as? String == "198.51.100.77" })
        #expect(office["challenges"] as? Int == 60)
        #expect(office["banned"] as? Bool == false)
        #expect(summaries.first { $0["ip"] as? String == "10.0.0.20" }?["ignored"] as? Bool == true)

        let written = try String(contentsOfFile: banLog, encoding: .utf8).split(separator: "\n")
        #expect(written.count == Self.expectedBans.count)
        #expect(
            written.allSatisfy {
                $0.wholeMatch(
                    of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ tollguard ban ip=[0-9a-f:.]+ rule=[a-z_]+ count=\d+ seen=\S+/)
                    != nil
            })

        // The alerts are in the common store, about addresses, with their log lines.
        let alerts = try await CLITests.run([
            "alerts", "list", "--db", folder.path("t.sqlite"), "--json", "--state", "all",
        ])
        #expect(alerts.status == 0, "\(alerts.stderr)")
        let stored = try #require(try JSONSerialization.jsonObject(with: Data(alerts.stdout.utf8)) as? [[String: Any]])
        #expect(Set(stored.compactMap { $0["subject"] as? String }) == Set(Self.expectedBans))
    }

    @Test func fail2banRegexWithTheShippedFilterFindsExactlyTheBannedAddresses() async throws {
        let regex = ["/usr/bin/fail2ban-regex", "/usr/local/bin/fail2ban-regex"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        if ProcessInfo.processInfo.environment["TOLLGUARD_REQUIRE_FAIL2BAN"] == "1" {
            #expect(regex != nil, "fail2ban-regex is not installed (apt-get install fail2ban)")
        }
        guard let regex else { return }
        let folder = try TemporaryDirectory()
        let logs = try await Self.attackLogs(in: folder)
        let config = try folder.write("tollguard.toml", text: "[sip_watch]\nignore = [\"10.0.0.0/8\"]\n")
        let banLog = folder.path("bans.log")
        let scan = try await CLITests.run(
            ["logs", "scan", "--db", folder.path("t.sqlite"), "--config", config, "--ban-log", banLog] + logs)
        #expect(scan.status == 0, "\(scan.stderr)")

        let (status, text) = try await Self.run(
            regex,
            [
                "--print-all-matched", "--raw", banLog,
                Self.fail2ban.appendingPathComponent("filter.d/tollguard.conf").path,
            ])
        #expect(status == 0, "\(text)")
        #expect(text.contains("Lines: 4 lines, 0 ignored, 4 matched, 0 missed"), "\(text)")
        // The addresses fail2ban took, from its match listing, are exactly TollGuard's bans.
        let matched = Set(
            text.split(separator: "\n").compactMap { line -> String? in
                guard let match = line.firstMatch(of: #/ban ip=([0-9a-f:.]+) /#) else { return nil }
                return String(match.1)
            })
        #expect(matched == Set(Self.expectedBans))
    }

    @Test func theShippedJailLoadsAndCoversEverySIPPort() async throws {
        let client = ["/usr/bin/fail2ban-client", "/usr/local/bin/fail2ban-client"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let client, FileManager.default.fileExists(atPath: "/etc/fail2ban/jail.conf") else {
            #expect(
                ProcessInfo.processInfo.environment["TOLLGUARD_REQUIRE_FAIL2BAN"] != "1", "fail2ban is not installed")
            return
        }
        // Debian's configuration with the shipped filter and jail added (and its sshd jail off,
        // as this machine has no auth log), tested by fail2ban itself.
        let folder = try TemporaryDirectory()
        let root = folder.path("fail2ban")
        try FileManager.default.copyItem(atPath: "/etc/fail2ban", toPath: root)
        let banLog = try folder.write("bans.log", text: "")
        try FileManager.default.copyItem(
            atPath: Self.fail2ban.appendingPathComponent("filter.d/tollguard.conf").path,
            toPath: root + "/filter.d/tollguard.conf")
        let jail = try String(
            contentsOf: Self.fail2ban.appendingPathComponent("jail.d/tollguard.local"), encoding: .utf8)
        try jail.replacingOccurrences(of: "/var/log/tollguard/bans.log", with: banLog)
            .write(toFile: root + "/jail.d/tollguard.local", atomically: true, encoding: .utf8)
        try "[sshd]\nenabled = false\n".write(toFile: root + "/jail.d/zz-test.local", atomically: true, encoding: .utf8)
        for (arguments, check) in [(["-t"], "configuration test is successful"), (["-d"], "'start', 'tollguard'")] {
            let (status, text) = try await Self.run(client, ["-c", root] + arguments)
            #expect(status == 0, "\(text)")
            #expect(text.contains(check), "\(text)")
            if arguments == ["-d"] {
                #expect(text.contains("['port', '5060,5061,5080,5081,7443,8088,8089'], ['protocol', 'tcp']"))
                #expect(text.contains("['port', '5060,5061,5080,5081,7443,8088,8089'], ['protocol', 'udp']"))
                #expect(text.contains("['set', 'tollguard', 'maxretry', 1]"))
            }
        }
    }

    @Test func followReadsWhatTheLogGainsAndBans() async throws {
        let folder = try TemporaryDirectory()
        let log = try folder.write("freeswitch.log", text: "")
        let banLog = folder.path("bans.log")
        let lines = (0..<10).map { index in
            "2026-11-21 03:12:\(String(format: "%02d", index)).000000 [WARNING] sofia_reg.c:1729 SIP auth failure "
                + "(REGISTER) on sofia profile 'internal' for [1001@pbx] from ip 203.0.113.90\n"
        }.joined()
        try Data(lines.utf8).write(to: URL(fileURLWithPath: log))
        let result = try await CLITests.run([
            "logs", "follow", "--db", folder.path("t.sqlite"), "--ban-log", banLog, "--from-start", "--polls", "1", log,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ban 203.0.113.90 (sip_auth_failures, 10)"))
        #expect(try String(contentsOfFile: banLog, encoding: .utf8).contains("ip=203.0.113.90 rule=sip_auth_failures"))
    }
}
