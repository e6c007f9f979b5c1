import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// The watcher end to end on files: alerts about addresses in the common store with their log
/// lines, hook events for them, the ban log, and the follower across growth and rotations.
@Suite struct SIPWatchTests {
    static let asteriskLog = """
        [2026-11-21 03:10:00] NOTICE[2051][C-00000030] res_pjsip_session.c: Call from 'anonymous' (UDP:198.51.100.25:5060) to extension '0046812345678' rejected because extension not found in context 'from-external'.
        [2026-11-21 03:10:01] VERBOSE[2051] pbx.c: Executing [s@default:1] Answer("PJSIP/1001-00000001", "") in new stack
        [2026-11-21 03:10:02] NOTICE[2041] chan_sip.c: Registration from '<sip:1001@pbx>' failed for '10.1.1.5:5060' - Wrong password

        """

    static func failures(ip: String, count: Int, minute: Int = 11) -> String {
        (0..<count).map { index in
            "[2026-11-21 03:\(minute):\(String(format: "%02d", index))] NOTICE[2041] chan_sip.c: Registration from "
                + "'\"x\" <sip:1001@pbx>' failed for '\(ip):5060' - Wrong password\n"
        }.joined()
    }

    static func scan(_ paths: [String], watch: inout SIPWatch) throws -> SIPWatch.Commit {
        for path in paths {
            var scanner = SecurityLogScanner(timeZone: .named("UTC"), year: 2026)
            _ = try scanner.scan(path: path) { entry in _ = watch.consume(entry, file: path) }
        }
        return try watch.commit(now: SIPAttackDetectorTests.start)
    }

    @Test func alertsAboutAddressesAreStoredWithTheirLinesAndSentToHooks() throws {
        let folder = try TemporaryDirectory()
        let log = try folder.write("messages", text: Self.asteriskLog + Self.failures(ip: "203.0.113.50", count: 12))
        let database = try TollGuardDatabase.open(path: folder.path("t.sqlite"))
        var configuration = TollGuardConfiguration()
        configuration.sipWatch.ignore = ["10.0.0.0/8"]
        configuration.hooks = [AlertSeeds.programHook("nft", events: [.alert])]
        var watch = try SIPWatch(
            database: database, configuration: configuration, timeZone: .named("UTC"), banLog: folder.path("bans.log"))
        let commit = try Self.scan([log], watch: &watch)
        // The watcher stores alerts; the action layer acts on them (here, the hook events).
        let actions = ActionDecider(database: database, settings: ActionSettings(configuration))
        _ = try actions.actOnNewAlerts(now: SIPAttackDetectorTests.start)

        let alerts = try database.alerts(AlertFilter(states: Set(AlertState.allCases)))
        #expect(Set(alerts.map(\.subject)) == [Subject(.ip, "198.51.100.25"), Subject(.ip, "203.0.113.50")])
        let brute = try #require(alerts.first { $0.subject.value == "203.0.113.50" })
        #expect(brute.rule == AnalysisRule.sipAuthFailures.rawValue)
        let lines = try database.alertLogLines(id: brute.id)
        // The ten lines up to the crossing (file lines 4…13), as written.
        #expect(lines.map(\.line) == Array(4...13))
        #expect(
            lines.allSatisfy { $0.file == log && $0.text.hasSuffix("failed for '203.0.113.50:5060' - Wrong password") })
        // The ignored office address never became anything; the bans went to the ban log.
        #expect(commit.bans.map(\.ip).sorted() == ["198.51.100.25", "203.0.113.50"])
        let banLog = try String(contentsOfFile: folder.path("bans.log"), encoding: .utf8)
        // Each line: when decided, the address, the rule, the count, and the log time of the crossing.
        #expect(
            banLog.split(separator: "\n").map { $0.split(separator: " ").dropFirst().joined(separator: " ") } == [
                "tollguard ban ip=198.51.100.25 rule=sip_dial_attempt count=1 seen=2026-11-21T03:10:00Z",
                "tollguard ban ip=203.0.113.50 rule=sip_auth_failures count=10 seen=2026-11-21T03:11:09Z",
            ], "\(banLog)")
        // Each alert became one `alert` event for the hook, carrying the address.
        let outbox = try database.outbox(statuses: [.pending])
        #expect(Set(outbox.map(\.subject)) == ["198.51.100.25", "203.0.113.50"])
        #expect(outbox.allSatisfy { $0.eventType == "alert" && $0.hook == "nft" && $0.subjectType == "ip" })

        // Scanning the same file again adds no alert and no hook event.
        var again = try SIPWatch(
            database: database, configuration: configuration, timeZone: .named("UTC"), banLog: folder.path("bans.log"))
        let second = try Self.scan([log], watch: &again)
        _ = try actions.actOnNewAlerts(now: SIPAttackDetectorTests.start)
        #expect(second.changes.newCount == 0)
        // ... and no ban the ban log holds already.
        #expect(second.bans.isEmpty)
        #expect(try String(contentsOfFile: folder.path("bans.log"), encoding: .utf8) == banLog)
        #expect(try database.alerts(AlertFilter(states: Set(AlertState.allCases))).count == 2)
        #expect(try database.outbox(statuses: [.pending]).count == 2)
    }

    @Test func theBanLogHoldsOnlyAddressesInCanonicalForm() throws {
        let time = Date(timeIntervalSince1970: 1_795_000_000)
        #expect(
            BanLog.line(ip: "2001:DB8:0:0::5", rule: .sipScanner, count: 1, at: time, seen: time.addingTimeInterval(-5))
                == "2026-11-18T11:06:40Z tollguard ban ip=2001:db8::5 rule=sip_scanner count=1 seen=2026-11-18T11:06:35Z\n"
        )
        for hostile in [
            "6.6.6.6 rule=x", "203.0.113.5\n2026-01-01T00:00:00Z tollguard ban ip=6.6.6.6", "pbx.example.com", "",
        ] {
            #expect(BanLog.line(ip: hostile, rule: .sipScanner, count: 1, at: time, seen: time) == nil)
        }
    }

    @Test func theFollowerReadsGrowthPartialLinesRotationAndTruncationExactlyOnce() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("freeswitch.log")
        func line(_ n: Int) -> String {
            "2026-11-21 03:12:\(String(format: "%02d", n % 60)).000000 [WARNING] sofia_reg.c:1478 SIP auth failure "
                + "(REGISTER) on sofia profile 'internal' for [\(n)@pbx] from ip 203.0.113.\(n)\n"
        }
        func append(_ text: String, to file: String = path) throws { try appendToFile(Array(text.utf8), path: file) }
        _ = try folder.write("freeswitch.log", text: line(1) + line(2))
        let follower = SecurityLogFollower(paths: [path], timeZone: .named("UTC"), year: 2026, fromStart: false)
        var seen: [(line: Int, user: String)] = []
        func poll() throws {
            _ = try follower.poll { _, entry in
                if let event = entry.event { seen.append((entry.line, event.user ?? "")) }
            }
        }
        try poll()
        #expect(seen.isEmpty)  // started at the end
        try append(line(3))
        let four = line(4)
        try append(String(four.prefix(40)))  // still being written
        try poll()
        #expect(seen.map(\.user) == ["3@pbx"])
        try append(String(four.dropFirst(40)))
        try poll()
        #expect(seen.map(\.line) == [3, 4])
        // Rotation by rename: a last line lands in the old file after the rename, then the new file grows.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try append(line(5), to: path + ".1")
        _ = try folder.write("freeswitch.log", text: line(6))
        try poll()
        #expect(seen.map(\.user) == ["3@pbx", "4@pbx", "5@pbx", "6@pbx"])
        #expect(seen.last?.line == 1)
        // Truncation in place (copytruncate), refilled to exactly the length read before.
        try Data().write(to: URL(fileURLWithPath: path))
        try append(line(7))
        try poll()
        try poll()
        #expect(seen.map(\.user) == ["3@pbx", "4@pbx", "5@pbx", "6@pbx", "7@pbx"])
    }
}

/// Line breaks in attacker text (a SIP user part) never choose the address: a record ends only
/// where the PBX's next line starts, and its address is read where the PBX writes it.
@Suite struct LineBreakInjectionTests {
    /// A FreeSWITCH auth failure at second `index` whose user part is `user` (raw, line breaks and all).
    static func failure(user: String, from address: String, second index: Int) -> String {
        "2026-11-21 03:12:\(String(format: "%02d", index)).123456 [WARNING] sofia_reg.c:1478 SIP auth failure "
            + "(REGISTER) on sofia profile 'internal' for [\(user)@pbx.example.com] from ip \(address)\n"
    }

    static func bans(afterScanning text: String) throws -> [String] {
        let folder = try TemporaryDirectory()
        let log = try folder.write("freeswitch.log", text: text)
        let database = try TollGuardDatabase.inMemory()
        var watch = try SIPWatch(
            database: database, configuration: TollGuardConfiguration(), timeZone: .named("UTC"),
            banLog: folder.path("bans.log"))
        return try SIPWatchTests.scan([log], watch: &watch).bans.map(\.ip)
    }

    @Test(arguments: [
        "x] from ip 6.6.6.8\n",  // the first line looks whole and ends in the injected address
        "x\n [Z",  // the continuation imitates a level tag
        "x\n [WARNING] a\n [Z\n] from ip 6.6.6.8\n",  // spread over several line breaks
    ])
    func theRealSenderIsBannedNeverTheInjectedAddress(_ user: String) throws {
        let text = (0..<12).map { Self.failure(user: user, from: "203.0.113.77", second: $0) }.joined()
        let bans = try Self.bans(afterScanning: text)
        #expect(bans == ["203.0.113.77"], "\(user.debugDescription)")
    }

    /// A record continued past a line break whose end never reaches the address the PBX writes
    /// (a log cut short in the middle of a record) is reported and attributed to nobody — never
    /// to the address inside it.
    @Test func aRecordWhoseEndIsNotThePBXsIsReportedAndAttributedToNobody() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write(
            "freeswitch.log",
            text: """
                2026-11-21 03:12:01.123456 [WARNING] sofia_reg.c:1478 SIP auth failure (REGISTER) on sofia profile 'internal' for [x
                ] from ip 6.6.6.8 and no address where sofia writes it
                2026-11-21 03:12:02.000000 [NOTICE] switch_channel.c:1104 New Channel sofia/internal/1002@pbx

                """)
        var scanner = SecurityLogScanner(timeZone: .named("UTC"), year: 2026)
        var readings: [(Int, SecurityLineReading)] = []
        let summary = try scanner.scan(path: path) { readings.append(($0.line, $0.reading)) }
        #expect(readings.map(\.0) == [1])
        guard case .unparsedAttack(let reason) = readings.first?.1 else {
            Issue.record("not reported as an unparsed attack: \(readings)")
            return
        }
        #expect(summary.unparsedAttacks == 1)
        #expect(
            SecurityLogEntry.unparsedAttackNotice(file: "freeswitch.log", line: 1, reason: reason).contains(
                "freeswitch.log:1: unparsed_attack: a record broken by line breaks"))
    }

    /// Followed as it grows (`serve`, `logs follow`): a record is held until the next line shows
    /// it whole, so a continuation written after a poll still belongs to it; one with nothing
    /// after it is reported at the next poll that finds nothing new.
    @Test func aFollowedRecordWaitsForWhatContinuesIt() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("freeswitch.log", text: "")
        let follower = SecurityLogFollower(paths: [path], timeZone: .named("UTC"), year: 2026, fromStart: true)
        var seen: [String] = []
        func poll() throws {
            _ = try follower.poll { _, entry in if let event = entry.event { seen.append(event.ip) } }
        }
        func append(_ text: String) throws {
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }
        // The switch is writing the record: its first line, and the start of what continues it.
        let record = Self.failure(user: "x] from ip 6.6.6.8\n", from: "203.0.113.77", second: 1)
        let cut = record.index(try #require(record.firstIndex(of: "\n")), offsetBy: 6)
        try append(String(record[..<cut]))
        try poll()
        #expect(seen.isEmpty, "reported before the record was whole")
        try append(String(record[cut...]))
        try poll()
        #expect(seen == ["203.0.113.77"])
        // A whole record followed by the PBX's own unprefixed line (`EXECUTE …`) is reported at once.
        try append(
            Self.failure(user: "1001", from: "203.0.113.78", second: 2)
                + "EXECUTE [depth=0] sofia/internal/1001@pbx.example.com set(effective_caller_id_number=1001)\n")
        try poll()
        #expect(seen == ["203.0.113.77", "203.0.113.78"])
    }
}
