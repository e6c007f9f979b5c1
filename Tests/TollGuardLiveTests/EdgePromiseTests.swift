import Foundation
import Synchronization
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardLive
import TollGuardTestSupport

/// What an edge promises the cluster's analyzer from its live view: the time before which every
/// event is told, and its calls up, told by what changed.
@Suite struct EdgePromiseTests {
    static let now = Date(timeIntervalSince1970: 1_795_000_600)

    /// A call ended at `end` and waiting for the store, priced at 0.90.
    static func ended(id: String, start: Double, end: Double) -> (CallRecord, CallDestination, String?) {
        let started = now.addingTimeInterval(start)
        let record = CallRecord(
            dedupKey: id.isEmpty ? "#row" : id, callID: id, account: "1001", callerNumber: "1001",
            destination: "2125550100", context: "default", sourceIP: nil, startedAt: started,
            answeredAt: started.addingTimeInterval(3), endedAt: now.addingTimeInterval(end),
            duration: Int(end - start), billsec: Int(end - start) - 3, disposition: .answered,
            hangupCause: "NORMAL_CLEARING")
        var price = CallPrice()
        price.costMicros = 900_000
        let destination = CallDestination(
            classification: NumberClassification(dialed: record.destination, scope: .national), price: price)
        return (record, destination, "fs1")
    }

    /// A call up, as an edge tells it.
    static func up(_ key: String, start: Double, answered: Double? = nil) -> ObservedCall {
        ObservedCall(
            key: key, account: "1001", callerNumber: "1001", sourceIP: nil, trunk: nil, context: "default",
            dialed: "2125550100", scope: .national, e164: nil, region: nil, numberType: nil, risk: [], hotspot: nil,
            ratePerMinuteMicros: 0, startedAt: now.addingTimeInterval(start),
            answeredAt: answered.map { now.addingTimeInterval($0) },
            disposition: answered == nil ? .noAnswer : .answered
        )
    }

    /// With nothing waiting, the promise is the switch's clock less the lateness.
    @Test func nothingWaitingPromisesTheClockLessTheLateness() {
        var diff = CallsUpDiff()
        let next = diff.next(now: Self.now, lateness: .seconds(1), changedUp: [], up: [:], unstored: [])
        #expect(next.watermark == Self.now.addingTimeInterval(-1))
        #expect(next.changes.isEmpty)
    }

    /// A call ended and not stored yet is told as up until it is stored, then gone.
    ///
    /// It is told with its start and answer, no end, no cost, and holds the promise back to its
    /// end, not its start: an hour of the cluster's analysis is not held back while the edge's
    /// store takes it.
    @Test func anEndedCallWaitingForTheStoreIsToldAsUpUntilItsEnd() throws {
        var diff = CallsUpDiff()
        let waiting = Self.ended(id: "uuid-1", start: -3600, end: -2)
        let next = diff.next(now: Self.now, lateness: .seconds(1), changedUp: [], up: [:], unstored: [waiting])
        #expect(next.watermark == Self.now.addingTimeInterval(-2))
        #expect(next.changes.count == 1)
        let told = try #require(next.changes.first?.call)
        #expect(told.key == "uuid-1" && told.switchName == "fs1")
        #expect(told.startedAt == Self.now.addingTimeInterval(-3600))
        #expect(told.answeredAt == Self.now.addingTimeInterval(-3597))
        #expect(told.endedAt == nil && told.costMicros == 0 && told.disposition == .answered)

        let still = diff.next(now: Self.now, lateness: .seconds(1), changedUp: [], up: [:], unstored: [waiting])
        #expect(still.changes.isEmpty, "nothing changed")
        let stored = diff.next(now: Self.now, lateness: .seconds(1), changedUp: [], up: [:], unstored: [])
        #expect(stored.changes.map(\.key) == ["uuid-1"] && stored.changes.first?.call == nil)
        #expect(stored.watermark == Self.now.addingTimeInterval(-1))
    }

    /// A call without the switch's id (a file's row) cannot be told as up: the promise stays
    /// before its start.
    @Test func aCallWithoutAnIDHoldsThePromiseBeforeItsStart() {
        var diff = CallsUpDiff()
        let next = diff.next(
            now: Self.now, lateness: .seconds(1), changedUp: [], up: [:],
            unstored: [Self.ended(id: "", start: -600, end: -2)])
        #expect(next.watermark == Self.now.addingTimeInterval(-600))
        #expect(next.changes.isEmpty)
    }

    /// The shipper hears every call up on its first take, then only what changed — new calls,
    /// answers, calls gone — and a call noted again unchanged is not told again; a take the store
    /// did not confirm, or a new connection, tells every call again.
    @Test func theShipperHearsWhatChangedAndEverythingAfterAFailure() throws {
        let callsUp = EdgeCallsUp()
        #expect(callsUp.take() == nil, "no promise before the live view's first tick")
        let wm = Self.now
        callsUp.update(watermark: wm, changes: [("b", Self.up("b", start: -5)), ("a", Self.up("a", start: -9))])
        let first = try #require(callsUp.take())
        #expect(first.watermark == wm)
        #expect(first.callsUp == .every([Self.up("a", start: -9), Self.up("b", start: -5)]))
        callsUp.told()

        callsUp.update(
            watermark: wm.addingTimeInterval(1),
            changes: [
                ("a", Self.up("a", start: -9, answered: -1)), ("b", Self.up("b", start: -5)), ("c", nil),
                ("d", Self.up("d", start: -1)),
            ])
        callsUp.update(watermark: wm.addingTimeInterval(2), changes: [("e", Self.up("e", start: 0)), ("e", nil)])
        let second = try #require(callsUp.take())
        #expect(second.watermark == wm.addingTimeInterval(2))
        #expect(
            second.callsUp
                == CallsUpChange(all: false, told: [Self.up("a", start: -9, answered: -1), Self.up("d", start: -1)]))
        callsUp.told()

        callsUp.update(watermark: wm.addingTimeInterval(3), changes: [("b", nil)])
        #expect(try #require(callsUp.take()).callsUp == CallsUpChange(all: false, told: [], gone: ["b"]))
        // Not confirmed: the store may hold either; every call again.
        callsUp.update(watermark: wm.addingTimeInterval(4), changes: [("f", Self.up("f", start: 3))])
        #expect(
            try #require(callsUp.take()).callsUp
                == .every([Self.up("a", start: -9, answered: -1), Self.up("d", start: -1), Self.up("f", start: 3)]))
        callsUp.told()
        #expect(try #require(callsUp.take()).callsUp == CallsUpChange(all: false, told: []))
        callsUp.told()
        callsUp.forget()
        #expect(try #require(callsUp.take()).callsUp.all, "a new connection hears every call")
    }

    /// While a switch is not connected its calls are unknown: the promise's time stays where it
    /// was, while the calls the live view still sees go on being told.
    @Test func aSwitchNotConnectedHoldsThePromisesTime() throws {
        let link = SwitchLink()
        let callsUp = EdgeCallsUp(seesEverySwitch: { link.connected.load(ordering: .relaxed) })
        callsUp.update(watermark: Self.now, changes: [("a", Self.up("a", start: -9))])
        #expect(try #require(callsUp.take()).watermark == Self.now)
        callsUp.told()
        link.connected.store(false, ordering: .relaxed)
        callsUp.update(watermark: Self.now.addingTimeInterval(5), changes: [("b", Self.up("b", start: 2))])
        let held = try #require(callsUp.take())
        #expect(held.watermark == Self.now)
        #expect(held.callsUp.told.map(\.key) == ["b"])
        callsUp.told()
        link.connected.store(true, ordering: .relaxed)
        #expect(try #require(callsUp.take()).watermark == Self.now.addingTimeInterval(5))
    }

    /// A switch's traffic through the live monitor, ticked, flushed to the store and shipped at
    /// random, with shipments that fail and connections that start anew: after every shipment the
    /// store holds exactly the calls up and the ended ones waiting for the store, each with its
    /// answer — what telling every call each time would have left there.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func theCallsUpTheStoreHoldsAreTheLiveViewsAfterEveryShipment(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let calls = (0..<300).map { index -> CallRecord in
            let start = Self.now.addingTimeInterval(Double(Int.random(in: 0..<900, using: &random)))
            let answered = Bool.random(using: &random) ? start.addingTimeInterval(Double.random(in: 1...20)) : nil
            let end = (answered ?? start).addingTimeInterval(Double(Int.random(in: 1...240, using: &random)))
            return CallRecord(
                dedupKey: "call-\(index)", callID: "call-\(index)", account: "10\(index % 20)",
                callerNumber: "10\(index % 20)", destination: "2125550\(100 + index)", context: "default",
                sourceIP: "192.0.2.9", startedAt: start, answeredAt: answered, endedAt: end,
                duration: Int(end.timeIntervalSince(start)),
                billsec: answered.map { Int(end.timeIntervalSince($0)) } ?? 0,
                disposition: answered == nil ? .noAnswer : .answered, hangupCause: "NORMAL_CLEARING")
        }
        var writer = FreeSWITCHEventWriter()
        var monitor = try Self.monitor()
        monitor.tracksChanges = true
        var diff = CallsUpDiff()
        let callsUp = EdgeCallsUp()
        var unstored: [(record: CallRecord, destination: CallDestination, switchName: String?)] = []
        var store: [String: Date?] = [:]
        var shipments = 0
        var most = 0
        for timed in writer.stream(calls, heartbeatSeconds: 30) {
            unstored += monitor.handle(timed.event, switchName: "fs1").completed.map {
                ($0.record, $0.destination, "fs1")
            }
            guard Int.random(in: 0..<4, using: &random) == 0 else { continue }
            if Bool.random(using: &random) { unstored = [] }  // the store took them
            let next = diff.next(
                now: timed.time, lateness: .seconds(1), changedUp: monitor.takeChanges(), up: monitor.calls,
                unstored: unstored)
            callsUp.update(watermark: next.watermark, changes: next.changes)
            guard Int.random(in: 0..<3, using: &random) == 0 else { continue }
            if Int.random(in: 0..<10, using: &random) == 0 {
                _ = callsUp.take()  // a shipment that failed
                continue
            }
            if Int.random(in: 0..<20, using: &random) == 0 {
                callsUp.forget()  // a new connection, to a standby that holds none
                store = [:]
            }
            let change = try #require(callsUp.take()).callsUp
            if change.all { store = [:] }
            for key in change.gone { store[key] = nil }
            for call in change.told { store[call.key] = .some(call.answeredAt) }
            callsUp.told()
            shipments += 1
            // The live view, every call of it.
            var view: [String: Date?] = [:]
            for (key, entry) in monitor.calls { view[key] = .some(entry.observed.answeredAt) }
            for (record, _, _) in unstored where view[record.callID] == nil {
                view[record.callID] = .some(record.answeredAt)
            }
            #expect(store == view, "shipment \(shipments) at \(timed.time)")
            most = max(most, view.count)
            if store != view { return }
        }
        #expect(shipments > 30 && most > 20, "\(shipments) shipments, at most \(most) calls up")
    }

    static func monitor() throws -> LiveMonitor {
        let configuration = TollGuardConfiguration()
        let engine = AnalysisEngine.standard(settings: configuration.analysis, timeZone: .named("UTC"))
        let rater = try configuration.destinationRater(plan: NumberingPlan.builtIn.get(), deck: .empty)
        return LiveMonitor(engine: engine, rater: rater)
    }
}

/// Whether the switch of a test is connected, as its event socket's counters say.
private final class SwitchLink: Sendable {
    let connected = Atomic<Bool>(true)
}
