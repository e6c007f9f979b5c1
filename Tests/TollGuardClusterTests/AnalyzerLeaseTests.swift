import Foundation
import Logging
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardTestSupport

extension PostgresServerTests {
    /// One analyzer at a time, on the database's clock; a holder that lost the lease writes nothing.
    @Suite struct AnalyzerLeaseTests {
        /// A lease of `seconds`: long unless a test waits for one to lapse (CI's machine can take
        /// seconds between two steps of a test).
        static func lease(_ store: ClusterStore, _ node: String, seconds: Int = 600) -> AnalyzerLease {
            var lease = AnalyzerLease(store: store, node: node)
            lease.duration = .seconds(seconds)
            return lease
        }

        /// A write a holder makes under its lease: one row of `effects`.
        static func effect(_ note: String, epoch: Int64) -> @Sendable (PostgresConnection) async throws -> Void {
            { connection in
                try await connection.query(
                    "INSERT INTO effects (epoch, note) VALUES (\(epoch), \(note))", logger: TestPostgres.logger)
            }
        }

        @Test func aTakeoverFencesThePausedHolderOutOfEveryWrite() async throws {
            try await TestPostgres.withStore { store in
                try await store.client.query(
                    "CREATE TABLE effects (epoch bigint, note text)", logger: TestPostgres.logger)
                let (a, b) = (Self.lease(store, "analyzer-a"), Self.lease(store, "analyzer-b"))
                let first = try #require(try await a.acquire())
                #expect(first.epoch == 1)
                #expect(first.offsets.isEmpty)
                #expect(try await b.acquire() == nil)  // held and running
                try await a.fenced(first, offsets: ["edge-a": 10], Self.effect("a consumed 10", epoch: first.epoch))
                #expect(try await a.holder()?.node == "analyzer-a")

                // a is paused past its lease: the database's clock passes its end (as it would
                // after 600 s without a renewal). b takes over from the offsets a committed.
                try await store.client.query(
                    "UPDATE analyzer_leases SET lease_until = now() - interval '1 second'", logger: TestPostgres.logger)
                let second = try #require(try await b.acquire())
                #expect(second.epoch == 2)
                #expect(second.offsets == ["edge-a": 10])

                // a wakes up and writes as if it still held the lease: refused, nothing written.
                await #expect(throws: LeaseLost(epoch: 1)) {
                    try await a.fenced(
                        first, offsets: ["edge-a": 99], Self.effect("a's late write", epoch: first.epoch))
                }
                await #expect(throws: LeaseLost(epoch: 1)) { try await a.renew(first) }
                try await b.fenced(second, offsets: ["edge-a": 20], Self.effect("b consumed 20", epoch: second.epoch))
                #expect(try await TestPostgres.number("SELECT count(*) FROM effects", store) == 2)
                #expect(try await TestPostgres.number("SELECT count(*) FROM effects WHERE epoch = 1", store) == 1)
                #expect(
                    try await TestPostgres.number(
                        "SELECT (offsets->>'edge-a')::bigint FROM analyzer_leases", store) == 20)

                // A holder that gives the lease up hands it over at once.
                try await b.renew(second)
                try await b.release(second)
                let third = try #require(try await a.acquire())
                #expect(third.epoch == 3)
                #expect(third.offsets == ["edge-a": 20])
            }
        }

        @Test func aLeaseNobodyRenewsLapsesByTheDatabaseClock() async throws {
            try await TestPostgres.withStore { store in
                let (a, b) = (Self.lease(store, "analyzer-a", seconds: 1), Self.lease(store, "analyzer-b"))
                let clock = ContinuousClock()
                let started = clock.now
                let first = try #require(try await a.acquire())
                var taken: AnalyzerLease.Held?
                #expect(
                    try await poll(upTo: 60, every: .milliseconds(50)) {
                        taken = try await b.acquire()
                        return taken != nil
                    })
                #expect(taken?.epoch == first.epoch + 1)
                // Not before the lease's second had passed.
                #expect(clock.now - started >= .milliseconds(900))
                await #expect(throws: LeaseLost(epoch: first.epoch)) { try await a.renew(first) }
            }
        }

        @Test func nodesTakingTheLeaseAtOnceGetOneEpochEach() async throws {
            try await TestPostgres.withStore { store in
                let nodes = (1...8).map { Self.lease(store, "analyzer-\($0)") }
                let taken = try await withThrowingTaskGroup(of: AnalyzerLease.Held?.self) { group in
                    for node in nodes { group.addTask { try await node.acquire() } }
                    var taken: [AnalyzerLease.Held] = []
                    for try await held in group { if let held { taken.append(held) } }
                    return taken
                }
                #expect(taken.map(\.epoch) == [1])
            }
        }
    }
}
