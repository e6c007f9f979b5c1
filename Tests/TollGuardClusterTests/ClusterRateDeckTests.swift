import Foundation
import Synchronization
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// The cluster's rate deck: replaced on any node, read back as the single box reads its own,
    /// a node's own deck the cluster's when it has none, and copied into every node's store.
    @Suite struct ClusterRateDeckTests {
        static let imported = Date(timeIntervalSince1970: 1_790_000_000)

        static func deck(somaliaPerMinute: Double) -> RateDeck {
            RateDeck(entries: [
                RateDeck.Entry(
                    prefix: "252", destination: "Somalia", ratePerMinuteMicros: Money.micros(somaliaPerMinute)),
                RateDeck.Entry(
                    prefix: "44", destination: "United Kingdom", ratePerMinuteMicros: 20_000, connectFeeMicros: 5_000,
                    billing: BillingIncrement(initialSeconds: 30, incrementSeconds: 6), currency: "USD"),
                RateDeck.Entry(
                    prefix: "44", destination: "United Kingdom", ratePerMinuteMicros: 25_000,
                    effectiveFrom: Date(timeIntervalSince1970: 1_800_000_000)),
            ])
        }

        /// Replaced and read back: the same rates and version as the single box's store gives.
        @Test func theDeckReadsBackAsTheSingleBoxReadsIt() async throws {
            let deck = Self.deck(somaliaPerMinute: 1.2)
            let single = try TollGuardDatabase.inMemory()
            try single.replaceRateDeck(deck, sourcePath: "deck.csv", imported: Self.imported)
            try await TestPostgres.withStore { store in
                #expect(try await store.rateDeck() == nil)
                #expect(try await store.rateDeckVersion() == nil)
                try await store.replaceRateDeck(Self.deck(somaliaPerMinute: 3), sourcePath: "old.csv")
                try await store.replaceRateDeck(deck, sourcePath: "deck.csv", imported: Self.imported)
                let read = try #require(try await store.rateDeck())
                #expect(Set(read.deck.entries) == Set(try single.rateDeck().entries))
                #expect(read.version == (try single.rateDeckVersion()))
                #expect(try await store.rateDeckVersion() == read.version)
                #expect(read.deck.rate(for: "2526123", at: Date())?.ratePerMinuteMicros == Money.micros(1.2))
            }
        }

        /// A node's own deck becomes the cluster's only when the cluster has none; the node's
        /// copy then follows the cluster's, and the engines are told only when it changed.
        @Test func aNodesDeckIsTheClustersWhenItHasNoneThenTheNodeFollows() async throws {
            let local = try TollGuardDatabase.inMemory()
            try local.replaceRateDeck(Self.deck(somaliaPerMinute: 1.2), sourcePath: "node.csv", imported: Self.imported)
            let other = try TollGuardDatabase.inMemory()
            try other.replaceRateDeck(Self.deck(somaliaPerMinute: 9), sourcePath: "other.csv")
            let name = try await TestPostgres.createDatabase()
            let changes = Mutex(0)
            func mirror(of database: TollGuardDatabase, node: String) throws -> ClusterQuotaAndListMirror {
                var mirror = ClusterQuotaAndListMirror(
                    connector: ClusterConnector(
                        url: try TestPostgres.url(database: name), password: nil, applicationName: "test",
                        logger: TestPostgres.logger),
                    local: database, node: node, logger: TestPostgres.logger)
                mirror.listsOrRatesChanged = { changes.withLock { $0 += 1 } }
                return mirror
            }
            let (first, second) = (try mirror(of: local, node: "edge-a"), try mirror(of: other, node: "edge-b"))
            try await TestPostgres.withStore(database: name) { store in
                try await store.migrate()
                try await first.importOnce(store)
                try await second.importOnce(store)
                #expect(try await store.rateDeckVersion()?.source == "node.csv")
                try await first.mirrorOnce(store)
                #expect(changes.withLock { $0 } == 0, "the node's own deck is the cluster's")
                try await second.mirrorOnce(store)
                #expect(changes.withLock { $0 } == 1)
                #expect(try other.rateDeck().rate(for: "2526", at: Date())?.ratePerMinuteMicros == Money.micros(1.2))
                try await store.replaceRateDeck(Self.deck(somaliaPerMinute: 2.5), sourcePath: "new.csv")
                try await first.mirrorOnce(store)
                try await first.mirrorOnce(store)
                #expect(changes.withLock { $0 } == 2, "one change, told once")
                #expect(try local.rateDeck().rate(for: "2526", at: Date())?.ratePerMinuteMicros == Money.micros(2.5))
                let clusters = try await store.rateDeckVersion()
                #expect(try local.rateDeckVersion() == clusters)

                // Imported again within the same second from the same file with as many rates
                // (one price corrected): the node copies it all the same.
                let at = Date(timeIntervalSince1970: 1_790_000_100.2)
                try await store.replaceRateDeck(Self.deck(somaliaPerMinute: 4), sourcePath: "new.csv", imported: at)
                try await first.mirrorOnce(store)
                try await store.replaceRateDeck(
                    Self.deck(somaliaPerMinute: 4.5), sourcePath: "new.csv", imported: at.addingTimeInterval(0.5))
                try await first.mirrorOnce(store)
                #expect(try local.rateDeck().rate(for: "2526", at: Date())?.ratePerMinuteMicros == Money.micros(4.5))
                #expect(changes.withLock { $0 } == 4)
            }
            await TestPostgres.dropDatabase(name)
        }
    }
}
