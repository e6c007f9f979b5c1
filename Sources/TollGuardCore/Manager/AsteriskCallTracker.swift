import Foundation

/// Calls as the Asterisk Manager's channel events show them, before any CDR exists: the same
/// started, answered and ended steps the event socket gives for FreeSWITCH.
///
/// A call is its originating channel (the one whose `Uniqueid` is its `Linkedid`); the other
/// channels of the same `Linkedid` are its legs, and `Local/` channels are dial-plan plumbing,
/// never calls. A call starts at the first `DialBegin` its originating channel makes (the number
/// is that channel's `Exten`, as the CDR's `dst`), is answered at its `DialEnd` with
/// `DialStatus: ANSWER`, and ends at its channel's `Hangup`. Event times are the `Timestamp`
/// Asterisk adds with `timestampevents = yes`, else the time they were received.
///
/// Pure: `serve` feeds it events and hands what it returns to the live monitor.
package struct AsteriskCallTracker: Sendable {
    /// A step of a call.
    package enum Change: Sendable, Hashable {
        case started(LiveCall)
        case answered(uuid: String, at: Date)
        /// The call's channel hung up (`cause` as Asterisk gives it, Q.850); its record comes
        /// with the `Cdr` event.
        case ended(uuid: String, at: Date, cause: String)
    }

    /// The channel variable that carries the caller's address (`manager.conf` `channelvars`).
    ///
    /// The inbound dial plan sets it, as `Set(TG_SRC=${CHANNEL(pjsip,remote_addr)})` does.
    package var sourceAddressVariable: String

    /// The channel variables of the channels up, by Uniqueid, as their events gave them.
    private var variables: [String: [String: String]] = [:]
    /// The calls in progress, by their originating channel's Uniqueid.
    package private(set) var calls: [String: LiveCall] = [:]

    package init(sourceAddressVariable: String = "TG_SRC") {
        self.sourceAddressVariable = sourceAddressVariable
    }

    /// The time of `event`: its `Timestamp`, else `received`.
    package static func time(of event: AMIMessage, received: Date) -> Date {
        guard let stamp = event["Timestamp"], let seconds = Double(stamp) else { return received }
        return Date(timeIntervalSince1970: seconds)
    }

    /// Takes one event; returns what it changed.
    package mutating func handle(_ event: AMIMessage, received: Date) -> [Change] {
        let time = Self.time(of: event, received: received)
        switch event.event {
        case "Newchannel", "Newstate", "NewCallerid", "NewAccountCode", "NewConnectedLine":
            guard let uniqueid = event["Uniqueid"] else { return [] }
            variables[uniqueid, default: [:]].merge(event.channelVariables) { $1 }
            return []
        case "DialBegin":
            guard let uniqueid = event["Uniqueid"], calls[uniqueid] == nil,
                let call = call(of: event, uniqueid: uniqueid, at: time)
            else { return [] }
            calls[uniqueid] = call
            return [.started(call)]
        case "DialEnd":
            guard let uniqueid = event["Uniqueid"], var call = calls[uniqueid], call.answeredAt == nil,
                event["DialStatus"]?.uppercased() == "ANSWER"
            else { return [] }
            call.answeredAt = time
            calls[uniqueid] = call
            return [.answered(uuid: uniqueid, at: time)]
        case "Hangup":
            guard let uniqueid = event["Uniqueid"] else { return [] }
            variables[uniqueid] = nil
            guard calls.removeValue(forKey: uniqueid) != nil else { return [] }
            return [.ended(uuid: uniqueid, at: time, cause: event["Cause"] ?? "")]
        default:
            return []
        }
    }

    /// The calls a `CoreShowChannels` list, taken at `now` after a reconnect, shows up.
    ///
    /// They are its originating channels, started `Duration` ago, answered when `Up` (the time
    /// unknown: taken as their start). The calls it thought up that the list lacks are
    /// forgotten; the live monitor's resync ends them.
    package mutating func resync(with list: [AMIMessage], at now: Date) -> [LiveCall] {
        var up: [LiveCall] = []
        for channel in list {
            guard let uniqueid = channel["Uniqueid"], var call = call(of: channel, uniqueid: uniqueid, at: now)
            else { continue }
            let seconds = (channel["Duration"] ?? "").split(separator: ":").compactMap { Int($0) }
                .reduce(0) { $0 * 60 + $1 }
            call.startedAt = now.addingTimeInterval(-Double(seconds))
            if channel["ChannelState"] == "6" { call.answeredAt = call.startedAt }
            up.append(calls[uniqueid] ?? call)
        }
        calls = Dictionary(up.map { ($0.uuid, $0) }, uniquingKeysWith: { first, _ in first })
        return up
    }

    /// The call a `DialBegin` starts: its caller is an originating channel, not plumbing.
    private func call(of event: AMIMessage, uniqueid: String, at time: Date) -> LiveCall? {
        let channel = event["Channel"] ?? ""
        guard event["Linkedid"] == uniqueid, !channel.hasPrefix("Local/") else { return nil }
        // The caller's snapshot as the event gives it; channel variables from its own events too.
        let variables = (variables[uniqueid] ?? [:]).merging(event.channelVariables) { $1 }
        let number = Self.known(event["CallerIDNum"])
        var account = event["AccountCode"] ?? ""
        if account.isEmpty { account = ChannelName.endpoint(of: channel) ?? number }
        // The dial string comes without its technology; the callee channel's name has it.
        let technology = event["DestChannel"]?.split(separator: "/").first.map(String.init) ?? "PJSIP"
        let trunk = event["DialString"].flatMap { DialString.trunk(in: technology + "/" + $0) }
        return LiveCall(
            uuid: uniqueid, account: account, callerNumber: number, callerName: Self.known(event["CallerIDName"]),
            destination: event["Exten"] ?? "", context: event["Context"] ?? "",
            sourceIP: variables[sourceAddressVariable].flatMap(Self.address), trunk: trunk, startedAt: time,
            channel: channel)
    }

    /// Asterisk writes `<unknown>` for an empty caller ID.
    private static func known(_ value: String?) -> String {
        guard let value, value != "<unknown>" else { return "" }
        return value
    }

    /// The address of `198.51.100.7:5060`, `[2001:db8::7]:5060` or a bare address; nil when it
    /// is none (a hostile value never becomes a subject).
    static func address(_ value: String) -> String? {
        var text = Substring(value.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            text = text[text.index(after: text.startIndex)..<close]
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            text = text[..<colon]
        }
        return IPAddressRange.address(String(text)) != nil ? String(text) : nil
    }
}
