import Foundation
import Testing
import TollGuardCore

/// Calls from the Asterisk Manager's channel events.
///
/// The scenario is ours, in the order a real
/// Asterisk sends them for a call dialled out through `Local/` plumbing (as cacofonisk's
/// captures show it): the caller's channel, the two `Local` halves, the trunk's channel, two
/// `DialBegin`s and two `DialEnd`s, four `Hangup`s, all of one `Linkedid`.
@Suite struct AsteriskCallTrackerTests {
    static let start = Date(timeIntervalSince1970: 1_764_752_400)

    static func snapshot(
        _ event: String, channel: String, uniqueid: String, linkedid: String = "1764752400.1", exten: String = "s",
        at offset: Double, extra: [(name: String, value: String)] = []
    ) -> AMIMessage {
        AMIMessage(
            [
                ("Event", event), ("Privilege", "call,all"),
                ("Timestamp", String(format: "%.6f", start.timeIntervalSince1970 + offset)), ("Channel", channel),
                ("ChannelState", "4"), ("ChannelStateDesc", "Ring"), ("CallerIDNum", "1001"),
                ("CallerIDName", "Reception"), ("ConnectedLineNum", "<unknown>"), ("ConnectedLineName", "<unknown>"),
                ("Language", "en"), ("AccountCode", ""), ("Context", "from-internal"), ("Exten", exten),
                ("Priority", "1"), ("Uniqueid", uniqueid), ("Linkedid", linkedid),
            ] + extra)
    }

    static func dial(
        _ event: String, caller: (channel: String, uniqueid: String), callee: (channel: String, uniqueid: String),
        dialString: String, at offset: Double, status: String? = nil
    ) -> AMIMessage {
        var message = snapshot(
            event, channel: caller.channel, uniqueid: caller.uniqueid, exten: "0088213520123", at: offset)
        message.headers += [
            ("DestChannel", callee.channel), ("DestUniqueid", callee.uniqueid), ("DestLinkedid", "1764752400.1"),
            ("DialString", dialString),
        ]
        if let status { message.headers.append(("DialStatus", status)) }
        return message
    }

    static let caller = ("PJSIP/1001-00000001", "1764752400.1")
    static let localOne = ("Local/0088213520123@out-00000001;1", "1764752400.2")
    static let localTwo = ("Local/0088213520123@out-00000001;2", "1764752400.3")
    static let trunk = ("PJSIP/carrier-00000002", "1764752400.4")

    static var scenario: [AMIMessage] {
        [
            snapshot(
                "Newchannel", channel: caller.0, uniqueid: caller.1, exten: "0088213520123", at: 0,
                extra: [("ChanVariable", "TG_SRC=198.51.100.7:5060")]),
            snapshot("Newstate", channel: caller.0, uniqueid: caller.1, exten: "0088213520123", at: 0.01),
            snapshot("Newchannel", channel: localOne.0, uniqueid: localOne.1, at: 0.02),
            snapshot("Newchannel", channel: localTwo.0, uniqueid: localTwo.1, at: 0.02),
            dial("DialBegin", caller: caller, callee: localOne, dialString: "0088213520123@out", at: 0.03),
            snapshot("Newchannel", channel: trunk.0, uniqueid: trunk.1, at: 0.04),
            dial("DialBegin", caller: localTwo, callee: trunk, dialString: "0088213520123@carrier", at: 0.05),
            dial(
                "DialEnd", caller: localTwo, callee: trunk, dialString: "0088213520123@carrier", at: 6, status: "ANSWER"
            ),
            dial(
                "DialEnd", caller: caller, callee: localOne, dialString: "0088213520123@out", at: 6.1, status: "ANSWER"),
            snapshot("Hangup", channel: trunk.0, uniqueid: trunk.1, at: 600, extra: [("Cause", "16")]),
            snapshot("Hangup", channel: localTwo.0, uniqueid: localTwo.1, at: 600.01, extra: [("Cause", "16")]),
            snapshot("Hangup", channel: localOne.0, uniqueid: localOne.1, at: 600.02, extra: [("Cause", "16")]),
            snapshot(
                "Hangup", channel: caller.0, uniqueid: caller.1, exten: "0088213520123", at: 600.03,
                extra: [("Cause", "16")]),
        ]
    }

    @Test func oneCallStartsAnswersAndEndsAcrossItsLegsAndPlumbing() {
        var tracker = AsteriskCallTracker()
        let changes = Self.scenario.flatMap { tracker.handle($0, received: .distantFuture) }
        #expect(changes.count == 3)
        guard case .started(let call) = changes.first else {
            Issue.record("no start: \(changes)")
            return
        }
        #expect(call.uuid == "1764752400.1")
        #expect(call.account == "1001", "no account code: the endpoint of the channel")
        #expect(call.destination == "0088213520123" && call.callerName == "Reception")
        #expect(call.sourceIP == "198.51.100.7")
        // The events' Timestamps (to the microsecond), not their arrival.
        #expect(abs(call.startedAt.timeIntervalSince(Self.start) - 0.03) < 0.001)
        guard case .answered(let answered, let answeredAt) = changes[1],
            case .ended(let ended, let endedAt, let cause) = changes[2]
        else {
            Issue.record("not answered, then ended: \(changes)")
            return
        }
        #expect(answered == call.uuid && abs(answeredAt.timeIntervalSince(Self.start) - 6.1) < 0.001)
        #expect(ended == call.uuid && abs(endedAt.timeIntervalSince(Self.start) - 600.03) < 0.001 && cause == "16")
        #expect(tracker.calls.isEmpty)
        // A repeated hangup (a reconnect's resend) ends nothing again.
        #expect(tracker.handle(Self.scenario[Self.scenario.count - 1], received: Date()).isEmpty)
    }

    /// After a reconnect, the channel list: calls up start from their `Duration`; plumbing is
    /// no call; a call the tracker thought up that the list lacks is forgotten.
    @Test func aChannelListAfterAReconnectGivesTheCallsUp() {
        var tracker = AsteriskCallTracker()
        _ = Self.scenario.prefix(5).flatMap { tracker.handle($0, received: Date()) }
        #expect(tracker.calls.keys.sorted() == ["1764752400.1"])
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func listed(_ channel: (String, String), state: String, duration: String) -> AMIMessage {
            var item = Self.snapshot(
                "CoreShowChannel", channel: channel.0, uniqueid: channel.1, linkedid: channel.1,
                exten: "+37190000021", at: 0)
            item.headers = item.headers.filter { $0.name != "Timestamp" }.map {
                $0.name == "ChannelState" ? ("ChannelState", state) : $0
            }
            item.headers += [("Application", "Dial"), ("Duration", duration)]
            return item
        }
        let up = tracker.resync(
            with: [
                listed(("PJSIP/1002-00000009", "1764752999.9"), state: "6", duration: "00:02:05"),
                listed(("Local/x@out-00000009;2", "1764752999.10"), state: "6", duration: "00:02:05"),
            ], at: now)
        #expect(up.map(\.uuid) == ["1764752999.9"])
        #expect(up.first?.startedAt == now.addingTimeInterval(-125))
        #expect(up.first?.answeredAt == up.first?.startedAt)
        #expect(up.first?.account == "1002" && up.first?.destination == "+37190000021")
        #expect(tracker.calls.keys.sorted() == ["1764752999.9"], "the call the list lacks is forgotten")
    }

    /// The same call as Asterisk 16 writes it, as 20.17+ does (`TechCause` on hangups) and as 22
    /// does (`Tenantid` in every snapshot): the same steps.
    @Test func theSameCallFromAsterisk16To22GivesTheSameSteps() {
        func steps(_ events: [AMIMessage]) -> [AsteriskCallTracker.Change] {
            var tracker = AsteriskCallTracker()
            return events.flatMap { tracker.handle($0, received: Date()) }
        }
        let asterisk16 = Self.scenario
        let asterisk20 = asterisk16.map { event in
            event.event == "Hangup" ? AMIMessage(event.headers + [("TechCause", "200")]) : event
        }
        let asterisk22 = asterisk16.map { event in
            var headers = event.headers
            if let linked = headers.firstIndex(where: { $0.name == "Linkedid" }) {
                headers.insert(("Tenantid", "tenant-7"), at: linked + 1)
            }
            return AMIMessage(headers)
        }
        let expected = steps(asterisk16)
        #expect(expected.count == 3)
        #expect(steps(asterisk20) == expected)
        #expect(steps(asterisk22) == expected)
    }

    @Test func withoutTimestampsTheTimeIsWhenTheEventCame() {
        var tracker = AsteriskCallTracker()
        let received = Date(timeIntervalSince1970: 1_800_000_000)
        let begin = AMIMessage(
            Self.dial("DialBegin", caller: Self.caller, callee: Self.trunk, dialString: "0088213520123@carrier", at: 0)
                .headers.filter { $0.name != "Timestamp" })
        guard case .started(let call) = tracker.handle(begin, received: received).first else {
            Issue.record("no start")
            return
        }
        #expect(call.startedAt == received)
        #expect(call.trunk == "carrier", "the dial string names the trunk")
    }

    /// An originated call's dial has no caller; a leg's dial is not a call; a crafted address
    /// in the channel variable is no address.
    @Test func onlyAnOriginatingChannelsDialIsACallAndItsAddressMustBeOne() {
        var tracker = AsteriskCallTracker()
        let originate = AMIMessage(
            [
                ("Event", "DialBegin"), ("DestChannel", Self.trunk.0), ("DestUniqueid", Self.trunk.1),
                ("DialString", "0088213520123@carrier"),
            ])
        #expect(tracker.handle(originate, received: Date()).isEmpty)
        let leg = Self.dial("DialBegin", caller: Self.localTwo, callee: Self.trunk, dialString: "x@carrier", at: 0)
        #expect(tracker.handle(leg, received: Date()).isEmpty)
        var hostile = Self.dial("DialBegin", caller: Self.caller, callee: Self.trunk, dialString: "1@carrier", at: 0)
        hostile.headers.append(("ChanVariable(PJSIP/1001-00000001)", "TG_SRC=6.6.6.6' OR 1=1"))
        guard case .started(let call) = tracker.handle(hostile, received: Date()).first else {
            Issue.record("no start")
            return
        }
        #expect(call.sourceIP == nil)
    }
}

/// Asterisk calls through the one engine: the tracker's steps drive the live monitor as
/// FreeSWITCH's events do, and the `Cdr` records that follow the hangups are stored once and
/// never counted again.
@Suite struct AsteriskLiveMonitorTests {
    /// Account 1001's calls to Somali mobiles, one a second: each its channel, dial and answer.
    static func burst(_ count: Int) -> [[AMIMessage]] {
        (0..<count).map { index in
            let uniqueid = "1795000000.\(index)"
            let channel = ("PJSIP/1001-0000000\(index)", uniqueid)
            let trunk = ("PJSIP/carrier-1000000\(index)", "1795000000.\(index + 100)")
            let number = "01125261\(String(format: "%07d", index))"
            func stamped(_ message: AMIMessage) -> AMIMessage {
                AMIMessage(
                    message.headers.map {
                        switch $0.name {
                        case "Timestamp": ("Timestamp", String(1_795_000_000 + index))
                        case "Linkedid": ("Linkedid", uniqueid)
                        case "Exten": ("Exten", number)
                        default: $0
                        }
                    })
            }
            return [
                stamped(
                    AsteriskCallTrackerTests.snapshot(
                        "Newchannel", channel: channel.0, uniqueid: uniqueid, at: 0,
                        extra: [("ChanVariable", "TG_SRC=203.0.113.9:5060")])),
                stamped(
                    AsteriskCallTrackerTests.dial(
                        "DialBegin", caller: channel, callee: trunk, dialString: "\(number)@carrier", at: 0)),
                stamped(
                    AsteriskCallTrackerTests.dial(
                        "DialEnd", caller: channel, callee: trunk, dialString: "\(number)@carrier", at: 0,
                        status: "ANSWER")),
            ]
        }
    }

    @Test func concurrencyFiresOnTheThirdCallAndTheCdrsAreNotCountedAgain() throws {
        var monitor = try LiveMonitorTests.monitor()
        var tracker = AsteriskCallTracker()
        var startedBeforeAlert: Int?
        var started = 0
        func apply(_ change: AsteriskCallTracker.Change) -> [Finding] {
            switch change {
            case .started(let call):
                started += 1
                return monitor.begin(call)
            case .answered(let uuid, let time): return monitor.answered(uuid, at: time)
            case .ended(let uuid, let time, let cause): return monitor.hungUp(uuid, at: time, cause: cause)
            }
        }
        for events in Self.burst(5) {
            for event in events {
                for change in tracker.handle(event, received: Date()) {
                    let findings = apply(change)
                    if startedBeforeAlert == nil, findings.contains(where: { $0.rule == .concurrentInternational }) {
                        startedBeforeAlert = started
                    }
                }
            }
        }
        #expect(startedBeforeAlert == 3)
        #expect(monitor.uuids(ofAccount: "1001").count == 5)
        #expect(monitor.calls["1795000000.0"]?.live.sourceIP == "203.0.113.9")
        // The hangups end the calls; the Cdr records, keyed uniqueid/sequence, come after.
        for index in 0..<5 {
            let hangup = AMIMessage([
                ("Event", "Hangup"), ("Timestamp", String(1_795_000_600 + index)),
                ("Uniqueid", "1795000000.\(index)"), ("Cause", "16"),
            ])
            for change in tracker.handle(hangup, received: Date()) { _ = apply(change) }
        }
        #expect(monitor.calls.isEmpty)
        for record in LiveMonitorTests.burst(5) {
            var cdr = record
            let uniqueid = "1795000000.\(record.dedupKey.split(separator: "-").last ?? "")"
            cdr.dedupKey = uniqueid + "/1"
            let (findings, _) = monitor.complete(cdr, liveUUID: uniqueid)
            #expect(findings.isEmpty, "\(uniqueid) counted again")
        }
    }

    /// A call to a colleague transferred to Somalia counts its transferred leg.
    ///
    /// Asterisk writes a row for each leg under the caller's Uniqueid. The first stands for the
    /// live call; the transfer's leg is a call of its own and counts towards the quota, as
    /// `analyze` counts both rows.
    @Test(arguments: [false, true]) func aTransfersLegCountsAsACallOfItsOwn(hungUpFirst: Bool) throws {
        var monitor = try LiveMonitorTests.monitor(quotas: ["1001": Money.micros(5)])
        let uniqueid = "1795000000.7"
        let start = LiveMonitorTests.start
        _ = monitor.begin(
            LiveCall(uuid: uniqueid, account: "1001", callerNumber: "1001", destination: "200", startedAt: start))
        _ = monitor.answered(uniqueid, at: start.addingTimeInterval(2))
        func row(_ sequence: Int, to destination: String, seconds: Int) -> CallRecord {
            CallRecord(
                dedupKey: "\(uniqueid)/\(sequence)", callID: uniqueid, account: "1001", callerNumber: "1001",
                destination: destination, context: "default", startedAt: start, answeredAt: start.addingTimeInterval(2),
                endedAt: start.addingTimeInterval(Double(seconds + 2)), duration: seconds + 2, billsec: seconds,
                disposition: .answered, hangupCause: "NORMAL_CLEARING")
        }
        let colleague = row(1, to: "200", seconds: 60)
        let transferred = row(2, to: "011252610000000", seconds: 600)
        if hungUpFirst { _ = monitor.hungUp(uniqueid, at: start.addingTimeInterval(662), cause: "16") }
        #expect(monitor.complete(colleague, liveUUID: uniqueid).findings.isEmpty)
        #expect(monitor.calls.isEmpty)
        // Ten minutes to Somalia at the fallback 1 USD a minute: twice the 5 USD quota.
        let quota = monitor.complete(transferred, liveUUID: uniqueid).findings.filter { $0.rule == .dailyQuota }
        #expect(quota.map(\.severity).max() == .critical, "\(quota)")
        // The Master.csv rows of both legs come after their Cdr events: nothing counted again.
        #expect(monitor.complete(colleague, liveUUID: uniqueid).findings.isEmpty)
        #expect(monitor.complete(transferred, liveUUID: uniqueid).findings.isEmpty)
    }
    /// A channel list the Manager sent while a call was ending (its `Hangup` and `Cdr` reached
    /// TollGuard before the list's own entry for it) does not start that call again: it would
    /// stay up until the next login, holding concurrency and running cost.
    @Test func aCallCompletedBeforeAStaleChannelListIsNotStartedAgain() throws {
        var monitor = try LiveMonitorTests.monitor()
        let uniqueid = "1795000000.9"
        let start = LiveMonitorTests.start
        // Its DialBegin was lost in a drop: the first the monitor hears of it is its record.
        let record = CallRecord(
            dedupKey: "\(uniqueid)/1", callID: uniqueid, account: "1001", callerNumber: "1001",
            destination: "011252610000000", context: "default", startedAt: start,
            answeredAt: start.addingTimeInterval(2), endedAt: start.addingTimeInterval(62), duration: 62, billsec: 60,
            disposition: .answered, hangupCause: "NORMAL_CLEARING")
        #expect(monitor.complete(record, liveUUID: uniqueid).findings.isEmpty)
        #expect(monitor.calls.isEmpty)
        let listed = LiveCall(
            uuid: uniqueid, account: "1001", callerNumber: "1001", destination: "011252610000000", startedAt: start,
            answeredAt: start.addingTimeInterval(2))
        let resync = monitor.resync(with: [listed], at: start.addingTimeInterval(61))
        #expect(resync.started.isEmpty)
        #expect(monitor.calls.isEmpty)
    }
}
