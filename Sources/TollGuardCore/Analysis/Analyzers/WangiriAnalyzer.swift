import Foundation

/// Wangiri ("one ring and cut"): premium-rate numbers ring the PBX's numbers once and hang up,
/// hoping someone calls back.
///
/// The missed calls are free; the callbacks pay the fraudster.
///
/// Remembers every short unanswered inbound call (a public context, ringing no longer than
/// `wangiri_ring_seconds`) for `wangiri_memory_hours`, and raises `wangiri_callback` against
/// the account that calls one of those numbers back at an international or premium
/// destination. A campaign — `wangiri_campaign_calls` one-ring calls from the number's block
/// (its last four digits varying: a NANP exchange) — makes it `high` on the attempt and
/// `critical` once answered; a lone short missed call from abroad, called back, is a
/// `warning`. Calling back a national number that rang once is what people do and is never
/// flagged.
package struct WangiriAnalyzer: Analyzer {
    private let publicContexts: Set<String>
    private let ringSeconds: Double
    private let memorySeconds: Double
    private let campaignCalls: Int
    /// Caller key (trailing digits) → when it last rang once.
    private var oneRings: [Substring: Date] = [:]
    /// Block key (caller key without its last four digits) → one-ring times, for the campaign's size.
    private var ranges: [Substring: [Date]] = [:]
    private var lastPrune = Date.distantPast

    package init(publicContexts: [String], ringSeconds: Double, memoryHours: Double, campaignCalls: Int) {
        self.publicContexts = Set(publicContexts)
        self.ringSeconds = ringSeconds
        self.memorySeconds = memoryHours * 3600
        self.campaignCalls = max(1, campaignCalls)
    }

    package var reach: Double { memorySeconds }

    package func remember(into memory: inout any UnkeyedEncodingContainer) throws {
        try memory.encode(Dictionary(uniqueKeysWithValues: oneRings.map { (String($0.key), $0.value) }))
        try memory.encode(Dictionary(uniqueKeysWithValues: ranges.map { (String($0.key), $0.value) }))
        try memory.encode(lastPrune)
    }

    package mutating func recall(
        from memory: inout any UnkeyedDecodingContainer, policy: (Subject) -> SubjectPolicy
    ) throws {
        oneRings = Dictionary(
            uniqueKeysWithValues: try memory.decode([String: Date].self).map { (Substring($0.key), $0.value) })
        ranges = Dictionary(
            uniqueKeysWithValues: try memory.decode([String: [Date]].self).map { (Substring($0.key), $0.value) })
        lastPrune = try memory.decode(Date.self)
    }

    /// The digits that identify a number however it was written: the last ten (a NANP number
    /// with or without its 1, `+`, `011`), or all of a shorter one.
    static func key(_ number: String) -> Substring {
        let digits = String(number.unicodeScalars.filter { $0.properties.numericType == .decimal && $0.isASCII })
        return Substring(digits).suffix(10)
    }

    package mutating func observe(_ event: CallEvent) -> [Finding] {
        guard ringSeconds > 0, memorySeconds > 0 else { return [] }
        let call = event.call
        let time = event.time
        if publicContexts.contains(call.context) {
            if event.kind == .ended, !call.isAnswered, time.timeIntervalSince(call.startedAt) <= ringSeconds {
                remember(call.callerNumber, at: time)
            }
            return []
        }
        guard event.kind != .ended, call.destinationClass.isHighCost, !oneRings.isEmpty else { return [] }
        let key = Self.key(call.e164 ?? call.dialString)
        guard key.count >= 7, let rang = oneRings[key], time.timeIntervalSince(rang) <= memorySeconds else {
            return []
        }
        let campaign = ranges[key.dropLast(4)]?.filter { time.timeIntervalSince($0) <= memorySeconds }.count ?? 1
        let answered = event.kind == .answered
        let severity: Severity = campaign < campaignCalls ? .warning : (answered ? .critical : .high)
        return [
            Finding(
                rule: .wangiriCallback, severity: severity, subject: event.subjects.account.subject, time: time,
                headline: "called back \(call.number), which rang the PBX once and hung up "
                    + "(\(campaign) one-ring call\(campaign == 1 ? "" : "s") from its number block)"
                    + (answered ? ", answered" : ""),
                metrics: [
                    "one_ring_calls": .count(campaign), "rang_at": .text(CivilTime.utcText(rang)),
                    "wangiri_ring_seconds": .number(ringSeconds), "wangiri_campaign_calls": .count(campaignCalls),
                ],
                calls: [call.evidence])
        ]
    }

    private mutating func remember(_ callerNumber: String, at time: Date) {
        let key = Self.key(callerNumber)
        guard key.count >= 7 else { return }
        oneRings[key] = time
        ranges[key.dropLast(4), default: []].append(time)
        if time.timeIntervalSince(lastPrune) > 3600 {
            lastPrune = time
            let horizon = time.addingTimeInterval(-memorySeconds)
            oneRings = oneRings.filter { $0.value >= horizon }
            ranges = ranges.compactMapValues { times in
                let kept = times.filter { $0 >= horizon }
                return kept.isEmpty ? nil : kept
            }
        }
    }
}
