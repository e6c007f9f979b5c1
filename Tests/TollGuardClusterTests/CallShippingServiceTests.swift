import Foundation
import Logging
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// The edge's shipping service: woken by its store, through a restart of the server and a
    /// failover to a promoted standby, every call arrives once.
    @Suite struct CallShippingServiceTests {
        typealias Calls = CallShippingTests

        static func service(url: PostgresURL, local: TollGuardDatabase) -> CallShippingService {
            let connector = ClusterConnector(
                url: url, password: nil, applicationName: "tollguard test", logger: TestPostgres.logger)
            var service = CallShippingService(
                connector: connector, local: local, source: "edge-a", switchName: "pbx1", logger: TestPostgres.logger)
            service.interval = .seconds(600)  // only a ring (or the first look) ships
            service.deadline = .seconds(3)
            service.firstPause = .milliseconds(50)
            service.longestPause = .milliseconds(500)
            return service
        }

        /// Stores calls `first…` in the edge's store, as its pipeline does, and rings.
        static func journal(_ count: Int, first: Int, in local: TollGuardDatabase, ringing service: CallShippingService)
            throws
        {
            _ = try local.store(Calls.calls(count, first: first), source: "fs-event-socket", switchName: nil)
            service.doorbell.ring()
        }

        /// What the store at `configuration` holds of edge-a: calls, distinct keys, last sequence.
        static func holdings(_ store: ClusterStore) async throws -> [Int64] {
            [
                try await TestPostgres.number("SELECT count(*) FROM calls", store),
                try await TestPostgres.number("SELECT count(DISTINCT dedup_key) FROM calls", store),
                try await TestPostgres.number("SELECT last_sequence FROM sources WHERE source_id = 'edge-a'", store),
            ]
        }

        @Test func aRingShipsAtOnceAndARestartedServerLosesNothing() async throws {
            let name = try await TestPostgres.createDatabase()
            let local = try Calls.edge(500)
            let service = Self.service(url: try TestPostgres.url(database: name), local: local)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                defer { group.cancelAll() }
                #expect(try await poll(upTo: 60) { service.status.snapshot.held == 500 })
                let socket = try TestPostgres.socket
                #expect(service.status.snapshot.server == socket)

                // Looks come every 600 s: only the ring explains a shipment now.
                try Self.journal(300, first: 501, in: local, ringing: service)
                #expect(try await poll(upTo: 60) { service.status.snapshot.held == 800 })

                try await TestPostgres.restartServer()
                try Self.journal(200, first: 801, in: local, ringing: service)
                #expect(
                    try await poll(upTo: 120) { service.status.snapshot.held == 1_000 },
                    "\(service.status.snapshot)")
            }
            try await TestPostgres.withStore(database: name) { store async throws -> Void in
                #expect(try await Self.holdings(store) == [1_000, 1_000, 1_000])
            }
            // (How many the counters say were taken depends on where the restart fell: a shipment
            // that landed but whose answer was lost is found held by the next pass, not counted.
            // A restart may also lose acknowledged commits, sent again. The store's holdings are
            // what must be exact.)
            let status = service.status.snapshot
            #expect(status.backlog == 0)
            #expect(status.failingSince == nil)
            await TestPostgres.dropDatabase(name)
        }

        @Test func aFailoverToThePromotedStandbyLosesAndDoublesNothing() async throws {
            let primary = try #require(TestPostgres.directory)
            let name = try await TestPostgres.createDatabase()
            try await TestPostgres.withStore(database: name) { _ in }  // the tables, before the copy
            let standby = "/tmp/tg-standby-" + UUID().uuidString.prefix(8).lowercased()
            try await TestPostgres.runControl(["standby", standby, primary])
            let standbySocket = standby + "/.s.PGSQL.55433"
            var failure: (any Error)?
            do {
                let local = try Calls.edge(3_000)
                // The standby first: the connector passes it by while it is one.
                let service = Self.service(
                    url: try TestPostgres.url(database: name, standby: standbySocket), local: local)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await service.run() }
                    defer { group.cancelAll() }
                    #expect(try await poll(upTo: 60) { service.status.snapshot.held == 3_000 })
                    let socket = try TestPostgres.socket
                    #expect(service.status.snapshot.server == socket)

                    // The primary dies; its standby may lack its last commits (asynchronous
                    // replication, commits not flushed).
                    try await TestPostgres.runControl(["stop", primary])
                    try Self.journal(2_000, first: 3_001, in: local, ringing: service)
                    // (A slow shipment may have failed and reconnected before: wait for this one.)
                    #expect(try await poll(upTo: 60) { service.status.snapshot.server == nil })
                    #expect(service.status.snapshot.failures >= 1)
                    try await TestPostgres.runControl(["promote", standby])
                    #expect(
                        try await poll(upTo: 120) { service.status.snapshot.held == 5_000 },
                        "\(service.status.snapshot)")
                    #expect(service.status.snapshot.server == standbySocket)
                }
                let store = ClusterStore(
                    configuration: PostgresClient.Configuration(
                        unixSocketPath: standbySocket, username: "tollguard", password: nil, database: name),
                    logger: TestPostgres.logger)
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await store.run() }
                    defer { group.cancelAll() }
                    #expect((try? await Self.holdings(store)) == [5_000, 5_000, 5_000])
                }
            } catch {
                failure = error
            }
            try? await TestPostgres.runControl(["stop", standby])
            try? FileManager.default.removeItem(atPath: standby)
            try await TestPostgres.restartServer()  // the old primary again, for the tests after this one
            await TestPostgres.dropDatabase(name)
            if let failure { throw failure }
        }
    }
}
