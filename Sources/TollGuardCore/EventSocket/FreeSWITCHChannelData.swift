import Foundation

/// What FreeSWITCH knows about one channel, as an event-socket event or a JSON/XML CDR post
/// carries it: channel variables and the caller profile.
///
/// One mapping (``FreeSWITCHChannel``)
/// reads every source, so the same call gets the same record, and key, from each.
package protocol FreeSWITCHChannelData {
    /// A channel variable (`accountcode`, `billsec`, …), `nil` when absent or empty.
    func variable(_ name: String) -> String?
    /// A caller-profile field by its CDR name (`caller_id_number`, `destination_number`,
    /// `network_addr`, `context`, `username`, `chan_name`, `uuid`), `nil` when absent or empty.
    func profile(_ field: String) -> String?
    /// An event header outside the variables and the profile (`Other-Type`, `Hangup-Cause`,
    /// `Caller-Channel-Created-Time`); CDR documents have none.
    func eventHeader(_ name: String) -> String?
}

extension FreeSWITCHChannelData {
    package func eventHeader(_ name: String) -> String? { nil }

    /// A microseconds-since-epoch event header (`Event-Date-Timestamp`, `Caller-Channel-*-Time`)
    /// to the microsecond; 0 reads as absent.
    ///
    /// The store keeps whole seconds, as the CSV path has them; the live view keeps the
    /// fraction, so a cluster's edge can promise the analyzer a time within the second.
    package func eventMicrosecondDate(_ name: String) -> Date? {
        guard let text = eventHeader(name), let micros = Int64(text), micros > 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(micros) / 1_000_000)
    }
}

extension ESLHeaders: FreeSWITCHChannelData {
    package func variable(_ name: String) -> String? { nonEmpty("variable_" + name) }

    package func eventHeader(_ name: String) -> String? { nonEmpty(name) }

    package func profile(_ field: String) -> String? {
        guard let header = Self.profileHeaders[field] else { return nil }
        return nonEmpty(header)
    }

    private static let profileHeaders = [
        "username": "Caller-Username", "caller_id_name": "Caller-Caller-ID-Name",
        "caller_id_number": "Caller-Caller-ID-Number", "network_addr": "Caller-Network-Addr",
        "destination_number": "Caller-Destination-Number", "context": "Caller-Context",
        "chan_name": "Caller-Channel-Name", "uuid": "Unique-ID",
    ]
}

/// Reads calls out of FreeSWITCH channel data.
package enum FreeSWITCHChannel {
    /// The channel's uuid: the key the CSV path (`${uuid}`) gives the same call.
    package static func uuid(_ data: some FreeSWITCHChannelData) -> String? {
        data.variable("uuid") ?? data.profile("uuid")
    }

    /// Whether the channel is an originated leg (a B leg of a bridge).
    ///
    /// mod_cdr_csv writes only
    /// A legs by default (`legs="a"`), and the A leg is the call the account placed.
    package static func isOriginatedLeg(_ data: some FreeSWITCHChannelData) -> Bool {
        data.variable("originator") != nil || data.eventHeader("Other-Type") == "originator"
    }

    /// The account a call counts against: `accountcode`, else the authenticated directory
    /// user, else the caller's number (the CSV path's fallback, for templates without it).
    package static func account(_ data: some FreeSWITCHChannelData) -> String {
        data.variable("accountcode") ?? data.variable("user_name") ?? callerNumber(data)
    }

    package static func callerNumber(_ data: some FreeSWITCHChannelData) -> String {
        data.profile("caller_id_number") ?? data.variable("caller_id_number") ?? data.profile("username") ?? ""
    }

    /// The trunk of a bridge (`sofia/gateway/NAME/…`), or the gateway a leg went out on.
    package static func trunk(_ data: some FreeSWITCHChannelData) -> String? {
        if let gateway = data.variable("sip_gateway_name") { return gateway }
        for name in ["last_bridge_to_dialstring", "last_arg"] {
            if let dial = data.variable(name), let trunk = DialString.trunk(in: dial) { return trunk }
        }
        return data.profile("chan_name").flatMap(DialString.trunk(in:))
    }

    /// The call as it is while up: who, from where, to what, since when.
    package static func liveCall(_ data: some FreeSWITCHChannelData, at eventTime: Date?) -> LiveCall? {
        guard let uuid = uuid(data) else { return nil }
        // To the microsecond where FreeSWITCH says so (`*_uepoch`, the caller profile's times),
        // else the whole second.
        let started =
            microseconds(data.variable("start_uepoch")) ?? data.eventMicrosecondDate("Caller-Channel-Created-Time")
            ?? epoch(data.variable("start_epoch")) ?? eventTime ?? Date()
        let answered =
            microseconds(data.variable("answer_uepoch")) ?? data.eventMicrosecondDate("Caller-Channel-Answered-Time")
            ?? epoch(data.variable("answer_epoch"))
        return LiveCall(
            uuid: uuid, account: account(data), callerNumber: callerNumber(data),
            callerName: data.profile("caller_id_name") ?? data.variable("caller_id_name") ?? "",
            destination: data.profile("destination_number") ?? data.variable("destination_number") ?? "",
            context: data.profile("context") ?? data.variable("context") ?? "",
            sourceIP: data.variable("sip_network_ip") ?? data.profile("network_addr"), trunk: trunk(data),
            startedAt: started, answeredAt: answered, userAgent: data.variable("sip_user_agent"))
    }

    /// The completed call (from `CHANNEL_HANGUP_COMPLETE` or a CDR post), keyed like the CSV path.
    package static func record(_ data: some FreeSWITCHChannelData, at eventTime: Date? = nil) -> CallRecord? {
        guard let call = liveCall(data, at: eventTime) else { return nil }
        let ended =
            microseconds(data.variable("end_uepoch")) ?? data.eventMicrosecondDate("Caller-Channel-Hangup-Time")
            ?? epoch(data.variable("end_epoch")) ?? eventTime ?? call.startedAt
        let end = max(ended, call.startedAt)
        let billsec =
            data.variable("billsec").flatMap { Int($0) } ?? call.answeredAt.map { Int(end.timeIntervalSince($0)) } ?? 0
        let cause = data.variable("hangup_cause") ?? data.eventHeader("Hangup-Cause") ?? ""
        var record = call.record(endedAt: end, billsec: billsec, hangupCause: cause)
        if let duration = data.variable("duration").flatMap({ Int($0) }) { record.duration = duration }
        return record
    }

    private static func epoch(_ text: String?) -> Date? {
        guard let text, let seconds = Int64(text), seconds > 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static func microseconds(_ text: String?) -> Date? {
        guard let text, let micros = Int64(text), micros > 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(micros) / 1_000_000)
    }
}
