import Foundation
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// The live monitor: rules fire on create and answer, before any CDR exists; the quota rule
/// projects the running cost of answered calls; completed calls come out to be stored; and
/// live and replayed analysis of the same calls agree.
@Suite struct LiveMonitorTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    static func monitor(quotas: [String: Int64] = [:]) throws -> LiveMonitor {
        let configuration = TollGuardConfiguration()
        let engine = AnalysisEngine.standard(settings: configuration.analysis, timeZone: .named("UTC"), quotas: quotas)
        let rater = try configuration.destinationRater(plan: NumberingPlan.builtIn.get(), deck: .empty)
        return LiveMonitor(engine: engine, rater: rater)
    }

    /// `count` answered calls from one account to Somali mobile numbers, a second apart, each 30 minutes long.
    static func burst(_ count: Int, account: String = "1001") -> [CallRecord] {
        (0..<count).map { index in
            let started = start.addingTimeInterval(Double(index))
            return CallRecord(
                dedupKey: "burst-\(index)", callID: "burst-\(index)", account: account, callerNumber: account,
                destination: "01125261\(String(format: "%07d", index))", context: "default", sourceIP: "203.0.113.9",
                startedAt: started, answeredAt: started.addingTimeInterval(2),
                endedAt: started.addingTimeInterval(1802),
                duration: 1802, billsec: 1800, disposition: .answered, hangupCause: "NORMAL_CLEARING")
        }
    }

    @Test func concurrencyFiresOnTheThirdLiveCallBeforeAnyCDR() throws {
        var monitor = try Self.monitor()
        var writer = FreeSWITCHEventWriter()
        let stream = writer.stream(Self.burst(5), heartbeatSeconds: 3600)
        var firstAlertAfter: Int?
        var started = 0
        for timed in stream {
            let step = monitor.handle(timed.event)
            if step.started != nil { started += 1 }
            #expect(step.completed.isEmpty || timed.event.name == "CHANNEL_HANGUP_COMPLETE")
            if firstAlertAfter == nil, step.findings.contains(where: { $0.rule == .concurrentInternational }) {
                firstAlertAfter = started
                #expect(monitor.uuids(ofAccount: "1001") == ["burst-0", "burst-1", "burst-2"])
            }
        }
        #expect(firstAlertAfter == 3)
        #expect(monitor.calls.isEmpty)
    }

    /// After a reconnect, `show channels`: calls that started while the socket was down start
    /// (and answer), calls gone end; their late events neither start them again nor count twice.
    @Test func aResyncStartsTheCallsNoEventShowedAndEndsTheOnesGone() throws {
        var monitor = try Self.monitor()
        var writer = FreeSWITCHEventWriter()
        let calls = Self.burst(4)
        // Calls 0 and 1 are seen up (created, answered); then the socket drops.
        for call in calls.prefix(2) {
            for timed in writer.events(for: call).dropLast() { _ = monitor.handle(timed.event) }
        }
        // Meanwhile call 0 ended and calls 2 and 3 started and were answered: all those events lost.
        let now = Self.start.addingTimeInterval(60)
        let up = calls[1...].map { call in
            LiveCall(
                uuid: call.callID, account: call.account, callerNumber: call.callerNumber,
                destination: call.destination,
                context: call.context, sourceIP: call.sourceIP, startedAt: call.startedAt, answeredAt: now)
        }
        let resync = monitor.resync(with: up, at: now)
        #expect(resync.ended == ["burst-0"])
        #expect(resync.started.map(\.uuid) == ["burst-2", "burst-3"])
        #expect(resync.findings.contains { $0.rule == .concurrentInternational }, "three calls up at once")
        #expect(monitor.uuids(ofAccount: "1001") == ["burst-1", "burst-2", "burst-3"])
        #expect(monitor.calls["burst-3"]?.observed.answeredAt == now)

        // Call 0's events, late: its create starts nothing; its hangup is stored, not counted again.
        let late = writer.events(for: calls[0])
        #expect(monitor.handle(late[0].event).started == nil)
        let hangup = monitor.handle(try #require(late.last).event)
        #expect(hangup.completed.map(\.record.callID) == ["burst-0"])
        #expect(hangup.findings.isEmpty)
        #expect(monitor.uuids(ofAccount: "1001") == ["burst-1", "burst-2", "burst-3"])
        // The same list again changes nothing.
        let again = monitor.resync(with: up, at: now)
        #expect(again.started.isEmpty && again.ended.isEmpty && again.findings.isEmpty)
    }

    @Test func aNewEngineKeepsTheCallsInProgress() throws {
        var monitor = try Self.monitor()
        var writer = FreeSWITCHEventWriter()
        let calls = Self.burst(3)
        for call in calls.prefix(2) {
            for timed in writer.events(for: call).dropLast() { _ = monitor.handle(timed.event) }
        }
        // SIGHUP: a fresh engine (a reloaded configuration, lists, rates) takes over mid-burst.
        let configuration = TollGuardConfiguration()
        monitor.replaceEngine(
            AnalysisEngine.standard(settings: configuration.analysis, timeZone: .named("UTC")),
            rater: try configuration.destinationRater(plan: NumberingPlan.builtIn.get(), deck: .empty))
        #expect(monitor.uuids(ofAccount: "1001") == ["burst-0", "burst-1"])
        #expect(monitor.calls["burst-1"]?.observed.answeredAt == calls[1].answeredAt)
        // The new engine counts the two calls still up: the third raises concurrency.
        let third = writer.events(for: calls[2])
        let step = monitor.handle(third[0].event)
        #expect(step.findings.contains { $0.rule == .concurrentInternational })
        // And the calls carried over end as usual, stored once.
        let ended = writer.events(for: calls[0]).last.map { monitor.handle($0.event) }
        #expect(ended?.completed.map(\.record.callID) == ["burst-0"])
    }

    @Test func aCallFirstSeenAtItsAnswerKeepsItsTimes() throws {
        var monitor = try Self.monitor()
        var writer = FreeSWITCHEventWriter()
        let call = Self.burst(1)[0]
        let events = writer.events(for: call)
        // Connected after CHANNEL_CREATE: the answer is the first event of the call, and it is
        // delivered 5 s after the answer (the event's own date is not the answer time).
        var late = ESLHeaders()
        for field in events[1].event.headers.all {
            let value =
                field.name == "Event-Date-Timestamp"
                ? String(Int64(call.answeredAt!.timeIntervalSince1970 + 5) * 1_000_000) : field.value
            late.append(name: field.name, value: value)
        }
        let step = monitor.handle(ESLEvent(headers: late))
        #expect(step.started?.uuid == call.callID)
        let entry = try #require(monitor.calls[call.callID])
        #expect(entry.observed.startedAt == call.startedAt)
        #expect(entry.observed.answeredAt == call.answeredAt)
        #expect(monitor.handle(events[2].event).completed.map(\.record.billsec) == [call.billsec])
    }

    @Test func quotaBreachedWhileTheCallsAreStillUp() throws {
        var monitor = try Self.monitor(quotas: ["1001": Money.micros(5)])
        var writer = FreeSWITCHEventWriter()
        let calls = Self.burst(1)
        for timed in writer.events(for: calls[0]).dropLast() { _ = monitor.handle(timed.event) }
        let entry = try #require(monitor.calls["burst-0"])
        #expect(entry.observed.ratePerMinuteMicros == Money.micros(1))  // the fallback rate, unpriced in an empty deck
        // Three minutes in: nothing. Four: the warning share (80 %). Six: the breach.
        let answered = Self.start.addingTimeInterval(2)
        var severities: [Severity] = []
        for minutes in [3.0, 4.5, 6.0] {
            let beat = writer.heartbeat(at: answered.addingTimeInterval(minutes * 60), sessions: 1)
            severities += monitor.handle(beat).findings.filter { $0.rule == .dailyQuota }.map(\.severity)
        }
        #expect(severities == [.warning, .high])
        #expect(entry.runningCostMicros(at: answered.addingTimeInterval(360)) == Money.micros(6))
    }

    @Test func completedCallsMatchTheirRecordsAndLiveAgreesWithReplay() throws {
        var monitor = try Self.monitor(quotas: ["1001": Money.micros(20)])
        var writer = FreeSWITCHEventWriter()
        let calls =
            Self.burst(4)
            + Self.burst(3, account: "2002").map {
                var call = $0
                call.dedupKey = "other-" + call.dedupKey
                call.callID = call.dedupKey
                return call
            }
        var liveFindings: [Finding] = []
        var stored: [CallRecord] = []
        for timed in writer.stream(calls, heartbeatSeconds: 7200) {
            // Through the wire and back, as serve receives them.
            let frame = ESLFrameParser.frames(in: timed.event.plainFrame.wireBytes)[0]
            let step = monitor.handle(try ESLEvent(frame: frame))
            liveFindings += step.findings
            stored += step.completed.map(\.record)
        }
        #expect(Set(stored.map(\.dedupKey)) == Set(calls.map(\.dedupKey)))
        for record in stored {
            let original = try #require(calls.first { $0.dedupKey == record.dedupKey })
            #expect(record.account == original.account && record.destination == original.destination)
            #expect(record.billsec == original.billsec && record.endedAt == original.endedAt)
        }

        // The nightly replay of the same calls finds the same rules about the same subjects.
        let configuration = TollGuardConfiguration()
        var engine = AnalysisEngine.standard(
            settings: configuration.analysis, timeZone: .named("UTC"), quotas: ["1001": Money.micros(20)])
        let rater = try configuration.destinationRater(plan: NumberingPlan.builtIn.get(), deck: .empty)
        var replayFindings: [Finding] = []
        for call in calls.sorted(by: { $0.startedAt < $1.startedAt }) {
            replayFindings += engine.replay(ObservedCall(call, destination: rater.rate(call)))
        }
        replayFindings += engine.finish()
        func summary(_ findings: [Finding]) -> Set<String> {
            Set(findings.map { "\($0.rule.rawValue) \($0.subject.value) \($0.severity)" })
        }
        #expect(!replayFindings.isEmpty)
        #expect(summary(liveFindings) == summary(replayFindings))
    }
}
