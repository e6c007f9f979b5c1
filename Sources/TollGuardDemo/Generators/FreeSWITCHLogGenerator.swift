import Foundation
import TollGuardCore

/// Writes a FreeSWITCH log with a known share of attack lines, for the log-scan benchmark:
/// channel, dial-plan and registration noise (a third with a channel-UUID prefix), near misses
/// (`Rejected by acl` debug lines, `Register:` lines ending in an address, warnings from other
/// files), and attack lines — auth failures, challenges and unknown users — from a few hundred
/// addresses with skewed weights, user parts guessing extensions and IRSF dial strings.
///
/// Classic
/// format (no CPU column), which every filter reads. Deterministic per seed.
package struct FreeSWITCHLogGenerator {
    /// What was written.
    package struct Truth: Sendable, Hashable {
        package var lines = 0
        package var failures = 0
        package var challenges = 0
        package var unknownUsers = 0
        package var addresses: Set<String> = []

        package var attackLines: Int { failures + challenges + unknownUsers }
    }

    package var lines: Int
    package var attackShare: Double
    package var attackers: Int
    package var seed: UInt64

    package init(lines: Int, attackShare: Double = 0.05, attackers: Int = 300, seed: UInt64 = 42) {
        self.lines = lines
        self.attackShare = attackShare
        self.attackers = attackers
        self.seed = seed
    }

    /// Writes the log to `path`.
    package func write(to path: String) throws -> Truth {
        var random = SimulationRandom(seed: seed)
        let addresses = (0..<attackers).map { index in
            ["192.0.2", "198.51.100", "203.0.113"][index % 3] + ".\(index / 3 % 254 + 1)"
        }
        // Skewed: a few addresses do most of the work.
        let weights = (0..<attackers).map { 1.0 / Double($0 + 1) }
        let total = weights.reduce(0, +)
        var cumulative: [Double] = []
        var sum = 0.0
        for weight in weights {
            sum += weight / total
            cumulative.append(sum)
        }
        let users = ["1000", "1001", "100", "admin", "test", "'or''='", "9011972", "00370", "+88216"]
        var truth = Truth()
        var output = Data()
        output.reserveCapacity(1 << 22)
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        defer { try? handle.close() }
        var second = 1_795_000_000
        for index in 0..<lines {
            if index % 40 == 0 { second += 1 }
            let time = CivilTime.utcText(epochSeconds: Int64(second)) + String(format: ".%06d", index % 1_000_000)
            var line: String
            if random.chance(attackShare) {
                let unit = random.unit()
                let address = addresses[cumulative.firstIndex { $0 >= unit } ?? (attackers - 1)]
                truth.addresses.insert(address)
                let user = random.pick(users) + (random.chance(0.5) ? random.digits(random.int(2...9)) : "")
                let method = random.chance(0.6) ? "REGISTER" : "INVITE"
                switch random.int(0...9) {
                case 0...3:
                    truth.failures += 1
                    line =
                        "\(time) [WARNING] sofia_reg.c:1729 SIP auth failure (\(method)) on sofia profile 'external' for [\(user)@pbx.example.com] from ip \(address)"
                case 4...7:
                    truth.challenges += 1
                    line =
                        "\(time) [WARNING] sofia_reg.c:2889 SIP auth challenge (\(method)) on sofia profile 'external' for [\(user)@pbx.example.com] from ip \(address)"
                default:
                    truth.unknownUsers += 1
                    line =
                        "\(time) [WARNING] sofia_reg.c:2859 Can't find user [\(user)@pbx.example.com] from \(address)"
                }
            } else {
                let uuid = random.uuid()
                let prefix = random.chance(0.3) ? uuid + " " : ""
                let account = 1000 + random.int(0...59)
                switch random.int(0...9) {
                case 0:
                    line =
                        "\(time) [DEBUG] sofia.c:2380 IP \(random.pick(addresses)) Rejected by acl \"domains\". Falling back to Digest auth."
                case 1:
                    line =
                        "\(time) [INFO] sofia_reg.c:2011 Register: from \(account)@pbx.example.com contact from 10.0.\(random.int(0...3)).\(random.int(2...250))"
                case 2:
                    line =
                        "\(time) [WARNING] switch_core_media.c:5573 Audio Codec Compare [PCMA:8:8000:20:64000:1]/[PCMU:0:8000:20:64000:1]"
                case 3...5:
                    line =
                        "\(prefix)EXECUTE [depth=0] sofia/internal/\(account)@pbx.example.com set(effective_caller_id_number=\(account))"
                case 6:
                    line =
                        "\(prefix)\(time) [NOTICE] switch_channel.c:1104 New Channel sofia/internal/\(account)@pbx.example.com [\(uuid)]"
                case 7:
                    line =
                        "\(prefix)\(time) [NOTICE] switch_channel.c:3993 Channel [sofia/internal/\(account)@pbx.example.com] has been answered"
                case 8:
                    line =
                        "\(prefix)\(time) [INFO] mod_dialplan_xml.c:637 Processing \(account) <\(account)>->9011442079460\(random.digits(3)) in context default"
                default:
                    line =
                        "\(prefix)\(time) [NOTICE] sofia.c:8736 Hangup sofia/internal/\(account)@pbx.example.com [CS_EXECUTE] [NORMAL_CLEARING]"
                }
            }
            output.append(contentsOf: line.utf8)
            output.append(0x0A)
            truth.lines += 1
            if output.count >= 1 << 22 {
                try handle.write(contentsOf: output)
                output.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: output)
        return truth
    }
}
