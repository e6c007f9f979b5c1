import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// An edge's copies of the cluster's suspensions: made for the accounts suspended there, lifted
/// when the cluster lifts them, never touching a suspension made here, never running a hook.
@Suite struct MirroredSuspensionTests {
    static func cluster(_ id: Int64, _ account: String) -> Suspension {
        Suspension(
            id: id, account: account, enforced: true, reason: "daily_quota high: over", actor: "policy",
            since: Date(timeIntervalSince1970: 1_800_000_000), until: Date(timeIntervalSince1970: 1_800_086_400),
            alertIDs: [id * 10])
    }

    @Test func theClusterSuspensionsAreCopiedAndLiftedAndAPersonsStayAsTheyAre() async throws {
        let database = try TollGuardDatabase.inMemory()
        let hook = AlertSeeds.programHook("pbx")
        let decider = ActionDecider(database: database, settings: ActionSettings(hooks: [hook]))
        guard
            case .suspended(let own) = try decider.suspend(account: "2002", reason: "fraud", until: nil, actor: "alice")
        else {
            Issue.record("not suspended")
            return
        }
        let deliveries = try database.outbox().count

        let first = try await database.mirror(clusterSuspensions: [Self.cluster(7, "1001"), Self.cluster(8, "2002")])
        #expect(first.started.map(\.account) == ["1001"])
        #expect(first.lifted.isEmpty)
        let copy = try #require(try database.activeSuspension(account: "1001"))
        #expect(copy.actor == TollGuardDatabase.clusterActor && copy.until == nil)
        #expect(copy.reason.hasPrefix("cluster suspension 7: "))
        #expect(try database.activeSuspension(account: "2002") == own)

        let again = try await database.mirror(clusterSuspensions: [Self.cluster(7, "1001"), Self.cluster(8, "2002")])
        #expect(again.started.isEmpty && again.lifted.isEmpty)

        let lifted = try await database.mirror(clusterSuspensions: [])
        #expect(lifted.lifted.map(\.account) == ["1001"])
        #expect(try database.activeSuspension(account: "1001") == nil)
        #expect(try database.activeSuspension(account: "2002") == own, "a person's suspension is not the cluster's")
        #expect(try database.outbox().count == deliveries, "no hook runs for a copy")
        let journal = try database.journal(subjectType: "account", subject: "1001").map(\.action)
        #expect(journal == ["suspension.lifted", "suspension.started"])
    }
}
