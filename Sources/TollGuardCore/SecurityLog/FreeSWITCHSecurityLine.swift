import Foundation

/// Reads FreeSWITCH's security lines (`log-auth-failures=true` on the Sofia profiles), in every
/// shape seen in the wild: classic, the 1.10.7+ idle-CPU `NN.NN%` column, a channel-UUID prefix,
/// no-year dates, `[WARN]`/`[WARNING]`, `[SOFIA]` tags, syslog and journald prefixes, IPv4 and IPv6.
///
///     2026-11-21 03:12:01.123456 97.13% [WARNING] sofia_reg.c:1729 SIP auth failure (REGISTER) on sofia profile 'internal' for [1001@pbx] from ip 203.0.113.5
///     2026-11-21 03:12:01.123456 [WARNING] sofia_reg.c:2859 Can't find user [1001@pbx] from 203.0.113.5
///     2026-11-21 03:12:01.123456 [DEBUG] sofia.c:2380 IP 203.0.113.5 Rejected by acl "domains". Falling back to Digest auth.
///
/// The address is the line's last token — `network_ip`, which sofia writes last — or, for the
/// ACL line, the token after `IP ` at the start of the message; the user part between them is
/// attacker text (it can hold `] from ip 6.6.6.6`, quotes, anything) and is only ever taken as
/// the user.
package struct FreeSWITCHSecurityLine {
    private static let regMarker = Array("sofia_reg.c:".utf8)
    private static let sofiaMarker = Array("sofia.c:".utf8)
    private static let aclSuffix = Array("Falling back to Digest auth.".utf8)
    private static let failure = Array("SIP auth failure (".utf8)
    private static let challenge = Array("SIP auth challenge (".utf8)
    private static let cantFind = Array("Can't find user [".utf8)
    private static let forOpen = Array("' for [".utf8)
    private static let fromIP = Array("] from ip ".utf8)
    private static let from = Array("] from ".utf8)
    private static let aclStart = Array("IP ".utf8)
    private static let aclRejected = Array(" Rejected by acl ".utf8)

    /// Year for dates written without one (`08-03 07:56:53`).
    package var year: Int
    private var converter: LocalTimeConverter

    package init(timeZone: TimeZone, year: Int) {
        self.year = year
        converter = LocalTimeConverter(timeZone: timeZone)
    }

    /// Whether the line starts a security message but lacks its end (its user part held a line
    /// break): the next line may finish it.
    package static func isUnfinishedStart(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        // Both messages hold a quote (`profile 'NAME'`, `Can't`): most lines are out at one memchr.
        guard let base = line.baseAddress, memchr(base, 0x27, line.count) != nil,
            let marker = line.firstOccurrence(of: regMarker)
        else { return false }
        let message = messageStart(line, after: marker.upperBound)
        return line[message...].starts(with: failure) || line[message...].starts(with: challenge)
            || line[message...].starts(with: cantFind)
    }

    /// Whether the line starts a log record of FreeSWITCH's own making: its prefix — a time, a
    /// known level tag like `[WARNING]`, a source `file.c:LINE` — and not the rest of a record
    /// broken by a line break (whose text, written by whoever sent the request, may imitate a tag).
    package mutating func startsRecord(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let limit = Swift.min(line.endIndex, 160)
        guard let tag = Self.levelTag(line, before: limit) else { return false }
        var close = tag + 2
        while close < limit, line[close] != 0x5D { close += 1 }
        guard close < limit, Self.levelNames.contains(where: { line[(tag + 2)..<close].elementsEqual($0) }) else {
            return false
        }
        // The source, `file.c:LINE`, soon after the tag (`[WARNING] sofia_reg.c:1729`, or
        // `[WARN] [SOFIA] [sofia_reg.c:4130]`).
        let window = UnsafeBufferPointer(rebasing: line[(close + 1)..<Swift.min(line.endIndex, close + 48)])
        guard let source = window.firstOccurrence(of: Self.sourceSuffix), source.upperBound < window.endIndex,
            window[source.upperBound] >= 0x30, window[source.upperBound] <= 0x39
        else { return false }
        return Self.hasTimestamp(line, before: tag)
    }

    /// Whether the tokens before the level tag are a date and a clock (`2026-11-21 03:12:01.123456`
    /// or `11-21 03:12:01.123456`, an `NN.NN%` column allowed after them): read by shape, without
    /// converting the time, as it is asked of many lines.
    private static func hasTimestamp(_ line: UnsafeBufferPointer<UInt8>, before tag: Int) -> Bool {
        func token(endingAt end: Int) -> Range<Int> {
            var start = end
            while start > line.startIndex, line[start - 1] != 0x20 { start -= 1 }
            return start..<end
        }
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        var clock = token(endingAt: tag)
        if let last = clock.last, line[last] == 0x25, clock.lowerBound > line.startIndex {  // NN.NN%
            clock = token(endingAt: clock.lowerBound - 1)
        }
        // HH:MM:SS, then optional fractions.
        guard clock.count >= 8, isDigit(line[clock.lowerBound]), isDigit(line[clock.lowerBound + 1]),
            line[clock.lowerBound + 2] == 0x3A, line[clock.lowerBound + 5] == 0x3A, clock.lowerBound > line.startIndex
        else { return false }
        let date = token(endingAt: clock.lowerBound - 1)
        let dashes = line[date].count { $0 == 0x2D }
        return (dashes == 2 && date.count == 10 || dashes == 1 && date.count == 5)
            && line[date].allSatisfy {
                isDigit($0) || $0 == 0x2D
            }
    }

    private static let sourceSuffix = Array(".c:".utf8)
    private static let levelNames = ["CONSOLE", "ALERT", "CRIT", "ERR", "WARNING", "WARN", "NOTICE", "INFO", "DEBUG"]
        .map { Array($0.utf8) }

    /// The event on `line`, or `nil` when it is not a FreeSWITCH security line.
    package mutating func parse(_ line: UnsafeBufferPointer<UInt8>) -> SecurityEvent? {
        var end = line.endIndex
        while end > line.startIndex, line[end - 1] == 0x0D || line[end - 1] == 0x20 { end -= 1 }
        let text = UnsafeBufferPointer(rebasing: line[line.startIndex..<end])
        if text.count > Self.aclSuffix.count, text[(text.count - Self.aclSuffix.count)...].elementsEqual(Self.aclSuffix)
        {
            return parseACL(text)
        }
        // The last token must look like an address before anything else is looked at.
        var tokenStart = text.count
        while tokenStart > 0, Self.isAddressByte(text[tokenStart - 1]), text.count - tokenStart <= 47 {
            tokenStart -= 1
        }
        guard tokenStart > 0, tokenStart < text.count, text[tokenStart - 1] == 0x20,
            let marker = text.firstOccurrence(of: Self.regMarker)
        else { return nil }
        let message = Self.messageStart(text, after: marker.upperBound)
        let body = text[message..<(tokenStart - 1)]
        // The message first: most sofia_reg.c lines ending in an address (`Register: ...`) are
        // not security lines, and validating the address is the costly part.
        let isAuth = body.starts(with: Self.failure) || body.starts(with: Self.challenge)
        guard isAuth || body.starts(with: Self.cantFind) else { return nil }
        let address = String(decoding: text[tokenStart...], as: UTF8.self)
        guard IPAddressRange.address(address) != nil else { return nil }
        var event: SecurityEvent
        if isAuth {
            // ...(METHOD) on sofia profile 'NAME' for [USER@DOMAIN] from ip
            guard body.count >= Self.fromIP.count - 1,
                body.suffix(Self.fromIP.count - 1).elementsEqual(Self.fromIP.dropLast()),
                let userOpen = body.firstOccurrence(of: Self.forOpen)
            else { return nil }
            let isFailure = body.starts(with: Self.failure)
            let methodStart = body.startIndex + (isFailure ? Self.failure.count : Self.challenge.count)
            let methodEnd = body[methodStart...].firstIndex(of: 0x29) ?? methodStart
            let userEnd = body.endIndex - (Self.fromIP.count - 1)
            guard userOpen.upperBound <= userEnd else { return nil }
            event = SecurityEvent(
                source: .freeswitch, kind: isFailure ? .authFailure : .authChallenge, ip: address,
                user: String(decoding: body[userOpen.upperBound..<userEnd], as: UTF8.self),
                method: String(decoding: body[methodStart..<methodEnd], as: UTF8.self))
        } else {
            guard body.count >= Self.from.count - 1,
                body.suffix(Self.from.count - 1).elementsEqual(Self.from.dropLast())
            else { return nil }
            let userStart = body.startIndex + Self.cantFind.count
            let userEnd = body.endIndex - (Self.from.count - 1)
            guard userStart <= userEnd else { return nil }
            event = SecurityEvent(
                source: .freeswitch, kind: .unknownUser, ip: address,
                user: String(decoding: body[userStart..<userEnd], as: UTF8.self))
        }
        event.time = time(text, before: marker.lowerBound)
        return event
    }

    /// Reads an ACL rejection (`IP 203.0.113.5 Rejected by acl "domains". Falling back to Digest auth.`).
    private mutating func parseACL(_ text: UnsafeBufferPointer<UInt8>) -> SecurityEvent? {
        guard let marker = text.firstOccurrence(of: Self.sofiaMarker) else { return nil }
        let message = Self.messageStart(text, after: marker.upperBound)
        let body = text[message...]
        guard body.starts(with: Self.aclStart) else { return nil }
        let addressStart = body.startIndex + Self.aclStart.count
        var addressEnd = addressStart
        while addressEnd < body.endIndex, Self.isAddressByte(body[addressEnd]) { addressEnd += 1 }
        guard body[addressEnd...].starts(with: Self.aclRejected) else { return nil }
        let address = String(decoding: body[addressStart..<addressEnd], as: UTF8.self)
        guard IPAddressRange.address(address) != nil else { return nil }
        return SecurityEvent(
            source: .freeswitch, kind: .aclRejected, ip: address, time: time(text, before: marker.lowerBound))
    }

    /// Where the message starts after a `file.c:` marker: past the line number, a closing `]`
    /// and spaces.
    private static func messageStart(_ text: UnsafeBufferPointer<UInt8>, after index: Int) -> Int {
        var position = index
        while position < text.endIndex, text[position] >= 0x30, text[position] <= 0x39 { position += 1 }
        if position < text.endIndex, text[position] == 0x5D { position += 1 }
        while position < text.endIndex, text[position] == 0x20 { position += 1 }
        return position
    }

    /// The time written before the level tag (`[WARNING]`): `YYYY-MM-DD HH:MM:SS.ffffff` or
    /// `MM-DD HH:MM:SS.ffffff`, with an optional `NN.NN%` column after it.
    private mutating func time(_ text: UnsafeBufferPointer<UInt8>, before limit: Int) -> Date? {
        guard let tag = Self.levelTag(text, before: limit) else { return nil }
        // The last three tokens before the tag, nearest first: [NN.NN%] clock date.
        var found = 0
        var nearest = 0..<0, middle = 0..<0, farthest = 0..<0
        var end = tag
        while found < 3 {
            while end > text.startIndex, text[end - 1] == 0x20 { end -= 1 }
            var start = end
            while start > text.startIndex, text[start - 1] != 0x20 { start -= 1 }
            guard start < end else { break }
            switch found {
            case 0: nearest = start..<end
            case 1: middle = start..<end
            default: farthest = start..<end
            }
            found += 1
            end = start
        }
        var clock = nearest, date = middle
        if found >= 1, text[nearest.upperBound - 1] == 0x25 {  // NN.NN%
            (clock, date) = (middle, farthest)
            found -= 1
        }
        guard found >= 2 else { return nil }
        let dashes = text[date].count { $0 == 0x2D }
        let parsed: ParsedTimestamp?
        if dashes == 2, date.upperBound + 1 == clock.lowerBound {
            // `YYYY-MM-DD HH:MM:SS.ffffff`, read where it is.
            parsed = TimestampParser.parse(text[date.lowerBound..<clock.upperBound])
        } else if dashes == 1 || dashes == 2 {
            let year = dashes == 1 ? Array(String(year).utf8) + [0x2D] : []
            let stamp = year + text[date] + [0x20] + text[clock]
            parsed = stamp.withUnsafeBufferPointer { TimestampParser.parse($0[...]) }
        } else {
            return nil
        }
        guard let parsed else { return nil }
        return Date(timeIntervalSince1970: Double(converter.epochSeconds(parsed)))
    }

    /// The level tag: the first " [" followed by an upper-case letter (syslog's `name[pid]`
    /// has no space before its bracket).
    private static func levelTag(_ text: UnsafeBufferPointer<UInt8>, before limit: Int) -> Int? {
        var tag = text.startIndex
        while tag + 2 < limit {
            if text[tag] == 0x20, text[tag + 1] == 0x5B, text[tag + 2] >= 0x41, text[tag + 2] <= 0x5A { return tag }
            tag += 1
        }
        return nil
    }

    private static func isAddressByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x3A) || byte == 0x2E || (byte >= 0x61 && byte <= 0x66)
            || (byte >= 0x41 && byte <= 0x46)
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The first occurrence of `needle` in `self[range]` (all of it by default).
    ///
    /// Looks for the
    /// needle's rarest byte — `_` or `'` when it has one — with `memchr`, then compares.
    func firstOccurrence(of needle: [UInt8], in range: Range<Int>? = nil) -> Range<Int>? {
        let range = range ?? startIndex..<endIndex
        guard !needle.isEmpty, needle.count <= range.count, let base = baseAddress else { return nil }
        let anchor = needle.firstIndex(of: 0x5F) ?? needle.firstIndex(of: 0x27) ?? 0
        let byte = Int32(needle[anchor])
        var position = range.lowerBound + anchor
        let lastStart = range.upperBound - needle.count
        while position - anchor <= lastStart {
            guard let found = memchr(base + position, byte, range.upperBound - position) else { return nil }
            let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            let start = index - anchor
            if start > lastStart { return nil }
            if start >= range.lowerBound, memcmp(base + start, needle, needle.count) == 0 {
                return start..<(start + needle.count)
            }
            position = index + 1
        }
        return nil
    }
}

extension Slice<UnsafeBufferPointer<UInt8>> {
    /// The first occurrence of `needle` in the slice.
    func firstOccurrence(of needle: [UInt8]) -> Range<Int>? {
        base.firstOccurrence(of: needle, in: startIndex..<endIndex)
    }
}
