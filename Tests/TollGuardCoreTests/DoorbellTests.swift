import Testing
import TollGuardCore

/// The wake-up between the pipeline's store writes and the edge's shipping.
@Suite struct DoorbellTests {
    @Test func aRingWhileNobodyWaitsIsKeptOnceForTheNextWait() async {
        let doorbell = Doorbell()
        doorbell.ring()
        doorbell.ring()
        #expect(await doorbell.wait(upTo: .seconds(60)))
        // Two rings before the wait are one wake-up: the waiter looks at everything new anyway.
        #expect(await doorbell.wait(upTo: .milliseconds(20)) == false)
    }

    @Test func aRingWakesAWaiterLongBeforeItsTime() async {
        let doorbell = Doorbell()
        let clock = ContinuousClock()
        let started = clock.now
        // Rung before or after the wait begins: either way it ends the wait, not the 600 s.
        async let woken = doorbell.wait(upTo: .seconds(600))
        doorbell.ring()
        #expect(await woken)
        #expect(clock.now - started < .seconds(300))
    }

    @Test func aCancelledWaitReturnsAtOnceAndKeepsTheRingForTheNext() async {
        let doorbell = Doorbell()
        let waiting = Task { await doorbell.wait(upTo: .seconds(600)) }
        waiting.cancel()
        #expect(await waiting.value == false)
        doorbell.ring()
        #expect(await doorbell.wait(upTo: .seconds(60)))
    }
}
