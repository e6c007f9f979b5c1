import Foundation
import TollGuardCore

/// What the replay server knows of the channels in a replayed stream: where each A leg's answer and
/// hangup are, how far the replay got, and which calls were killed.
///
/// A killed call's hangup is
/// rewritten to the kill (FreeSWITCH ends the channel at `uuid_kill`, it does not wait for the
/// scripted end). Sending an event costs one comparison; the rest is worked out at a kill.
struct ReplayedChannels {
    private let events: [ESLEvent]
    private var answerIndex: [String: Int] = [:]
    private var hangupIndex: [String: Int] = [:]
    private var killed: Set<String> = []
    /// The furthest event sent (a reconnect's overlap sends some again).
    private var furthestSent = -1

    init(_ events: [ESLEvent]) {
        self.events = events
        for (index, event) in events.enumerated() {
            guard event.headers["variable_originator"] == nil, let uuid = event.headers["Unique-ID"] else { continue }
            switch event.name {
            case "CHANNEL_ANSWER": answerIndex[uuid] = answerIndex[uuid] ?? index
            case "CHANNEL_HANGUP_COMPLETE": hangupIndex[uuid] = index
            default: break
            }
        }
    }

    /// Records event `index` as sent.
    mutating func sent(_ index: Int) {
        furthestSent = max(furthestSent, index)
    }

    /// Whether `event` belongs to a killed call (or a B leg of one) and is not sent.
    func isLeftOut(_ event: ESLEvent) -> Bool {
        guard !killed.isEmpty else { return false }
        if let uuid = event.headers["Unique-ID"], killed.contains(uuid) { return true }
        if let originator = event.headers["variable_originator"], killed.contains(originator) { return true }
        return false
    }

    /// The hangup to send for `uuid`, killed with `cause` while the replay is at `index`; nil when
    /// the call is not up (not replayed, already ended, or killed before).
    mutating func kill(_ uuid: String, cause: String, after index: Int) -> ESLEvent? {
        guard !killed.contains(uuid), let hangup = hangupIndex[uuid], hangup >= index else { return nil }
        killed.insert(uuid)
        // The switch's time: that of the furthest event sent that carries one.
        let now = events[...max(furthestSent, 0)].reversed().lazy.compactMap(\.date).first
        return Self.rewrite(
            events[hangup], endedAt: now ?? events[hangup].date ?? Date(), cause: cause,
            answered: answerIndex[uuid].map { $0 <= furthestSent } ?? false)
    }

    /// `hangup` as if the call had ended at `end` with `cause`.
    static func rewrite(_ hangup: ESLEvent, endedAt end: Date, cause: String, answered: Bool) -> ESLEvent {
        let headers = hangup.headers
        let created = headers.eventMicrosecondDate("Caller-Channel-Created-Time") ?? end
        let answeredAt = answered ? headers.eventMicrosecondDate("Caller-Channel-Answered-Time") : nil
        let endMicros = Int64(end.timeIntervalSince1970 * 1_000_000)
        let billsec = answeredAt.map { max(0, Int(end.timeIntervalSince($0))) } ?? 0
        let duration = max(0, Int(end.timeIntervalSince(created)))
        var rewritten = ESLHeaders()
        for field in headers.all {
            let value: String
            switch field.name {
            case "Event-Date-Timestamp", "Caller-Channel-Hangup-Time", "variable_end_uepoch": value = String(endMicros)
            case "variable_end_epoch": value = String(endMicros / 1_000_000)
            case "Hangup-Cause", "variable_hangup_cause": value = cause
            case "variable_billsec": value = String(billsec)
            case "variable_duration": value = String(duration)
            case "Caller-Channel-Answered-Time", "variable_answer_uepoch", "variable_answer_epoch":
                value = answered ? field.value : "0"
            default: value = field.value
            }
            rewritten.append(name: field.name, value: value)
        }
        return ESLEvent(headers: rewritten, body: hangup.body)
    }
}
