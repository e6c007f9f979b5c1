import Foundation
import Testing
import TollGuardCore
import TollGuardLive

/// What an edge promises the cluster's analyzer from its live view.
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

    /// With nothing waiting, the promise is the switch's clock less the lateness.
    @Test func nothingWaitingPromisesTheClockLessTheLateness() {
        let promise = LivePipeline.promise(now: Self.now, lateness: .seconds(1), up: [:], unstored: [])
        #expect(promise.watermark == Self.now.addingTimeInterval(-1))
        #expect(promise.callsUp.isEmpty)
    }

    /// A call ended an hour after it started and not stored yet is told as up — its start and
    /// answer, no end, no cost — and holds the promise back to its end, not its start: an hour
    /// of the cluster's analysis is not held back while the edge's store takes it.
    @Test func anEndedCallWaitingForTheStoreIsToldAsUpUntilItsEnd() throws {
        let promise = LivePipeline.promise(
            now: Self.now, lateness: .seconds(1), up: [:], unstored: [Self.ended(id: "uuid-1", start: -3600, end: -2)])
        #expect(promise.watermark == Self.now.addingTimeInterval(-2))
        let told = try #require(promise.callsUp.first)
        #expect(promise.callsUp.count == 1)
        #expect(told.key == "uuid-1" && told.switchName == "fs1")
        #expect(told.startedAt == Self.now.addingTimeInterval(-3600))
        #expect(told.answeredAt == Self.now.addingTimeInterval(-3597))
        #expect(told.endedAt == nil && told.costMicros == 0 && told.disposition == .answered)
    }

    /// A call without the switch's id (a file's row) cannot be told as up: the promise stays
    /// before its start.
    @Test func aCallWithoutAnIDHoldsThePromiseBeforeItsStart() {
        let promise = LivePipeline.promise(
            now: Self.now, lateness: .seconds(1), up: [:], unstored: [Self.ended(id: "", start: -600, end: -2)])
        #expect(promise.watermark == Self.now.addingTimeInterval(-600))
        #expect(promise.callsUp.isEmpty)
    }
}
