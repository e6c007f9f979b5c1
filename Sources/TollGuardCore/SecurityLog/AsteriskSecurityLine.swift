import Foundation

/// Reads Asterisk's security lines from `messages`/`full` and from the `security` log channel.
///
/// Lines like these:
///
///     [2026-11-21 03:12:01] NOTICE[2041] chan_sip.c: Registration from '"1001" <sip:1001@pbx>' failed for '198.51.100.23:5072' - Wrong password
///     [2026-11-21 03:12:05] NOTICE[2051] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:1001@pbx>' failed for '198.51.100.24:5060' (callid: 12345) - No matching endpoint found
///     [2026-11-21 03:12:06] NOTICE[2051][C-0000002f] res_pjsip_session.c: Call from 'anonymous' (UDP:198.51.100.25:5060) to extension '0046812345678' rejected because extension not found in context 'from-external'.
///     [2026-11-21 03:12:07] NOTICE[2060] chan_iax2.c: Host 198.51.100.26 failed MD5 authentication for 'iax1' (1234 != 5678)
///     [2026-11-21 03:12:08] NOTICE[2061] manager.c: 198.51.100.27 tried to authenticate with nonexistent user 'admin'
///     [2026-11-21 03:12:09] SECURITY[2064] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="…",Severity="Error",Service="SIP",EventVersion="1",AccountID="1001",SessionID="…",LocalAddress="IPV4/UDP/203.0.113.77/5060",RemoteAddress="IPV4/UDP/198.51.100.28/5060"
///
/// with `[date]` (ISO or the old `Mon DD HH:MM:SS`), syslog or journald prefixes, optional
/// `[C-…]` call ids and `file.c:LINE in function:` sources.
///
/// Every message has attacker text (a From header, a user name, a dialled number, a Call-ID) on
/// one or both sides of the address. The address is read where Asterisk writes it: counted from
/// the end of the line through the message's fixed tail, or, where attacker text lies on both
/// sides, as the one place where the fixed text around an address appears. When attacker text
/// imitates that frame so that more than one place qualifies, or none does, the line is
/// reported as ``SecurityLineReading/unparsedAttack(reason:)`` and attributed to nobody: never
/// to a decoy, and never dropped.
package struct AsteriskSecurityLine {
    package typealias Parsed = SecurityLineReading

    /// Level tags as Asterisk writes them, `NOTICE[2041]`, and spaced, `NOTICE [2041]`.
    private static let levels = ["NOTICE", "SECURITY", "WARNING", "ERROR"].flatMap { [$0 + "[", $0 + " ["] }.map {
        Array($0.utf8)
    }
    private static let registrationReasons: [(String, SecurityEventKind)] = [
        ("Wrong password", .authFailure), ("Username/auth name mismatch", .authFailure),
        ("No matching peer found", .unknownUser), ("Not a local domain", .aclRejected),
        ("Device does not match ACL", .aclRejected), ("Peer is not supposed to register", .aclRejected),
        ("ACL error (permit/deny)", .aclRejected),
    ]
    private static let requestReasons: [(String, SecurityEventKind)] = [
        ("No matching endpoint found", .unknownUser), ("Not match Endpoint Contact ACL", .aclRejected),
        ("Not match Endpoint ACL", .aclRejected), ("Failed to authenticate", .authFailure),
        ("Error to authenticate", .authFailure),
    ]
    private static let securityEvents: [String: SecurityEventKind] = [
        "InvalidAccountID": .unknownUser, "ChallengeResponseFailed": .authFailure, "InvalidPassword": .authFailure,
        "FailedACL": .aclRejected, "ChallengeSent": .authChallenge, "SuccessfulAuth": .successfulAuth,
    ]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Year for dates written without one (`Nov 21 03:12:01`).
    package var year: Int
    private var converter: LocalTimeConverter

    package init(timeZone: TimeZone, year: Int) {
        self.year = year
        converter = LocalTimeConverter(timeZone: timeZone)
    }

    /// The line's meaning, or `nil` when it is not an Asterisk security line.
    package mutating func parse(_ line: UnsafeBufferPointer<UInt8>) -> Parsed? {
        // The earliest level tag is Asterisk's own; a later one is inside the message (attacker text).
        guard
            let level = Self.levels.compactMap({ line.firstOccurrence(of: $0) }).min(by: {
                $0.lowerBound < $1.lowerBound
            })
        else { return nil }
        var end = line.endIndex
        while end > line.startIndex, line[end - 1] == 0x20 || line[end - 1] == 0x0D { end -= 1 }
        guard let source = Self.sourceStart(line, afterLevel: level.upperBound), source <= end else { return nil }
        let parsedMessage: Parsed?
        if let rejected = Self.rejectedConnection(UnsafeBufferPointer(rebasing: line[source..<end])) {
            parsedMessage = rejected
        } else {
            guard let messageStart = Self.messageStart(line, atSource: source), messageStart <= end else {
                return nil
            }
            parsedMessage = Self.parseMessage(String(decoding: line[messageStart..<end], as: UTF8.self))
        }
        guard var parsed = parsedMessage else { return nil }
        if case .event(var event) = parsed {
            event.time = time(line, before: level.lowerBound)
            parsed = .event(event)
        }
        return parsed
    }

    private static let allLevels = ["VERBOSE", "DEBUG", "NOTICE", "WARNING", "ERROR", "SECURITY", "DTMF"].flatMap {
        [$0 + "[", $0 + " ["]
    }.map { Array($0.utf8) }

    /// Whether the line starts a log record of Asterisk's own making — a time, then a level tag
    /// like `NOTICE[2041]` — and is not the rest of a record broken by a line break.
    package mutating func startsRecord(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let head = UnsafeBufferPointer(rebasing: line[line.startIndex..<Swift.min(line.endIndex, 160)])
        guard
            let level = Self.allLevels.compactMap({ head.firstOccurrence(of: $0) }).min(by: {
                $0.lowerBound < $1.lowerBound
            }), level.lowerBound >= 2, line[level.lowerBound - 1] == 0x20
        else { return false }
        return time(line, before: level.lowerBound) != nil
    }

    // MARK: - Messages

    static func parseMessage(_ message: String) -> Parsed? {
        if message.hasPrefix("SecurityEvent=\"") { return securityEvent(message) }
        if message.hasPrefix("Registration from '") { return registration(message) }
        if message.hasPrefix("Request ") { return request(message) }
        if message.hasPrefix("Call from '") || message.hasPrefix("Call (") { return dialAttempt(message) }
        // PJSIP names the endpoint first: `anonymous: Call (UDP:ADDRESS:PORT) to extension …`.
        if let colon = message.firstIndex(of: ":"), message[colon...].hasPrefix(": Call ("),
            message[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) })
        {
            return dialAttempt(String(message[message.index(colon, offsetBy: 2)...]))
        }
        if message.hasPrefix("No registration for peer '") { return noRegistration(message) }
        if message.hasPrefix("hacking attempt detected '"), message.hasSuffix("'") {
            let address = message.dropFirst("hacking attempt detected '".count).dropLast()
            return recognized(.authFailure, address: address)
        }
        return hostAuthentication(message)
    }

    /// chan_sip: `Registration from 'FROM' failed for 'ADDRESS:PORT' - REASON`.
    ///
    /// Nothing the
    /// attacker writes follows the address, so it is read from the right.
    private static func registration(_ message: String) -> Parsed? {
        guard let (reason, kind) = registrationReasons.first(where: { message.hasSuffix("' - " + $0.0) }) else {
            return nil
        }
        let head = message.dropLast(reason.count + 4)
        guard let marker = head.range(of: "' failed for '", options: .backwards) else { return nil }
        let from = head[head.index(head.startIndex, offsetBy: "Registration from '".count)..<marker.lowerBound]
        guard var parsed = newEvent(kind, address: stripPort(head[marker.upperBound...])) else {
            return .unparsedAttack(reason: "no address where chan_sip writes it (failed for 'ADDRESS' - \(reason))")
        }
        parsed.describe(from: from)
        parsed.method = "REGISTER"
        return .event(parsed)
    }

    /// PJSIP: `Request 'METHOD' from 'FROM' failed for 'ADDRESS:PORT' (callid: CALLID) - REASON`.
    ///
    /// Both the From header and the Call-ID are the attacker's, so the address is the one place
    /// where `' failed for '`, an address and `' (callid: ` follow each other.
    private static func request(_ message: String) -> Parsed? {
        var rest = message.dropFirst("Request ".count)
        var method: String?
        if rest.hasPrefix("'"), let close = rest.dropFirst().firstIndex(of: "'") {
            method = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            guard rest.hasPrefix(" ") else { return nil }
            rest = rest.dropFirst()
        }
        guard rest.hasPrefix("from '") else { return nil }
        let body = rest.dropFirst("from '".count)
        // The reason ends the line (`- No matching endpoint found after 5 tries in 2.500 ms`).
        guard
            let (kind, reasonStart) = requestReasons.lazy.compactMap({
                reason, kind -> (SecurityEventKind, String.Index)? in
                guard let found = body.range(of: ") - " + reason, options: .backwards),
                    !body[found.upperBound...].contains("'")
                else { return nil }
                return (kind, found.lowerBound)
            }).first
        else { return nil }
        let head = body[..<reasonStart]
        let found = framedAddresses(in: head, before: "' failed for '", after: "' (callid: ")
        guard let only = found.first, found.count == 1 else {
            return .unparsedAttack(reason: ambiguity(found.count, frame: "failed for 'ADDRESS' (callid:"))
        }
        guard var parsed = newEvent(kind, address: only.address) else { return nil }
        parsed.describe(from: head[..<only.frame.lowerBound])
        parsed.method = method
        return .event(parsed)
    }

    /// Every place in `text` where `before`, an address (with its port, `[IPv6]:port` too, after
    /// a `UDP:`-like transport) and `after` follow each other: the frame the PBX writes around it.
    private static func framedAddresses(
        in text: Substring, before: String, after: String
    ) -> [(address: String, frame: Range<Substring.Index>)] {
        var found: [(String, Range<Substring.Index>)] = []
        var searchStart = text.startIndex
        while let marker = text[searchStart...].range(of: before) {
            searchStart = marker.upperBound
            guard let close = text[marker.upperBound...].range(of: after) else { break }
            let address = stripPort(withoutTransport(text[marker.upperBound..<close.lowerBound]))
            if isAddress(address) { found.append((address, marker.lowerBound..<close.upperBound)) }
        }
        return found
    }

    /// `UDP:198.51.100.1:5060` → `198.51.100.1:5060`.
    private static func withoutTransport(_ text: Substring) -> Substring {
        for transport in ["UDP:", "TCP:", "TLS:", "WS:", "WSS:"] where text.hasPrefix(transport) {
            return text.dropFirst(transport.count)
        }
        return text
    }

    /// Why a message's address could not be located: no place, or several, framed as the PBX frames it.
    private static func ambiguity(_ count: Int, frame: String) -> String {
        count == 0
            ? "no address where Asterisk writes it (\(frame))"
            : "\(count) places framed as Asterisk frames the address (\(frame)): attacker text imitates it"
    }

    /// chan_sip and PJSIP: `Call from 'NAME' (ADDRESS:PORT) to extension 'EXTEN' rejected because
    /// extension not found in context 'CONTEXT'.`, PJSIP's `Call (UDP:ADDRESS:PORT) to extension …`.
    ///
    /// Without a caller's name the address follows `Call (` at once. With one, the name and the
    /// dialled extension are both the attacker's, so the address is the one place where
    /// `' (`, an address and `) to extension '` follow each other.
    private static func dialAttempt(_ message: String) -> Parsed? {
        var text = Substring(message)
        if text.hasSuffix(".") { text = text.dropLast() }
        guard text.hasSuffix("'"),
            let contextMarker = text.range(
                of: "' rejected because extension not found in context '", options: .backwards)
        else { return nil }
        let head = text[..<contextMarker.lowerBound]
        let found: [(address: String, frame: Range<Substring.Index>)]
        if head.hasPrefix("Call (") {
            found = framedAddresses(in: head.prefix(while: { $0 != "'" }), before: "Call (", after: ") to extension ")
        } else {
            found = framedAddresses(in: head, before: "' (", after: ") to extension '")
        }
        guard let only = found.first, found.count == 1 else {
            return .unparsedAttack(reason: ambiguity(found.count, frame: "(ADDRESS) to extension '…'"))
        }
        guard var parsed = newEvent(.unknownExtension, address: only.address) else { return nil }
        var dialed = head[only.frame.upperBound...]
        if dialed.hasPrefix("'") { dialed = dialed.dropFirst() }
        parsed.dialed = String(dialed)
        if text.hasPrefix("Call from '") {
            let caller = text[text.index(text.startIndex, offsetBy: "Call from '".count)..<only.frame.lowerBound]
            parsed.describe(from: caller)
        }
        parsed.method = "INVITE"
        return .event(parsed)
    }

    /// The dial plan's `Rejecting unknown SIP connection from ADDRESS`, read from the end of the line.
    ///
    /// Written by `Log(WARNING, "Rejecting unknown SIP connection from ${CHANNEL(recvip)}")` (FreePBX
    /// and others) as `[pid][C-…] Ext. s: "Rejecting unknown SIP connection from ADDRESS"`, the
    /// address with or without its port, IPv6 bare or bracketed. The extension after `Ext.` may be
    /// dialled text, so the message is read from the end of the line.
    static func rejectedConnection(_ source: UnsafeBufferPointer<UInt8>) -> Parsed? {
        // The Log application's source, `Ext. `.
        guard source.starts(with: " Ext. ".utf8) else { return nil }
        let text = String(decoding: source, as: UTF8.self)
        guard let marker = text.range(of: "Rejecting unknown SIP connection from ", options: .backwards) else {
            return nil
        }
        var address = text[marker.upperBound...]
        if text[..<marker.lowerBound].hasSuffix("\"") {
            guard address.hasSuffix("\"") else { return nil }
            address = address.dropLast()
        }
        guard let event = newEvent(.aclRejected, address: stripPort(address)) else {
            return .unparsedAttack(
                reason: "no address where the dial plan writes it (Rejecting unknown SIP connection from ADDRESS)")
        }
        return .event(event)
    }

    /// chan_sip: `No registration for peer 'NAME' (from ADDRESS)`.
    private static func noRegistration(_ message: String) -> Parsed? {
        guard message.hasSuffix(")"), let marker = message.range(of: "' (from ", options: .backwards) else {
            return nil
        }
        guard var parsed = newEvent(.unknownUser, address: message[marker.upperBound...].dropLast()) else { return nil }
        parsed.user = String(message[message.index(message.startIndex, offsetBy: 26)..<marker.lowerBound])
        return .event(parsed)
    }

    /// IAX2 and AMI, where the address leads the message:
    /// `Host ADDRESS failed MD5 authentication for 'USER' (…)`, `Host ADDRESS failed to authenticate as USER`,
    /// `ADDRESS failed to authenticate as 'USER'`, `ADDRESS tried to authenticate with nonexistent user 'USER'`.
    private static func hostAuthentication(_ message: String) -> Parsed? {
        var rest = Substring(message)
        if rest.hasPrefix("Host ") { rest = rest.dropFirst(5) }
        guard let space = rest.firstIndex(of: " ") else { return nil }
        let address = rest[..<space]
        let phrase = rest[rest.index(after: space)...]
        let kind: SecurityEventKind
        let userText: Substring
        if phrase.hasPrefix("failed MD5 authentication for ") {
            kind = .authFailure
            userText = phrase.dropFirst("failed MD5 authentication for ".count)
        } else if phrase.hasPrefix("failed to authenticate as ") {
            kind = .authFailure
            userText = phrase.dropFirst("failed to authenticate as ".count)
        } else if phrase.hasPrefix("tried to authenticate with nonexistent user ") {
            kind = .unknownUser
            userText = phrase.dropFirst("tried to authenticate with nonexistent user ".count)
        } else {
            return nil
        }
        guard var parsed = newEvent(kind, address: address) else { return nil }
        if userText.hasPrefix("'"), let close = userText.dropFirst().firstIndex(of: "'") {
            parsed.user = String(userText[userText.index(after: userText.startIndex)..<close])
        } else {
            parsed.user = String(userText)
        }
        return .event(parsed)
    }

    /// `res_security_log`: `SecurityEvent="NAME",…,RemoteAddress="IPV4/UDP/ADDRESS/PORT",…` as
    /// `key="value"` pairs whose values are written raw.
    ///
    /// Attacker text fills `AccountID` and `SessionID` (a Call-ID may hold any character) before
    /// the address, and the digest fields after it (`Response`, `ReceivedChallenge`,
    /// `ReceivedHash`), which come from quoted strings: a `"` in them arrives escaped (`\"`), or
    /// ends them. So the address is read from the right: the pairs after `RemoteAddress` must be
    /// the ones Asterisk writes for the event (its required fields, then `Module`, `ACLName`,
    /// `SessionTV`, `RequestParams`, in that order, each once), and a `\"` never closes a value.
    private static func securityEvent(_ message: String) -> Parsed? {
        let bytes = Array(message.utf8)
        let nameStart = "SecurityEvent=\"".utf8.count
        guard let nameEnd = bytes[nameStart...].firstIndex(of: 0x22) else { return nil }
        let name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
        guard let kind = securityEvents[name] else { return nil }
        guard let address = remoteAddressFromRight(bytes, tail: tailFields[name] ?? ([], [])) else {
            return .unparsedAttack(
                reason: "no RemoteAddress followed by the fields Asterisk writes after it for \(name)")
        }
        guard var parsed = newEvent(kind, address: Substring(address)) else {
            return .unparsedAttack(reason: "RemoteAddress of \(name) is not an address")
        }
        let pairs = wellFormedPairs(bytes)
        parsed.user = pairs["AccountID"].flatMap { $0.isEmpty || $0 == "<unknown>" ? nil : $0 }
        parsed.method = pairs["Service"]
        return .event(parsed)
    }

    /// The fields Asterisk writes after `RemoteAddress`, in order (`main/security_events.c`): each
    /// event's required fields, all of them, then any of the optional ones.
    private static let tailFields: [String: (required: [String], optional: [String])] = {
        let optional = ["Module", "ACLName", "SessionTV", "RequestParams"]
        return [
            "InvalidAccountID": ([], optional), "FailedACL": ([], optional),
            "ChallengeResponseFailed": (["Challenge", "Response", "ExpectedResponse"], optional),
            "InvalidPassword": (["Challenge", "ReceivedChallenge", "ReceivedHash"], optional),
            "ChallengeSent": (["Challenge"], optional), "SuccessfulAuth": (["UsingPassword"], optional),
        ]
    }()

    /// The `RemoteAddress` that the event's own fields follow, walking `,Key="value"` pairs back from the end.
    ///
    /// Optional fields in their order, then every required one, then the address. A `"` escaped
    /// by `\` never opens or closes a value.
    private static func remoteAddressFromRight(
        _ bytes: [UInt8], tail: (required: [String], optional: [String])
    ) -> String? {
        var end = bytes.endIndex
        var optional = tail.optional[...]
        var required = tail.required[...]
        while end > bytes.startIndex {
            // …,Key="value"  — `end` is past the closing quote.
            guard bytes[end - 1] == 0x22, end - 1 > bytes.startIndex else { return nil }
            var open = end - 2
            while open > bytes.startIndex, !(bytes[open] == 0x22 && bytes[open - 1] != 0x5C) { open -= 1 }
            guard open > 0, bytes[open] == 0x22, bytes[open - 1] == 0x3D else { return nil }
            var keyStart = open - 1
            while keyStart > 0, isKeyByte(bytes[keyStart - 1]) { keyStart -= 1 }
            guard keyStart < open - 1 else { return nil }
            let key = String(decoding: bytes[keyStart..<(open - 1)], as: UTF8.self)
            if required.last == key {
                required = required.dropLast()
                optional = []
            } else if let position = optional.lastIndex(of: key) {
                optional = optional[..<position]
            } else if key == "RemoteAddress", required.isEmpty {
                return addressOfTransport(bytes[(open + 1)..<(end - 1)])
            } else {
                return nil
            }
            guard keyStart > 0, bytes[keyStart - 1] == 0x2C else { return nil }
            end = keyStart - 1
        }
        return nil
    }

    /// The pairs of a line, as far as they are well formed from the left.
    private static func wellFormedPairs(_ bytes: [UInt8]) -> [String: String] {
        var pairs: [String: String] = [:]
        var position = bytes.startIndex
        while position < bytes.endIndex, let equals = bytes[position...].firstIndex(of: 0x3D),
            equals + 1 < bytes.endIndex, bytes[equals + 1] == 0x22,
            let close = bytes[(equals + 2)...].firstIndex(of: 0x22)
        {
            let key = String(decoding: bytes[position..<equals], as: UTF8.self)
            if pairs[key] == nil { pairs[key] = String(decoding: bytes[(equals + 2)..<close], as: UTF8.self) }
            guard close + 1 < bytes.endIndex, bytes[close + 1] == 0x2C else { break }
            position = close + 2
        }
        return pairs
    }

    /// `IPV4/UDP/198.51.100.28/5060`, `IPV6/TLS/2001:db8::5/5061` → the address.
    private static func addressOfTransport(_ value: ArraySlice<UInt8>) -> String? {
        let parts = value.split(separator: 0x2F, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].elementsEqual("IPV4".utf8) || parts[0].elementsEqual("IPV6".utf8) else {
            return nil
        }
        return String(decoding: parts[2], as: UTF8.self)
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x5F
    }

    // MARK: - Pieces

    private static func newEvent(_ kind: SecurityEventKind, address: some StringProtocol) -> SecurityEvent? {
        var text = String(address)
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        guard isAddress(text) else { return nil }
        return SecurityEvent(source: .asterisk, kind: kind, ip: text)
    }

    private static func recognized(_ kind: SecurityEventKind, address: some StringProtocol) -> Parsed? {
        newEvent(kind, address: address).map(Parsed.event)
    }

    private static func isAddress(_ text: String) -> Bool { IPAddressRange.address(text) != nil }

    /// `198.51.100.23:5072` → `198.51.100.23`; `[2001:db8::5]:5060` → `2001:db8::5`; a bare IPv6 stays.
    private static func stripPort(_ text: some StringProtocol) -> String {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return String(text[text.index(after: text.startIndex)..<close])
        }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            return String(text[..<colon])
        }
        return String(text)
    }

    /// Where the source starts (at its space): past the level tag's `2041]`, an optional
    /// `[C-0000001d]` and an optional `:`.
    private static func sourceStart(_ line: UnsafeBufferPointer<UInt8>, afterLevel start: Int) -> Int? {
        var position = start
        while position < line.endIndex, line[position] >= 0x30, line[position] <= 0x39 { position += 1 }
        guard position < line.endIndex, line[position] == 0x5D else { return nil }
        position += 1
        if position + 2 < line.endIndex, line[position] == 0x5B, line[position + 1] == 0x43, line[position + 2] == 0x2D
        {
            while position < line.endIndex, line[position] != 0x5D { position += 1 }
            position += 1
        }
        if position < line.endIndex, line[position] == 0x3A { position += 1 }
        return position
    }

    /// Where the message starts: past the source (`chan_sip.c:`, `chan_sip.c:25801 in
    /// handle_request_register:` or `chan_sip.c:28468 handle_request_register:`).
    private static func messageStart(_ line: UnsafeBufferPointer<UInt8>, atSource source: Int) -> Int? {
        var position = source
        guard position < line.endIndex, line[position] == 0x20 else { return nil }
        position += 1
        // The source file token ends with ':' (optionally followed by a line number).
        while position < line.endIndex, line[position] != 0x3A, line[position] != 0x20 { position += 1 }
        guard position < line.endIndex, line[position] == 0x3A else { return nil }
        position += 1
        let lineNumberStart = position
        while position < line.endIndex, line[position] >= 0x30, line[position] <= 0x39 { position += 1 }
        if line[position...].starts(with: " in ".utf8) {
            var colon = position + 4
            while colon < line.endIndex, line[colon] != 0x3A, line[colon] != 0x20 { colon += 1 }
            if colon < line.endIndex, line[colon] == 0x3A { position = colon + 1 }
        } else if position > lineNumberStart, position < line.endIndex, line[position] == 0x20 {
            // `chan_sip.c:28468 handle_request_register: …`: a C function name, then ": ".
            var end = position + 1
            while end < line.endIndex, isKeyByte(line[end]) { end += 1 }
            if end > position + 1, end + 1 < line.endIndex, line[end] == 0x3A, line[end + 1] == 0x20,
                !(line[position + 1] >= 0x30 && line[position + 1] <= 0x39)
            {
                position = end + 1
            }
        }
        while position < line.endIndex, line[position] == 0x20 { position += 1 }
        return position
    }

    /// The time before the level: `[2026-11-21 03:12:01(.123)]`, `[Nov 21 03:12:01]`, or a
    /// syslog/journald `Nov 21 03:12:01 host asterisk[123]:` at the start of the line.
    private mutating func time(_ line: UnsafeBufferPointer<UInt8>, before level: Int) -> Date? {
        var end = level
        while end > line.startIndex, line[end - 1] == 0x20 { end -= 1 }
        var text: String
        if end > line.startIndex, line[end - 1] == 0x5D, let open = line[..<(end - 1)].lastIndex(of: 0x5B) {
            text = String(decoding: line[(open + 1)..<(end - 1)], as: UTF8.self)
        } else {
            text = String(decoding: line[line.startIndex..<min(line.endIndex, line.startIndex + 32)], as: UTF8.self)
        }
        text = text.trimmingCharacters(in: .whitespaces)
        if let month = Self.months.firstIndex(where: { text.hasPrefix($0 + " ") }) {
            let fields = text.split(separator: " ", maxSplits: 3)
            guard fields.count >= 3, let day = Int(fields[1]) else { return nil }
            text = String(format: "%04d-%02d-%02d ", year, month + 1, day) + fields[2]
        }
        return Array(text.utf8).withUnsafeBufferPointer { buffer -> Date? in
            guard let parsed = TimestampParser.parse(buffer[...]) else { return nil }
            return Date(timeIntervalSince1970: Double(converter.epochSeconds(parsed)))
        }
    }
}

extension SecurityEvent {
    /// Fills `user` and `agent` from a From header: `"friendly-scanner" <sip:100@host>`.
    mutating func describe(from header: some StringProtocol) {
        let text = String(header)
        if let sip = text.range(of: "sip:") {
            let rest = text[sip.upperBound...]
            user = String(rest.prefix { $0 != "@" && $0 != ">" && $0 != ";" })
        } else if !text.isEmpty {
            user = text
        }
        if text.hasPrefix("\""), let close = text.dropFirst().firstIndex(of: "\"") {
            let name = text[text.index(after: text.startIndex)..<close]
            if !name.isEmpty { agent = String(name) }
        }
    }
}
