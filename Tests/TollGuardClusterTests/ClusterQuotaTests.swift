import Foundation
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

extension PostgresServerTests {
    /// The cluster's daily quotas: set, raised and removed on any node, journaled as on the
    /// single box, copied once from a node's own store, and copied into every node's store.
    @Suite struct ClusterQuotaTests {
        static let noon = Date(timeIntervalSince1970: 1_790_000_000)

        static func quota(_ account: String, _ dollars: Double, by: String = "noc", at: Date = noon) -> QuotaEntry {
            QuotaEntry(account: account, dailyMicros: Money.micros(dollars), currency: "USD", setBy: by, setAt: at)
        }

        static func raise(_ account: String, _ dollars: Double, day: String, reason: String = "trade fair")
            -> QuotaRaise
        {
            QuotaRaise(
                account: account, day: day, dailyMicros: Money.micros(dollars), currency: "USD", reason: reason,
                setBy: "noc", setAt: noon)
        }

        /// Set, replaced, raised for a day and removed: the engine's tables follow, and the journal
        /// says what the single box's says, word for word.
        @Test func setRaiseAndRemoveAreJournaledAsOnTheSingleBox() async throws {
            var configured = AnalysisSettings()
            configured.account.limits[.dailyQuota] = 40
            let analysis = configured
            let single = try TollGuardDatabase.inMemory()
            try single.setQuota(
                account: "1001", dailyMicros: Money.micros(50), currency: "USD", setBy: "noc",
                reason: "new hire", now: Self.noon)
            try single.setQuota(
                account: "1001", dailyMicros: Money.micros(75.5), currency: "USD", setBy: "noc",
                now: Self.noon)
            try single.raiseQuota(Self.raise("1001", 150, day: "2026-09-21"), analysis: analysis)
            try single.raiseQuota(Self.raise("1002", 90, day: "2026-09-21"), analysis: analysis)
            _ = try single.removeQuota(account: "1001", removedBy: "noc", reason: "left", now: Self.noon)
            let singleJournal = try single.journal(actionPrefix: "quota.").reversed()  // oldest first, as the cluster's

            try await TestPostgres.withStore { store in
                try await store.setQuota(Self.quota("1001", 50), reason: "new hire")
                try await store.setQuota(Self.quota("1001", 75.5), reason: nil)
                #expect(try await store.quotaTable() == ["1001": Money.micros(75.5)])
                try await store.raiseQuota(Self.raise("1001", 150, day: "2026-09-21"), analysis: analysis)
                try await store.raiseQuota(Self.raise("1002", 90, day: "2026-09-21"), analysis: analysis)
                let day = try #require(QuotaRaise.dayNumber(of: "2026-09-21"))
                #expect(
                    try await store.quotaRaises() == [
                        "1001": [day: Money.micros(150)], "1002": [day: Money.micros(90)],
                    ])
                #expect(try await store.quotaRaises(onDay: "2026-09-21")["1001"]?.reason == "trade fair")
                #expect(try await store.quotaRaises(onDay: "2026-09-22").isEmpty)
                #expect(try await store.removeQuota(account: "1001", removedBy: "noc", reason: "left", now: Self.noon))
                #expect(try await !store.removeQuota(account: "1001", removedBy: "noc", reason: nil))
                #expect(try await store.quotaTable().isEmpty)
                let journal = try await store.journal(subjectType: "account")
                let fields = { (entries: [JournalEntry]) in
                    entries.map { [$0.actor, $0.action, $0.subject, $0.before, $0.after, $0.note] }
                }
                #expect(fields(journal) == fields(Array(singleJournal)))
                #expect(journal.map(\.before) == [nil, "50.00 USD", "75.50 USD", "40.00 USD", "75.50 USD"])
            }
        }

        /// A node's own quotas go into the cluster's once: what the cluster has wins, and a quota
        /// removed from the cluster later is not brought back by the node's next start.
        @Test func aNodesOwnQuotasAreCopiedInOnce() async throws {
            try await TestPostgres.withStore { store in
                try await store.setQuota(Self.quota("1001", 10, by: "cluster"), reason: nil)
                let first = try await store.importQuotas(
                    of: "edge-a", quotas: [Self.quota("1001", 99), Self.quota("1002", 20)],
                    raises: [Self.raise("1002", 60, day: "2026-09-21")])
                #expect(first?.quotas == 1 && first?.raises == 1)
                #expect(try await store.quotaTable() == ["1001": Money.micros(10), "1002": Money.micros(20)])
                #expect(try await store.removeQuota(account: "1002", removedBy: "noc", reason: nil))
                let again = try await store.importQuotas(
                    of: "edge-a", quotas: [Self.quota("1002", 20)], raises: [])
                #expect(again == nil)
                #expect(try await store.quotaTable() == ["1001": Money.micros(10)])
                let other = try await store.importQuotas(of: "edge-b", quotas: [Self.quota("1003", 5)], raises: [])
                #expect(other?.quotas == 1)
            }
        }

        /// Every node's store follows the cluster's quotas and raises, its own first copied in.
        @Test func theMirrorCopiesTheNodesQuotasInThenTheClustersOut() async throws {
            let local = try TollGuardDatabase.inMemory()
            try local.setQuota(account: "2001", dailyMicros: Money.micros(30), currency: "USD", setBy: "old-noc")
            // The box's people: one the cluster knows by name already (the cluster's stays).
            try local.addUser(name: "old-admin", role: .admin, passwordHash: "hash-1", actor: "setup")
            try local.addUser(name: "rex", role: .admin, passwordHash: "hash-2", actor: "setup")
            let name = try await TestPostgres.createDatabase()
            defer { Task { await TestPostgres.dropDatabase(name) } }
            let mirror = ClusterQuotaAndListMirror(
                connector: ClusterConnector(
                    url: try TestPostgres.url(database: name), password: nil, applicationName: "test",
                    logger: TestPostgres.logger),
                local: local, node: "edge-a", logger: TestPostgres.logger)
            try await TestPostgres.withStore(database: name) { store in
                try await store.migrate()
                try await store.setQuota(Self.quota("1001", 10), reason: nil)
                try await store.addUser(name: "rex", role: .reviewer, passwordHash: "cluster-hash", actor: "noc")
                try await mirror.importOnce(store)
                try await mirror.mirrorOnce(store)
                #expect(try await local.quotaTable() == ["1001": Money.micros(10), "2001": Money.micros(30)])
                try await store.raiseQuota(Self.raise("1001", 70, day: "2026-09-21"), analysis: AnalysisSettings())
                #expect(try await store.removeQuota(account: "2001", removedBy: "noc", reason: nil))
                try await mirror.mirrorOnce(store)
                #expect(try await local.quotaTable() == ["1001": Money.micros(10)])
                #expect(try local.quotaRaises(onDay: "2026-09-21")["1001"]?.dailyMicros == Money.micros(70))
                // Nothing changed: nothing written.
                #expect(try await !local.mirror(clusterQuotas: store.quotas(), raises: store.raises(onDay: nil)))
                // The node's next start copies nothing back.
                try await mirror.importOnce(store)
                #expect(try await store.quotaTable() == ["1001": Money.micros(10)])
                #expect(try await store.users().map(\.name) == ["old-admin", "rex"])
                #expect(try await store.user(named: "rex")?.role == .reviewer, "the cluster's own user stays")
                #expect(try await store.user(named: "old-admin")?.passwordHash == "hash-1", "logs in as before")
                let journal = try await store.latestJournal(subjectType: "user", subject: "old-admin")
                #expect(journal.map(\.actor) == ["node edge-a"] && journal.first?.action == "user.added")
                // Removed from the cluster, not brought back by the node's next start.
                try await store.client.query(
                    "DELETE FROM cluster_users WHERE name = 'old-admin'", logger: TestPostgres.logger)
                try await mirror.importOnce(store)
                #expect(try await store.users().map(\.name) == ["rex"])
            }
        }
    }
}
