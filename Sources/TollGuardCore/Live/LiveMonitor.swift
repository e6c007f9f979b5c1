import Foundation

/// The calls in progress and the analyzer engine watching them: FreeSWITCH channel events in,
/// findings and completed calls out.
///
/// Pure (no I/O, no clock): `serve` feeds it from the event
/// socket and stores what it returns; tests feed it captured events.
///
/// Only A legs are calls (mod_cdr_csv's default `legs="a"`): an originated B leg lends its
/// gateway to its A leg and is otherwise ignored. Each call's subjects (account, IP, trunk) are
/// fixed when it starts, so its later events count against the same ones.
package struct LiveMonitor: Sendable {
    /// One call in progress.
    package struct Entry: Sendable {
        package var live: LiveCall
        package var observed: ObservedCall
        fileprivate var subjects: CallSubjects

        /// What the call has cost so far at `time`.
        package func runningCostMicros(at time: Date) -> Int64 {
            guard let answeredAt = observed.answeredAt else { return 0 }
            return Int64(
                (Double(observed.ratePerMinuteMicros) * max(0, time.timeIntervalSince(answeredAt)) / 60).rounded())
        }
    }

    /// What one event led to.
    package struct Step: Sendable {
        package var findings: [Finding] = []
        /// Completed calls with their classification and price, to store.
        package var completed: [(record: CallRecord, destination: CallDestination)] = []
        /// The call that started with this event.
        package var started: LiveCall?
        /// The uuid of the call that ended with this event.
        package var ended: String?
    }

    private var engine: AnalysisEngine
    private var rater: DestinationRater
    package private(set) var calls: [String: Entry] = [:]
    /// Gateways of B legs, by their A leg's uuid.
    private var gateways: [String: String] = [:]
    /// Calls that ended lately: an event repeated after a reconnect must not count them twice.
    private var recentlyEnded = RecentKeys(capacity: 50_000)
    /// Calls a resync found gone (their hangup was lost): ended in the engine then; their record,
    /// when it comes, is stored but not counted again.
    private var endedByResync = RecentKeys(capacity: 50_000)
    /// The keys of the calls that started, answered or ended since ``takeChanges()`` (with
    /// ``tracksChanges``).
    private var changed: Set<String> = []
    /// Whether the monitor keeps the keys of the calls that change, for ``takeChanges()``: an
    /// edge tells the cluster what changed rather than every call up.
    package var tracksChanges = false

    package init(engine: AnalysisEngine, rater: DestinationRater) {
        self.engine = engine
        self.rater = rater
    }

    /// Handles one event: `CHANNEL_CREATE`, `CHANNEL_ANSWER`, `CHANNEL_HANGUP_COMPLETE` drive
    /// the calls, `HEARTBEAT` projects running costs; others are ignored.
    package mutating func handle(_ event: ESLEvent, switchName: String? = nil) -> Step {
        var step = Step()
        let headers = event.headers
        switch event.name {
        case "CHANNEL_CREATE":
            if FreeSWITCHChannel.isOriginatedLeg(headers) {
                noteGateway(headers)
            } else if var live = FreeSWITCHChannel.liveCall(headers, at: event.date), calls[live.uuid] == nil,
                !hasEnded(live.uuid)
            {
                live.switchName = switchName
                step.findings = start(live)
                step.started = live
            }
        case "CHANNEL_ANSWER":
            if FreeSWITCHChannel.isOriginatedLeg(headers) {
                noteGateway(headers)
            } else if var live = FreeSWITCHChannel.liveCall(headers, at: event.date), !hasEnded(live.uuid) {
                let answeredAt = live.answeredAt ?? event.date ?? live.startedAt
                if calls[live.uuid] == nil {
                    // Connected mid-call: the call starts here, then answers.
                    live.answeredAt = nil
                    live.switchName = switchName
                    step.findings = start(live)
                    step.started = live
                }
                step.findings += answer(live.uuid, at: answeredAt)
            }
        case "CHANNEL_HANGUP_COMPLETE":
            guard let uuid = FreeSWITCHChannel.uuid(headers) else { break }
            if FreeSWITCHChannel.isOriginatedLeg(headers) {
                gateways[headers.variable("originator") ?? ""] = nil
                break
            }
            guard !recentlyEnded.contains(uuid), var record = FreeSWITCHChannel.record(headers, at: event.date) else {
                break
            }
            if record.trunk == nil { record.trunk = gateways.removeValue(forKey: uuid) }
            let (findings, destination) = complete(record)
            step.findings = findings
            step.completed = [(record, destination)]
            step.ended = uuid
        case "HEARTBEAT":
            if let date = event.date { step.findings = project(at: date) }
        default:
            break
        }
        return step
    }

    // MARK: Switches whose records follow the hangup (the Asterisk Manager)

    /// Starts a call a switch's channel events began (``AsteriskCallTracker``); nothing when it is
    /// up or ended already.
    package mutating func begin(_ live: LiveCall) -> [Finding] {
        guard calls[live.uuid] == nil, !hasEnded(live.uuid) else { return [] }
        var call = live
        let answeredAt = call.answeredAt
        call.answeredAt = nil
        var findings = start(call)
        if let answeredAt { findings += answer(call.uuid, at: answeredAt) }
        return findings
    }

    /// The call `uuid` was answered at `time`.
    package mutating func answered(_ uuid: String, at time: Date) -> [Finding] { answer(uuid, at: time) }

    /// Ends call `uuid` at `time`, its cost counted to then; its record comes later
    /// (``complete(_:liveUUID:)``), to be stored and not counted again.
    package mutating func hungUp(_ uuid: String, at time: Date, cause: String) -> [Finding] {
        guard let entry = remove(uuid) else { return [] }
        let end = max(time, entry.live.startedAt)
        let billsec = entry.live.answeredAt.map { max(0, Int(end.timeIntervalSince($0))) } ?? 0
        let record = entry.live.record(endedAt: end, billsec: billsec, hangupCause: cause)
        _ = endedByResync.insert(uuid)
        return self.end(entry, as: record, destination: rater.rate(record))
    }

    /// Ends a call with its completed record, which a switch keys otherwise than its live
    /// events (`liveUUID`: the Asterisk channel's Uniqueid, the record `uniqueid/sequence`).
    ///
    /// The first record of a live call stands for it: stored, not counted again (ending it if
    /// it is still up). A later record of the same channel with a key of its own — the leg a
    /// transfer or a second dial made, as Asterisk writes a row for each — is a call of its
    /// own, counted as the CSV path counts each row. One never seen plays through the engine
    /// at once, as carried by `switchName`.
    package mutating func complete(_ record: CallRecord, liveUUID: String, switchName: String? = nil) -> (
        findings: [Finding], destination: CallDestination
    ) {
        if hasEnded(liveUUID) {
            // The live call's first record; a later one is counted unless its key was (the
            // Master.csv row of a Cdr event).
            if recentlyEnded.insert(liveUUID) {
                _ = recentlyEnded.insert(record.dedupKey)
                return ([], rater.rate(record))
            }
            return complete(record, switchName: switchName)
        }
        if let entry = remove(liveUUID) {
            let destination = rater.rate(record)
            _ = recentlyEnded.insert(record.dedupKey)
            _ = recentlyEnded.insert(liveUUID)
            return (end(entry, as: record, destination: destination), destination)
        }
        // Never seen live: the channel ended, and a channel list taken before its hangup (the
        // Manager may send one after the Cdr) must not start it again.
        _ = recentlyEnded.insert(liveUUID)
        return complete(record, switchName: switchName)
    }

    /// Ends a call with its completed record and returns what that found, with the call's
    /// classification and price (computed once, for the engine and the store).
    ///
    /// A call that came
    /// without live events (a CDR post, a call that ended while the socket was down) is played
    /// through the engine as start, answer and end at once (as carried by `switchName`); one
    /// already ended finds nothing.
    package mutating func complete(_ record: CallRecord, switchName: String? = nil) -> (
        findings: [Finding], destination: CallDestination
    ) {
        let destination = rater.rate(record)
        guard recentlyEnded.insert(record.dedupKey), !endedByResync.contains(record.dedupKey) else {
            return ([], destination)
        }
        var findings: [Finding] = []
        if calls[record.dedupKey] == nil {
            findings += start(
                LiveCall(
                    uuid: record.dedupKey, account: record.account, callerNumber: record.callerNumber,
                    callerName: record.callerName, destination: record.destination, context: record.context,
                    sourceIP: record.sourceIP, trunk: record.trunk, startedAt: record.startedAt,
                    userAgent: record.userAgent, switchName: switchName))
            if let answeredAt = record.answeredAt { findings += answer(record.dedupKey, at: answeredAt) }
        }
        guard let entry = remove(record.dedupKey) else { return (findings, destination) }
        return (findings + end(entry, as: record, destination: destination), destination)
    }

    /// Tells the engine that the call of `entry` ended as `record` says.
    private mutating func end(_ entry: Entry, as record: CallRecord, destination: CallDestination) -> [Finding] {
        var final = ObservedCall(record, destination: destination)
        // The subjects the call started with, whatever the CDR says now.
        final.account = entry.observed.account
        final.sourceIP = entry.observed.sourceIP
        final.trunk = entry.observed.trunk
        final.switchName = entry.live.switchName
        return engine.observe(.ended, final, subjects: entry.subjects)
    }

    /// What a resync changed.
    package struct Resync: Sendable {
        package var findings: [Finding] = []
        /// Calls up on the switch that no event had shown (started while the socket was down).
        package var started: [LiveCall] = []
        /// Calls thought up that the switch no longer has (their hangup was lost).
        package var ended: [String] = []
    }

    /// Brings the calls in progress of switch `switchName` in line with its list of channels.
    ///
    /// The list is `show channels` or `CoreShowChannels` after a reconnect, `now` its time:
    /// calls it has that no event showed start (and answer), in the order they started; calls
    /// it no longer has end now, their cost counted to now. Only the calls of `switchName` are
    /// its to end: the other switches of the site keep theirs.
    ///
    /// Their records, from a hangup event or a CDR that comes later, are stored but not
    /// counted again.
    package mutating func resync(with upNow: [LiveCall], at now: Date, switchName: String? = nil) -> Resync {
        var result = Resync()
        let up = Set(upNow.map(\.uuid))
        for (uuid, call) in calls.sorted(by: { $0.key < $1.key })
        where !up.contains(uuid) && call.live.switchName == switchName {
            guard let entry = remove(uuid) else { continue }
            let end = max(now, entry.live.startedAt)
            let billsec = entry.live.answeredAt.map { max(0, Int(end.timeIntervalSince($0))) } ?? 0
            let record = entry.live.record(endedAt: end, billsec: billsec, hangupCause: "")
            result.findings += self.end(entry, as: record, destination: rater.rate(record))
            _ = endedByResync.insert(uuid)
            result.ended.append(uuid)
        }
        let new = upNow.filter { calls[$0.uuid] == nil && !hasEnded($0.uuid) }.map { call in
            var call = call
            call.switchName = switchName
            return call
        }
        for var live in new.sorted(by: { ($0.startedAt, $0.uuid) < ($1.startedAt, $1.uuid) }) {
            let answeredAt = live.answeredAt
            live.answeredAt = nil
            result.findings += start(live)
            if let answeredAt { result.findings += answer(live.uuid, at: answeredAt) }
            result.started.append(live)
        }
        return result
    }

    /// Running costs of the answered calls at `time` (the quota rule).
    package mutating func project(at time: Date) -> [Finding] { engine.project(at: time) }

    /// The uuids of `account`'s calls in progress.
    package func uuids(ofAccount account: String) -> [String] { self.calls(ofAccount: account).map(\.uuid) }

    /// `account`'s calls in progress, on every switch, by uuid.
    package func calls(ofAccount account: String) -> [LiveCall] {
        calls.values.filter { $0.live.account == account }.map(\.live).sorted { $0.uuid < $1.uuid }
    }

    /// Takes the quota table and the day raises as they are now.
    package mutating func updateQuotas(_ quotas: [String: Int64], raises: QuotaRaises = [:]) {
        engine.updateQuotas(quotas, raises: raises)
    }

    /// Watches on with `engine` and `rater` (a reloaded configuration, lists or rates): the calls
    /// in progress start again in the new engine, in the order they started (answered ones
    /// answer again), classified and priced anew.
    ///
    /// What that re-raises is not reported again.
    package mutating func replaceEngine(_ engine: AnalysisEngine, rater: DestinationRater) {
        self.engine = engine
        self.rater = rater
        let inProgress = calls.values.map(\.live).sorted { ($0.startedAt, $0.uuid) < ($1.startedAt, $1.uuid) }
        for key in calls.keys { noteChange(key) }
        calls = [:]
        for var live in inProgress {
            let answeredAt = live.answeredAt
            live.answeredAt = nil
            _ = start(live)
            if let answeredAt { _ = answer(live.uuid, at: answeredAt) }
        }
    }

    /// The keys of the calls that started, answered or ended since the last take (with
    /// ``tracksChanges``); each is up in ``calls`` or no longer.
    package mutating func takeChanges() -> Set<String> {
        defer { changed = [] }
        return changed
    }

    // MARK: -

    /// Notes that the call `key` changed (with ``tracksChanges``).
    private mutating func noteChange(_ key: String) {
        if tracksChanges { changed.insert(key) }
    }

    /// Takes the call `key` out of the calls up.
    private mutating func remove(_ key: String) -> Entry? {
        guard let entry = calls.removeValue(forKey: key) else { return nil }
        noteChange(key)
        return entry
    }

    /// Whether the call ended already (a late or repeated event must not start it again).
    private func hasEnded(_ uuid: String) -> Bool {
        recentlyEnded.contains(uuid) || endedByResync.contains(uuid)
    }

    private mutating func start(_ live: LiveCall) -> [Finding] {
        let destination = rater.rate(
            destination: live.destination, context: live.context, billsec: 0, startedAt: live.startedAt)
        var observed = ObservedCall(
            live.record(endedAt: live.startedAt, billsec: 0, hangupCause: ""), destination: destination)
        observed.endedAt = nil
        observed.answeredAt = nil
        observed.disposition = .noAnswer
        observed.switchName = live.switchName
        let (subjects, findings) = engine.start(&observed)
        calls[live.uuid] = Entry(live: live, observed: observed, subjects: subjects)
        noteChange(live.uuid)
        return findings
    }

    private mutating func answer(_ uuid: String, at time: Date) -> [Finding] {
        guard var entry = calls[uuid], entry.observed.answeredAt == nil else { return [] }
        entry.observed.answeredAt = time
        entry.observed.disposition = .answered
        entry.live.answeredAt = time
        calls[uuid] = entry
        noteChange(uuid)
        return engine.observe(.answered, entry.observed, subjects: entry.subjects)
    }

    private mutating func noteGateway(_ headers: ESLHeaders) {
        guard let originator = headers.variable("originator"), let trunk = FreeSWITCHChannel.trunk(headers) else {
            return
        }
        gateways[originator] = trunk
    }
}

/// The last `capacity` keys seen, for "have we just had this one?".
struct RecentKeys: Sendable {
    private var set: Set<String> = []
    private var order: [String] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func contains(_ key: String) -> Bool { set.contains(key) }

    /// Adds `key`; false when it was already there.
    mutating func insert(_ key: String) -> Bool {
        guard set.insert(key).inserted else { return false }
        if order.count < capacity {
            order.append(key)
        } else {
            set.remove(order[next])
            order[next] = key
            next = (next + 1) % capacity
        }
        return true
    }
}
