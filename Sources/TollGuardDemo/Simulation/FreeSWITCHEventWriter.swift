import Foundation
import TollGuardCore

/// Writes calls as the FreeSWITCH event socket would show them: `CHANNEL_CREATE`,
/// `CHANNEL_ANSWER` (if answered) and `CHANNEL_HANGUP_COMPLETE` for the A leg, with the
/// headers and `variable_*` values FreeSWITCH 1.10 sends, for the replay server and tests.
package struct FreeSWITCHEventWriter: Sendable {
    package var hostname = "pbx.example.com"
    package var coreUUID = "6a3a2f9e-1c1e-4c8f-9d3e-5b0a7c2d1e01"
    private var sequence = 1000

    package init() {}

    /// One event of a call at one moment of its life.
    package struct TimedEvent: Sendable {
        package var time: Date
        package var event: ESLEvent
    }

    /// The events of `call`, in order.
    package mutating func events(for call: CallRecord) -> [TimedEvent] {
        var events = [
            TimedEvent(time: call.startedAt, event: event("CHANNEL_CREATE", call, state: "ringing", at: call.startedAt))
        ]
        if let answeredAt = call.answeredAt {
            events.append(
                TimedEvent(time: answeredAt, event: event("CHANNEL_ANSWER", call, state: "answered", at: answeredAt)))
        }
        events.append(
            TimedEvent(
                time: call.endedAt, event: event("CHANNEL_HANGUP_COMPLETE", call, state: "hangup", at: call.endedAt)))
        return events
    }

    /// A `HEARTBEAT` at `time`.
    package mutating func heartbeat(at time: Date, sessions: Int) -> ESLEvent {
        var headers = common("HEARTBEAT", at: time)
        headers.append(name: "Event-Info", value: "System Ready")
        headers.append(name: "Up-Time", value: "0 years, 0 days, 1 hour, 0 minutes, 0 seconds")
        headers.append(name: "Session-Count", value: String(sessions))
        headers.append(name: "Max-Sessions", value: "1000")
        headers.append(name: "Session-Per-Sec", value: "30")
        headers.append(name: "Idle-CPU", value: "97.000000")
        return ESLEvent(headers: headers)
    }

    /// All calls' events merged in time order (ties: the order given), with a heartbeat every
    /// `heartbeatSeconds` of event time.
    package mutating func stream(_ calls: [CallRecord], heartbeatSeconds: TimeInterval = 20) -> [TimedEvent] {
        var all: [(TimedEvent, Int)] = []
        for call in calls { for event in events(for: call) { all.append((event, all.count)) } }
        all.sort { $0.0.time < $1.0.time || ($0.0.time == $1.0.time && $0.1 < $1.1) }
        var merged: [TimedEvent] = []
        merged.reserveCapacity(all.count + 16)
        var nextBeat = all.first.map { $0.0.time.addingTimeInterval(heartbeatSeconds) }
        var up = 0
        for (timed, _) in all {
            while let beat = nextBeat, beat <= timed.time {
                merged.append(TimedEvent(time: beat, event: heartbeat(at: beat, sessions: up)))
                nextBeat = beat.addingTimeInterval(heartbeatSeconds)
            }
            if timed.event.name == "CHANNEL_CREATE" { up += 1 }
            if timed.event.name == "CHANNEL_HANGUP_COMPLETE" { up -= 1 }
            merged.append(timed)
        }
        return merged
    }

    private mutating func common(_ name: String, at time: Date) -> ESLHeaders {
        sequence += 1
        let micros = Int64(time.timeIntervalSince1970 * 1_000_000)
        return ESLHeaders([
            ("Event-Name", name), ("Core-UUID", coreUUID), ("FreeSWITCH-Hostname", hostname),
            ("FreeSWITCH-Switchname", hostname), ("FreeSWITCH-IPv4", "192.0.2.10"),
            ("Event-Date-Local", CivilTime.utcText(time)), ("Event-Date-Timestamp", String(micros)),
            ("Event-Calling-File", "switch_channel.c"), ("Event-Sequence", String(sequence)),
        ])
    }

    private mutating func event(_ name: String, _ call: CallRecord, state: String, at time: Date) -> ESLEvent {
        var headers = common(name, at: time)
        func micros(_ date: Date?) -> String { date.map { String(Int64($0.timeIntervalSince1970 * 1_000_000)) } ?? "0" }
        func epoch(_ date: Date?) -> String { date.map { String(Int64($0.timeIntervalSince1970)) } ?? "0" }
        let user = call.account.isEmpty ? call.callerNumber : call.account
        let host = call.sourceIP ?? "198.51.100.20"
        let channel = "sofia/internal/\(user)@\(hostname)"
        let pairs: [(String, String)] = [
            ("Channel-State", name == "CHANNEL_HANGUP_COMPLETE" ? "CS_REPORTING" : "CS_EXECUTE"),
            ("Channel-Name", channel), ("Unique-ID", call.callID), ("Call-Direction", "inbound"),
            ("Answer-State", state), ("Caller-Direction", "inbound"), ("Caller-Username", user),
            ("Caller-Dialplan", "XML"), ("Caller-Caller-ID-Name", call.callerName),
            ("Caller-Caller-ID-Number", call.callerNumber), ("Caller-Network-Addr", host),
            ("Caller-Destination-Number", call.destination), ("Caller-Unique-ID", call.callID),
            ("Caller-Source", "mod_sofia"), ("Caller-Context", call.context), ("Caller-Channel-Name", channel),
            ("Caller-Channel-Created-Time", micros(call.startedAt)),
            ("Caller-Channel-Answered-Time", name == "CHANNEL_CREATE" ? "0" : micros(call.answeredAt)),
            ("Caller-Channel-Hangup-Time", name == "CHANNEL_HANGUP_COMPLETE" ? micros(call.endedAt) : "0"),
            ("variable_direction", "inbound"), ("variable_uuid", call.callID), ("variable_sip_network_ip", host),
            ("variable_sip_user_agent", call.userAgent ?? "Yealink SIP-T46S 66.86.0.15"),
            ("variable_user_name", user), ("variable_accountcode", call.account),
        ]
        for (field, value) in pairs { headers.append(name: field, value: value) }
        if name == "CHANNEL_HANGUP_COMPLETE" {
            let bridge =
                call.trunk.map { "sofia/gateway/\($0)/\(call.destination)" } ?? "user/\(call.destination)@\(hostname)"
            let tail: [(String, String)] = [
                ("Hangup-Cause", call.hangupCause), ("variable_last_app", "bridge"), ("variable_last_arg", bridge),
                ("variable_hangup_cause", call.hangupCause), ("variable_start_epoch", epoch(call.startedAt)),
                ("variable_answer_epoch", epoch(call.answeredAt)), ("variable_end_epoch", epoch(call.endedAt)),
                ("variable_duration", String(call.duration)), ("variable_billsec", String(call.billsec)),
            ]
            for (field, value) in tail { headers.append(name: field, value: value) }
        }
        return ESLEvent(headers: headers)
    }
}
