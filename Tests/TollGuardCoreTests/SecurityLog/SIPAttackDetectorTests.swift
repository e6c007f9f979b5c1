import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// The per-address judgement: each rule's threshold and window, the power-cut case that
/// fail2ban's default FreeSWITCH mode gets wrong, the allow-list and the bad-IP weight.
@Suite struct SIPAttackDetectorTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    /// Feeds events one per `spacing` seconds; returns the bans.
    static func run(
        _ events: [SecurityEvent], settings: SIPWatchSettings = SIPWatchSettings(), badIPs: FraudLists = .none,
        spacing: Double = 1
    ) -> (bans: [SIPAttackDetector.Ban], findings: [Finding]) {
        var detector = SIPAttackDetector(settings: settings, badIPs: badIPs)
        var bans: [SIPAttackDetector.Ban] = []
        var findings: [Finding] = []
        for (index, event) in events.enumerated() {
            let time = start.addingTimeInterval(Double(index) * spacing)
            var event = event
            event.time = time
            let outcome = detector.observe(
                event, evidence: EvidenceLogLine(file: "log", line: index + 1, time: time, text: "line \(index + 1)"))
            bans += outcome.bans
            findings += outcome.findings
        }
        return (bans, findings)
    }

    static func failure(_ ip: String, user: String = "1001", source: SecurityLogSource = .freeswitch) -> SecurityEvent {
        SecurityEvent(source: source, kind: .authFailure, ip: ip, user: user, method: "REGISTER")
    }

    static func challenge(_ ip: String, user: String, source: SecurityLogSource = .freeswitch) -> SecurityEvent {
        SecurityEvent(source: source, kind: .authChallenge, ip: ip, user: user, method: "REGISTER")
    }

    @Test func tenFailuresInTheWindowBanOnceAndTheCountStartsAgain() throws {
        let nine = Self.run(Array(repeating: Self.failure("203.0.113.5"), count: 9))
        #expect(nine.bans.isEmpty)
        let twenty = Self.run(Array(repeating: Self.failure("203.0.113.5"), count: 20))
        #expect(twenty.bans.map(\.rule) == [.sipAuthFailures, .sipAuthFailures])
        #expect(twenty.bans.map(\.count) == [10, 10])
        let finding = try #require(twenty.findings.first)
        #expect(finding.subject == Subject(.ip, "203.0.113.5"))
        #expect(finding.severity == .high)
        #expect(finding.lines.map(\.line) == Array(1...10))
        // The same ten failures spread over more than the window never add up.
        let slow = Self.run(Array(repeating: Self.failure("203.0.113.5"), count: 30), spacing: 120)
        #expect(slow.bans.isEmpty)
    }

    @Test func aPowerCutOfficeIsNotBannedButAChallengeFloodIs() {
        // 60 phones behind one NAT address re-register within two minutes after a power cut:
        // each REGISTER is challenged, then the phone's INVITE is challenged too, and two
        // phones still carry an old password. fail2ban's default FreeSWITCH mode (`extra`,
        // maxretry 10) counts every one of those challenges and bans the office.
        var office: [SecurityEvent] = []
        for phone in 0..<60 {
            office.append(Self.challenge("198.51.100.77", user: "10\(phone)"))
            office.append(
                SecurityEvent(
                    source: .freeswitch, kind: .authChallenge, ip: "198.51.100.77", user: "10\(phone)", method: "INVITE"
                ))
        }
        office += [Self.failure("198.51.100.77", user: "1003"), Self.failure("198.51.100.77", user: "1017")]
        let officeRun = Self.run(office, spacing: 1)
        #expect(office.count(where: { $0.kind == .authChallenge }) > 10)
        #expect(officeRun.bans.isEmpty)
        // An address sending challenge after challenge it never answers is a flood.
        let flood = Self.run(Array(repeating: Self.challenge("203.0.113.66", user: "100"), count: 400), spacing: 0.5)
        #expect(flood.bans.map(\.rule) == [.sipChallengeFlood])
        // Asterisk logs the successful answer: a PBX's own phones can be challenged without end.
        var answered: [SecurityEvent] = []
        for _ in 0..<400 {
            answered.append(Self.challenge("198.51.100.78", user: "1001", source: .asterisk))
            answered.append(SecurityEvent(source: .asterisk, kind: .successfulAuth, ip: "198.51.100.78", user: "1001"))
        }
        #expect(Self.run(answered, spacing: 0.5).bans.isEmpty)
    }

    @Test func manyUserNamesFromOneAddressIsAScan() throws {
        let users = (0..<8).map { Self.failure("203.0.113.8", user: "user\($0)") }
        let run = Self.run(users)
        #expect(run.bans.map(\.rule) == [.sipUserScan])
        let finding = try #require(run.findings.first)
        #expect(finding.metrics["users"] == .list((0..<8).map { "user\($0)" }))
        #expect(Self.run(Array(users.prefix(7))).bans.isEmpty)
    }

    @Test func dialAttemptsFromUnauthenticatedSources() {
        func dial(_ ip: String, _ number: String, user: String? = "anonymous") -> SecurityEvent {
            SecurityEvent(source: .asterisk, kind: .unknownExtension, ip: ip, user: user, dialed: number)
        }
        // One international attempt from nobody is enough.
        #expect(Self.run([dial("203.0.113.9", "0046812345678")]).bans.map(\.rule) == [.sipDialAttempt])
        #expect(Self.run([dial("203.0.113.9", "011972595195420", user: "")]).bans.map(\.rule) == [.sipDialAttempt])
        // Local-looking numbers take three.
        #expect(Self.run([dial("203.0.113.9", "4711"), dial("203.0.113.9", "4712")]).bans.isEmpty)
        #expect(
            Self.run([dial("203.0.113.9", "4711"), dial("203.0.113.9", "4712"), dial("203.0.113.9", "4713")]).bans.count
                == 1)
        // An authenticated phone that misdials is not an attacker.
        #expect(Self.run([dial("10.1.1.20", "0046812345678", user: "1001")]).bans.isEmpty)
    }

    @Test func aKnownScannerNameBansAtOnce() {
        var event = SecurityEvent(source: .asterisk, kind: .unknownUser, ip: "203.0.113.10", user: "100")
        event.agent = "Friendly-Scanner"
        #expect(Self.run([event]).bans.map(\.rule) == [.sipScanner])
        let sipvicious = SecurityEvent(
            source: .freeswitch, kind: .authChallenge, ip: "203.0.113.11", user: "sipvicious")
        #expect(Self.run([sipvicious]).bans.map(\.rule) == [.sipScanner])
    }

    @Test func ignoredAddressesAreNeverJudgedAndBadAddressesWeighMore() throws {
        var settings = SIPWatchSettings()
        settings.ignore = ["10.0.0.0/8", "2001:db8:1::/48"]
        let ignored =
            Array(repeating: Self.failure("10.20.30.40"), count: 50)
            + Array(repeating: Self.failure("2001:db8:1::9"), count: 50)
        #expect(Self.run(ignored, settings: settings).bans.isEmpty)
        #expect(Self.run([Self.failure("10.20.30.40")], settings: settings).findings.isEmpty)

        let list = FraudList(name: "scanners", ipRanges: [try #require(IPAddressRange("203.0.113.0/24"))])
        let weighed = Self.run(Array(repeating: Self.failure("203.0.113.12"), count: 5), badIPs: FraudLists([list]))
        #expect(weighed.bans.map(\.count) == [10])
        #expect(weighed.findings.first?.metrics["bad_ip_lists"] == .list(["scanners"]))
        #expect(
            Self.run(Array(repeating: Self.failure("198.51.100.12"), count: 5), badIPs: FraudLists([list])).bans.isEmpty
        )
    }

    @Test func freeSWITCHACLLinesAloneDoNotCountButAsteriskACLFailuresDo() {
        let freeswitch = Array(
            repeating: SecurityEvent(source: .freeswitch, kind: .aclRejected, ip: "203.0.113.13"), count: 20)
        #expect(Self.run(freeswitch).bans.isEmpty)
        let asterisk = Array(
            repeating: SecurityEvent(source: .asterisk, kind: .aclRejected, ip: "203.0.113.13", user: "a"), count: 10)
        #expect(Self.run(asterisk).bans.map(\.rule) == [.sipAuthFailures])
    }

    /// Every 50,000 lines the detector forgets addresses quiet for a window; the others keep
    /// their counts through it, and a forgotten address starts from nothing.
    @Test func forgettingQuietAddressesKeepsTheCountsOfTheOthers() {
        func noise(_ count: Int, from first: Int) -> [SecurityEvent] {
            (first..<(first + count)).map {
                Self.challenge("10.\($0 / 65_536).\($0 / 256 % 256).\($0 % 256)", user: "1001")
            }
        }
        // 0.015 s apart. 198.51.100.7 fails 9 times at the start, then goes quiet; 203.0.113.5
        // fails 9 times at ~450 s; the forgetting comes at the 50,000th line (~750 s), when only
        // the first is more than the 10-minute window behind. Both fail once more after it.
        var events = Array(repeating: Self.failure("198.51.100.7"), count: 9)
        events += noise(30_000, from: 0)
        events += Array(repeating: Self.failure("203.0.113.5"), count: 9)
        events += noise(20_000, from: 30_000)
        events += [Self.failure("203.0.113.5"), Self.failure("198.51.100.7")]
        let result = Self.run(events, spacing: 0.015)
        #expect(result.bans.map(\.ip) == ["203.0.113.5"])
        #expect(result.bans.map(\.count) == [10])
        #expect(result.findings.first?.lines.count == 10)
    }
}
