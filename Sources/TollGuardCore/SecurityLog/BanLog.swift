import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The ban log fail2ban reads (`Data/fail2ban/filter.d/tollguard.conf`). One fixed line per ban:
///
///     2026-11-21T03:12:01Z tollguard ban ip=203.0.113.5 rule=sip_auth_failures count=10 seen=2026-11-21T03:11:58Z
///
/// written with one `write(2)` on an `O_APPEND` descriptor, so lines from concurrent writers
/// never interleave. The first time is when TollGuard decided (fail2ban's `findtime` counts from
/// it); `seen` is the log time of the line that crossed the threshold, so scanning the same log
/// again appends no ban the log holds already. The address is re-parsed and written in its
/// canonical form, so nothing but an address `inet_ntop` wrote can reach fail2ban's `<ADDR>`.
package struct BanLog: Sendable {
    package let path: String

    package init(path: String) { self.path = path }

    private static let stampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt)

    /// The line for a ban decided at `time` on a log line of `seen`, or `nil` when `ip` is not an address.
    package static func line(ip: String, rule: AnalysisRule, count: Int, at time: Date, seen: Date) -> String? {
        guard let address = canonicalAddress(ip) else { return nil }
        return "\(stampStyle.format(time)) tollguard ban ip=\(address) \(identity(rule: rule, seen: seen))"
            .replacingOccurrences(of: " seen=", with: " count=\(max(0, count)) seen=") + "\n"
    }

    /// What makes a line the same ban: the address, the rule and the log time that crossed it.
    private static func identity(rule: AnalysisRule, seen: Date) -> String {
        "rule=\(rule.rawValue) seen=\(stampStyle.format(seen))"
    }

    /// How many bans the log holds for each address (none when it cannot be read).
    package func banCounts() -> [String: Int] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("ip=") }) else { continue }
            counts[String(field.dropFirst(3)), default: 0] += 1
        }
        return counts
    }

    /// The bans the log holds already, as `ip rule=… seen=…` (lines of older versions, without
    /// `seen`, match nothing).
    private func written() -> Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var keys: Set<String> = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 7, fields[1] == "tollguard", fields[2] == "ban" else { continue }
            keys.insert("\(fields[3].dropFirst(3)) \(fields[4]) \(fields[6])")
        }
        return keys
    }

    /// Appends one line per ban (once per address) unless the log holds that ban already;
    /// returns the bans written.
    @discardableResult
    package func append(_ bans: [SIPAttackDetector.Ban], at time: Date = Date()) throws -> [SIPAttackDetector.Ban] {
        guard !bans.isEmpty else { return [] }
        var seen: Set<String> = []
        var written: [SIPAttackDetector.Ban] = []
        var text = ""
        let logged = self.written()
        for ban in bans where seen.insert(ban.ip).inserted {
            guard let address = Self.canonicalAddress(ban.ip),
                !logged.contains("\(address) \(Self.identity(rule: ban.rule, seen: ban.time))"),
                let line = Self.line(ip: ban.ip, rule: ban.rule, count: ban.count, at: time, seen: ban.time)
            else { continue }
            text += line
            written.append(ban)
        }
        guard !text.isEmpty else { return [] }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw FileReadError(path: path, reason: "cannot open the ban log: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard count == bytes.count else {
            throw FileReadError(path: path, reason: "cannot write the ban log: \(String(cString: strerror(errno)))")
        }
        return written
    }

    /// `203.0.113.5`, `2001:db8::5` — as `inet_ntop` writes them; `nil` for anything else.
    package static func canonicalAddress(_ text: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        func written() -> String {
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1, inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count)) != nil {
            return written()
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1, inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil {
            return written()
        }
        return nil
    }
}
