import Testing
import TollGuardCluster

/// A shipment's deadline, without a server.
@Suite struct DeadlineTests {
    @Test func anAnswerInTimeIsTheAnswer() async throws {
        let value = try await withDeadline(.seconds(30)) { 42 }
        #expect(value == 42)
    }

    @Test func anErrorInTimeIsTheError() async throws {
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await withDeadline(.seconds(30)) { () async throws -> Int in throw Refused() }
        }
    }

    @Test func aWaitThatNeverEndsEndsAtTheDeadline() async throws {
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(200)) {
                // As postgres-nio's query when the server went away: never resumed.
                await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
            }
        }
        #expect(ContinuousClock.now - started >= .milliseconds(200))
    }
}
