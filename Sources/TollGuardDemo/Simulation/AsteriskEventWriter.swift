import Foundation
import TollGuardCore

/// Writes calls as an Asterisk 20 Manager shows them with `timestampevents = yes`, the source
/// address in `channelvars` and `cdr_manager` on: the caller's `Newchannel`, its `DialBegin`
/// to the trunk, `DialEnd` and `Newstate` Up when answered, its `Hangup` and the `Cdr` (the
/// fields `cdr_manager.c` writes, times in the switch's zone), for the fake Asterisk and tests.
package struct AsteriskEventWriter: Sendable {
    /// The switch's time zone: `Cdr` times are local, as its `Master.csv`.
    package var timeZone: TimeZone
    /// The channel variable that carries the caller's address.
    package var sourceAddressVariable = "TG_SRC"
    private var sequence = 40
    /// The Uniqueid given to each call, by its call id (kept while ``keepsUniqueids``).
    package private(set) var uniqueids: [String: String] = [:]
    /// Whether ``uniqueids`` keeps every call's (a benchmark's endless stream does not).
    package var keepsUniqueids = true

    package init(timeZone: TimeZone = .gmt) {
        self.timeZone = timeZone
    }

    /// One event of a call at one moment of its life.
    package struct TimedEvent: Sendable {
        package var time: Date
        package var event: AMIMessage
    }

    /// The events of `call`, in order.
    package mutating func events(for call: CallRecord) -> [TimedEvent] {
        sequence += 2
        let uniqueid = "\(Int(call.startedAt.timeIntervalSince1970)).\(sequence)"
        if keepsUniqueids { uniqueids[call.callID] = uniqueid }
        let endpoint = call.account.isEmpty ? call.callerNumber : call.account
        let channel = "PJSIP/\(endpoint)-\(Self.hex(sequence))"
        // A call with no trunk dials the number as an endpoint of its own (no trunk to count it to).
        let peer = "PJSIP/\(call.trunk ?? call.destination)-\(Self.hex(sequence + 1))"
        let dialString = call.trunk.map { "\(call.destination)@\($0)" } ?? call.destination
        func snapshot(state: Int) -> [(name: String, value: String)] {
            var headers: [(name: String, value: String)] = [
                ("Channel", channel), ("ChannelState", "\(state)"), ("ChannelStateDesc", state == 6 ? "Up" : "Ring"),
                ("CallerIDNum", call.callerNumber.isEmpty ? "<unknown>" : call.callerNumber),
                ("CallerIDName", call.callerName.isEmpty ? "<unknown>" : call.callerName),
                ("ConnectedLineNum", "<unknown>"), ("ConnectedLineName", "<unknown>"), ("Language", "en"),
                ("AccountCode", call.account), ("Context", call.context.isEmpty ? "from-internal" : call.context),
                ("Exten", call.destination), ("Priority", "1"), ("Uniqueid", uniqueid), ("Linkedid", uniqueid),
            ]
            if let address = call.sourceIP {
                headers.append(("ChanVariable", "\(sourceAddressVariable)=\(address):5060"))
            }
            return headers
        }
        let destination: [(name: String, value: String)] = [
            ("DestChannel", peer), ("DestChannelState", "0"), ("DestChannelStateDesc", "Down"),
            ("DestCallerIDNum", call.destination), ("DestUniqueid", "\(uniqueid.prefix { $0 != "." }).\(sequence + 1)"),
            ("DestLinkedid", uniqueid),
        ]
        var events = [
            TimedEvent(time: call.startedAt, event: AMIMessage([("Event", "Newchannel")] + snapshot(state: 4))),
            TimedEvent(
                time: call.startedAt,
                event: AMIMessage(
                    [("Event", "DialBegin")] + snapshot(state: 4) + destination + [
                        ("DialString", dialString)
                    ])),
        ]
        if let answeredAt = call.answeredAt {
            events.append(
                TimedEvent(
                    time: answeredAt,
                    event: AMIMessage(
                        [("Event", "DialEnd")] + snapshot(state: 4) + destination + [("DialStatus", "ANSWER")])))
            events.append(TimedEvent(time: answeredAt, event: AMIMessage([("Event", "Newstate")] + snapshot(state: 6))))
        }
        let state = call.answeredAt == nil ? 4 : 6
        events.append(
            TimedEvent(
                time: call.endedAt,
                event: AMIMessage(
                    [("Event", "Hangup")] + snapshot(state: state) + [
                        ("Cause", "16"), ("Cause-txt", "Normal Clearing"),
                    ]
                )))
        events.append(
            TimedEvent(
                time: call.endedAt,
                event: Self.cdr(
                    AMIMessage(snapshot(state: state)), uniqueid: uniqueid, destinationChannel: peer,
                    lastData: "PJSIP/\(dialString),60",
                    created: call.startedAt, answered: call.answeredAt, ended: call.endedAt, timeZone: timeZone)))
        return events
    }

    /// All calls' events merged in time order (ties: the order given).
    package mutating func stream(_ calls: [CallRecord]) -> [TimedEvent] {
        var all: [(TimedEvent, Int)] = []
        for call in calls { for event in events(for: call) { all.append((event, all.count)) } }
        all.sort { $0.0.time < $1.0.time || ($0.0.time == $1.0.time && $0.1 < $1.1) }
        return all.map(\.0)
    }

    /// The `Cdr` event of a channel that ended, from its last snapshot (`cdr/cdr_manager.c`'s
    /// fields, in its order; times in `timeZone`, as the switch writes them).
    package static func cdr(
        _ snapshot: AMIMessage, uniqueid: String, destinationChannel: String = "", lastData: String = "",
        created: Date, answered: Date?, ended: Date, timeZone: TimeZone
    ) -> AMIMessage {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        func text(_ date: Date?) -> String { date.map { formatter.string(from: $0) } ?? "" }
        let known = { (value: String?) in value == "<unknown>" ? "" : value ?? "" }
        let name = known(snapshot["CallerIDName"])
        let number = known(snapshot["CallerIDNum"])
        let billable = answered.map { Int(ended.timeIntervalSince($0)) } ?? 0
        let destination = snapshot["Exten"] ?? ""
        return AMIMessage([
            ("Event", "Cdr"), ("AccountCode", snapshot["AccountCode"] ?? ""), ("Source", number),
            ("Destination", destination), ("DestinationContext", snapshot["Context"] ?? ""),
            ("CallerID", "\"\(name)\" <\(number)>"), ("Channel", snapshot["Channel"] ?? ""),
            ("DestinationChannel", destinationChannel), ("LastApplication", "Dial"),
            ("LastData", lastData),
            ("StartTime", text(created)), ("AnswerTime", text(answered)), ("EndTime", text(ended)),
            ("Duration", "\(Int(ended.timeIntervalSince(created)))"), ("BillableSeconds", "\(billable)"),
            ("Disposition", answered == nil ? "NO ANSWER" : "ANSWERED"), ("AMAFlags", "DOCUMENTATION"),
            ("UniqueID", uniqueid), ("UserField", ""),
        ])
    }

    private static func hex(_ number: Int) -> String {
        let digits = String(number, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
