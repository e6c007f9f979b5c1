import Foundation
import PostgresNIO
import Synchronization
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// The cluster's fraud lists: imported and removed on any node, read back as the single box
    /// reads its own, copied once from a node's own store, and copied into every node's store,
    /// whose engines are made anew when they change.
    @Suite struct ClusterListTests {
        static let imported = Date(timeIntervalSince1970: 1_790_000_000)

        static func list(_ name: String, numbers: [String], ips: [String] = []) -> FraudList {
            FraudList(name: name, numbers: numbers, ipRanges: ips.compactMap(IPAddressRange.init))
        }

        /// Saved, replaced and removed: the cluster reads a list back as SQLite does, entries in
        /// order; a list of 20,000 numbers goes in whole.
        @Test func listsReadBackAsTheSingleBoxReadsThem() async throws {
            let irsf = Self.list(
                "irsf", numbers: ["37190123", "2526", "88213"], ips: ["203.0.113.7", "198.51.100.0/24"])
            let single = try TollGuardDatabase.inMemory()
            try single.saveFraudList(irsf, sourcePath: "/etc/tollguard/irsf.txt", imported: Self.imported)
            let big = Self.list("big", numbers: (0..<20_000).map { "8823\($0)" })
            try await TestPostgres.withStore { store in
                try await store.saveFraudList(irsf, sourcePath: "/etc/tollguard/irsf.txt", imported: Self.imported)
                #expect(try await store.fraudLists() == single.fraudLists())
                #expect(try await store.fraudListVersions() == single.fraudListVersions())
                try await store.saveFraudList(big, sourcePath: "big.txt")
                let versions = try await store.fraudListVersions()
                #expect(versions.map(\.name) == ["big", "irsf"] && versions.map(\.entries) == [20_000, 5])
                let replaced = Self.list("irsf", numbers: ["2526"])
                try await store.saveFraudList(replaced, sourcePath: "irsf-2.txt")
                #expect(try await store.fraudList(named: "irsf") == replaced)
                #expect(try await store.removeFraudList(named: "big"))
                #expect(try await !store.removeFraudList(named: "big"))
                #expect(try await store.fraudLists().map(\.name) == ["irsf"])
            }
        }

        /// Two imports of one list at once, on two nodes: the later waits for the earlier and
        /// replaces it whole (it used to write nothing and report success).
        @Test func aListImportedTwiceAtOnceIsTheLaterImportWhole() async throws {
            let later = Self.list("irsf", numbers: ["2526", "37190123"])
            try await TestPostgres.withStore { store in
                let (inserted, inserting) = AsyncStream.makeStream(of: Void.self)
                let (released, release) = AsyncStream.makeStream(of: Void.self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // The earlier import, on another node: its list row written, not committed.
                    group.addTask {
                        try await store.client.withConnection { connection in
                            try await connection.query("BEGIN", logger: TestPostgres.logger)
                            try await connection.query(
                                "SELECT pg_advisory_xact_lock(\(ClusterStore.fraudListLock), hashtext('irsf'))",
                                logger: TestPostgres.logger)
                            try await connection.query(
                                """
                                INSERT INTO cluster_fraud_lists (name, source_path, imported_utc)
                                VALUES ('irsf', 'earlier.txt', now())
                                """, logger: TestPostgres.logger)
                            inserting.yield()
                            for await _ in released { break }
                            try await connection.query("COMMIT", logger: TestPostgres.logger)
                        }
                    }
                    for await _ in inserted { break }
                    group.addTask { try await store.saveFraudList(later, sourcePath: "later.txt") }
                    // The later one waits for the earlier before it goes on.
                    while try await TestPostgres.number("SELECT count(*) FROM pg_locks WHERE NOT granted", store) == 0 {
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    release.yield()
                    try await group.waitForAll()
                }
                #expect(try await store.fraudList(named: "irsf") == later)
                #expect(try await store.fraudListVersions().map(\.source) == ["later.txt"])
            }
        }

        /// A node's own lists go into the cluster's once; a list the cluster has by that name wins.
        @Test func aNodesOwnListsAreCopiedInOnce() async throws {
            let summary = { @Sendable (name: String) in
                FraudListSummary(name: name, source: "own.txt", imported: Self.imported)
            }
            try await TestPostgres.withStore { store in
                try await store.saveFraudList(Self.list("irsf", numbers: ["2526"]), sourcePath: "cluster.txt")
                let first = try await store.importFraudLists(
                    of: "edge-a",
                    lists: [
                        (Self.list("irsf", numbers: ["999"]), summary("irsf")),
                        (Self.list("apiban", numbers: [], ips: ["192.0.2.1"]), summary("apiban")),
                    ])
                #expect(first == 1)
                #expect(try await store.fraudList(named: "irsf")?.numbers == ["2526"])
                #expect(try await store.removeFraudList(named: "apiban"))
                let again = try await store.importFraudLists(
                    of: "edge-a", lists: [(Self.list("apiban", numbers: ["1"]), summary("apiban"))])
                #expect(again == nil)
                #expect(try await store.fraudLists().map(\.name) == ["irsf"])
            }
        }

        /// The node's copy follows the cluster's lists, and the engines are told only when it changed.
        @Test func theMirrorCopiesTheListsAndTellsTheEnginesOfAChange() async throws {
            let local = try TollGuardDatabase.inMemory()
            try local.saveFraudList(Self.list("own", numbers: ["4420"]), sourcePath: "own.txt")
            let name = try await TestPostgres.createDatabase()
            let changes = Mutex(0)
            var node = ClusterQuotaAndListMirror(
                connector: ClusterConnector(
                    url: try TestPostgres.url(database: name), password: nil, applicationName: "test",
                    logger: TestPostgres.logger),
                local: local, node: "edge-a", logger: TestPostgres.logger)
            node.listsOrRatesChanged = { changes.withLock { $0 += 1 } }
            let mirror = node
            try await TestPostgres.withStore(database: name) { store in
                try await store.migrate()
                try await mirror.importOnce(store)
                try await mirror.mirrorOnce(store)
                #expect(changes.withLock { $0 } == 0, "the node's own list, copied in: nothing changed here")
                let irsf = Self.list("irsf", numbers: ["2526", "37190"], ips: ["203.0.113.0/24"])
                try await store.saveFraudList(irsf, sourcePath: "irsf.txt")
                try await mirror.mirrorOnce(store)
                #expect(changes.withLock { $0 } == 1)
                #expect(try await local.fraudLists() == store.fraudLists())
                try await mirror.mirrorOnce(store)
                #expect(changes.withLock { $0 } == 1, "nothing changed")
                #expect(try await store.removeFraudList(named: "own"))
                try await store.saveFraudList(Self.list("irsf", numbers: ["2526"]), sourcePath: "irsf-2.txt")
                try await mirror.mirrorOnce(store)
                #expect(changes.withLock { $0 } == 2)
                #expect(try local.fraudLists() == [Self.list("irsf", numbers: ["2526"])])

                // Imported again within the same second from the same file with as many entries
                // (one number corrected): the node copies it all the same.
                let second = Date(timeIntervalSince1970: 1_790_000_000.2)
                try await store.saveFraudList(
                    Self.list("irsf", numbers: ["2526"]), sourcePath: "irsf.txt", imported: second)
                try await mirror.mirrorOnce(store)
                try await store.saveFraudList(
                    Self.list("irsf", numbers: ["2527"]), sourcePath: "irsf.txt",
                    imported: second.addingTimeInterval(0.5))
                try await mirror.mirrorOnce(store)
                #expect(try local.fraudLists() == [Self.list("irsf", numbers: ["2527"])])
                #expect(changes.withLock { $0 } == 4)
            }
            await TestPostgres.dropDatabase(name)
        }
    }
}
