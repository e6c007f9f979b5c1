import Foundation

/// Reads the name out of a `"Name" <number>` caller id as Asterisk and FreeSWITCH write it.
package enum CallerID {
    /// The display name, without quotes; empty when the caller id carries only a number.
    package static func name(in callerID: String) -> String {
        guard let open = callerID.lastIndex(of: "<") else { return "" }
        var name = callerID[..<open].trimmingCharacters(in: .whitespaces)
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
            name = String(name.dropFirst().dropLast())
        }
        return name
    }
}

/// Reads the endpoint out of a channel name (`PJSIP/1001-00000001`, `SIP/trunk-0a1b`).
package enum ChannelName {
    /// The peer or endpoint of `channel`, or `nil` when the name has no technology prefix.
    package static func endpoint(of channel: String) -> String? {
        guard let slash = channel.firstIndex(of: "/") else { return nil }
        var peer = channel[channel.index(after: slash)...]
        // FreeSWITCH names the SIP profile first: `sofia/internal/1001@10.0.0.5`.
        if channel[..<slash].lowercased() == "sofia", let profileEnd = peer.firstIndex(of: "/") {
            peer = peer[peer.index(after: profileEnd)...]
        }
        if let at = peer.firstIndex(of: "@") { peer = peer[..<at] }
        if let dash = peer.lastIndex(of: "-"),
            peer[peer.index(after: dash)...].allSatisfy(\.isHexDigit),
            peer.index(after: dash) < peer.endIndex
        {
            peer = peer[..<dash]
        }
        return peer.isEmpty ? nil : String(peer)
    }
}

/// Finds the trunk or gateway named in a dial string (`Dial` arguments, FreeSWITCH bridge strings).
package enum DialString {
    /// The trunk of the first target in `dialString`, or `nil` when it dials an endpoint directly.
    ///
    /// `sofia/gateway/NAME/…`, `SIP/NAME/number`, `IAX2/NAME/number`, `DAHDI/g1/number` and
    /// `PJSIP/number@NAME` name a trunk; `SIP/1002` or `PJSIP/1002` dial a local endpoint.
    package static func trunk(in dialString: String) -> String? {
        let first = dialString.split(whereSeparator: { $0 == "," || $0 == "&" || $0 == "|" }).first ?? ""
        let parts = first.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        let technology = parts[0].lowercased()
        if technology == "sofia", parts.count >= 4, parts[1] == "gateway" { return String(parts[2]) }
        if technology == "pjsip", parts.count == 2, let at = parts[1].firstIndex(of: "@") {
            let name = parts[1][parts[1].index(after: at)...]
            return name.isEmpty ? nil : String(name)
        }
        if ["sip", "iax2", "dahdi", "pjsip"].contains(technology), parts.count >= 3, !parts[1].isEmpty {
            return String(parts[1])
        }
        return nil
    }
}

/// Recognizes Asterisk uniqueids (`1270167992.0`, `pbx1-1700000000.42`).
package enum AsteriskUniqueID {
    package static func looksLikeOne(_ text: String) -> Bool {
        guard let dot = text.lastIndex(of: ".") else { return false }
        let fraction = text[text.index(after: dot)...]
        var whole = text[..<dot]
        if let dash = whole.lastIndex(of: "-") { whole = whole[whole.index(after: dash)...] }
        return !fraction.isEmpty && fraction.allSatisfy(\.isASCIIDigit) && whole.count >= 9
            && whole.allSatisfy(\.isASCIIDigit)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
