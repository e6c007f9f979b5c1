import AsyncHTTPClient
import Foundation
import ServiceLifecycleTestKit
import Synchronization
import Testing
import TollGuardCore
import TollGuardServer
import TollGuardTestSupport

/// A night whose CDRs did not arrive shows on `serve`'s `/healthz` and `/metrics` until an
/// `analyze` finds calls again.
@Suite struct BlindAnalysisTests {
    static let day = Date(timeIntervalSince1970: 1_794_268_800)

    static func call(_ key: String, at start: Date) -> CallRecord {
        CallRecord(
            dedupKey: key, callID: key, account: "1001", callerNumber: "1001", destination: "100", startedAt: start,
            endedAt: start.addingTimeInterval(60), duration: 60, billsec: 55, disposition: .answered)
    }

    @Test func anEmptyNightIsUnhealthyAndCountedUntilCallsAreAnalysedAgain() async throws {
        let folder = try TemporaryDirectory()
        let database = try TollGuardDatabase.open(path: folder.path("serve.sqlite"))
        _ = try await database.store(
            [(Self.call("before", at: Self.day.addingTimeInterval(3_600)), nil)], source: "test")
        let next = Self.day.addingTimeInterval(86_400)
        try database.recordAnalysisRun(
            from: next, to: next.addingTimeInterval(86_400), started: Date(), finished: Date(), calls: 0, findings: 0,
            changes: AlertChanges())
        let rig = try StoreOutageTests.rig(database: database, folder: folder)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await rig.serve.run() }
                #expect(try await poll(upTo: 120) { rig.port.value.withLock { $0 } != nil })
                let (status, reason) = try await StoreOutageTests.get(rig, "/healthz")
                #expect(status == 503)
                #expect(reason.contains("the last analyze saw no calls"), "\(reason)")
                #expect(reason.contains("the CDRs of this period did not arrive"), "\(reason)")
                let metrics = try await StoreOutageTests.get(rig, "/metrics").1
                #expect(metrics.contains("tollguard_last_analysis_blind 1"), "\(metrics)")
                #expect(metrics.contains("tollguard_last_analysis_calls 0"))

                // The calls arrive late and the night is analysed again: healthy.
                _ = try await database.store(
                    [(Self.call("late", at: next.addingTimeInterval(7_200)), nil)], source: "test")
                try database.recordAnalysisRun(
                    from: next, to: next.addingTimeInterval(86_400), started: Date(), finished: Date(), calls: 1,
                    findings: 0, changes: AlertChanges())
                #expect(try await StoreOutageTests.get(rig, "/healthz").0 == 200)
                #expect(try await StoreOutageTests.get(rig, "/metrics").1.contains("tollguard_last_analysis_blind 0"))
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }
}
