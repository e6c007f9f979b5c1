import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardDemo
import TollGuardTestSupport

/// The cluster's analyzer finds what a nightly replay of the same calls finds, however the edges'
/// shipments and its own steps interleave, and across a change of leader.
extension PostgresServerTests {
    @Suite struct ClusterAnalyzerTests {
        /// Two simulated days of a 40-account site with its fraud, ingested, classified and priced
        /// as one box does: the nightly store.
        struct Site: Sendable {
            var outcome: SimulatedSiteRun.Outcome
            /// Each call's start and end, by its key.
            var times: [String: (start: Date, end: Date)]
            /// Each call as classified and priced, by its key.
            var observed: [String: ObservedCall]
            var folder: TemporaryDirectory

            var evidenceLimit: Int { outcome.configuration.analysis.maxEvidenceCalls }
        }

        /// The site, simulated once, on a thread of its own: hours of synchronous work on the
        /// tests' cooperative pool (two threads here) would starve the servers other tests run
        /// in process.
        static func site() async throws -> Site { try await simulated.value }

        private static let simulated = Task { try await onOwnThread { try simulate() } }

        private static func simulate() throws -> Site {
            let folder = try TemporaryDirectory()
            var settings = SimulationSettings()
            settings.days = 2
            settings.accounts = 40
            let outcome = try SimulatedSiteRun(folder: folder.url).run(
                try Simulation(settings), logger: Logger(label: "cluster-test"))
            var times: [String: (start: Date, end: Date)] = [:]
            var observed: [String: ObservedCall] = [:]
            try outcome.database.forEachObservedCall(from: Self.beginning, to: Self.end) { call in
                times[call.key] = (call.startedAt, call.endedAt ?? call.startedAt)
                observed[call.key] = call
            }
            return Site(outcome: outcome, times: times, observed: observed, folder: folder)
        }

        static let beginning = Date(timeIntervalSince1970: 0)
        static let end = Date(timeIntervalSince1970: 4_000_000_000)

        /// The alerts a nightly replay of `site`'s calls finds: `analyze`'s engine and merging,
        /// over every call in the order the store gives them.
        static func nightly(_ site: Site) async throws -> [AlertDraft] {
            try await onOwnThread {
                var engine = try site.outcome.analysisRun.makeEngine()
                var aggregator = AlertAggregator(evidenceLimit: site.evidenceLimit)
                try site.outcome.database.forEachObservedCall(from: beginning, to: end) { call in
                    for finding in engine.replay(call) { aggregator.add(finding) }
                }
                for finding in engine.finish() { aggregator.add(finding) }
                return aggregator.drafts
            }
        }

        /// What an alert is, for comparing two analyses.
        struct Seen: Hashable, Comparable, CustomStringConvertible {
            var rule: String
            var subject: String
            var window: String
            var severity: Int
            var first: Date
            var last: Date
            var calls: Int
            var cost: Int64

            init(_ draft: AlertDraft) {
                rule = draft.rule.rawValue
                subject = "\(draft.subject.kind.rawValue):\(draft.subject.value)"
                window = draft.windowKey ?? ""
                severity = draft.severity.rawValue
                first = draft.firstSeen
                last = draft.lastSeen
                calls = draft.callCount
                cost = draft.costMicros
            }

            static func < (a: Seen, b: Seen) -> Bool {
                (a.rule, a.subject, a.window, a.first.timeIntervalSince1970)
                    < (b.rule, b.subject, b.window, b.first.timeIntervalSince1970)
            }

            var description: String {
                "\(rule) \(subject) [\(window)] sev \(severity) \(first)–\(last) \(calls) calls \(cost)"
            }
        }

        /// `site`'s calls in order of start, numbered from 1 as its one edge's journal numbers them.
        static func journal(of site: Site) async throws -> [ShippedCall] {
            numbered(
                try await site.outcome.database.calls(after: 0, limit: 1_000_000, switchName: "pbx1"),
                inOrderOf: { site.times[$0.shippedKey]?.start })
        }

        /// A configuration file in `folder` for a node of the cluster on `database` whose store is
        /// `site`'s: the site's settings, store and time zone.
        static func nodeConfiguration(of site: Site, database: String, in folder: TemporaryDirectory) throws -> String {
            try folder.write(
                "tollguard.toml",
                text: SimulatedSiteRun.configurationText.replacingOccurrences(
                    of: "path = \"tollguard.sqlite\"",
                    with: "path = \"\(site.folder.path("tollguard.sqlite"))\"\n"
                        + "url = \"\(try TestPostgres.urlText(database: database))\""))
        }

        /// Ships every call of `site` to `store` from its one edge, which promises past them all.
        static func shipWhole(_ site: Site, to store: ClusterStore) async throws {
            _ = try await store.ship(try await journal(of: site), after: 0, source: "edge-1", switchName: "pbx1")
            try await store.mark(
                source: "edge-1", switchName: "pbx1", watermark: Date(timeIntervalSince1970: 3_999_999_999))
        }

        /// `calls` in the order of `time` (unknown first), numbered from 1 as an edge's journal numbers them.
        static func numbered(_ calls: [ShippedCall], inOrderOf time: (ShippedCall) -> Date?) -> [ShippedCall] {
            calls.sorted { (time($0) ?? .distantPast) < (time($1) ?? .distantPast) }.enumerated().map { index, call in
                var call = call
                call.sequence = Int64(index + 1)
                return call
            }
        }

        /// An edge of the test: the calls it journals, in the order they end, numbered from 1.
        struct Edge {
            var name: String
            var switchName: String
            var journal: [ShippedCall]
            var shipped = 0
            /// Its calls up as it tells them: it tells only what changed since.
            let callsUp = EdgeCallsUp()
            /// The keys of its calls up at its last promise.
            var upKeys: Set<String> = []
        }

        /// With `tellingCallsUp`, the edges tell their calls up with each promise (as an edge with
        /// a live view does) and promise the time they ship at; without, they promise the start
        /// of their oldest call up (an edge that tells none).
        @Test(arguments: [UInt64(11), 12, 13], [false, true])
        func liveFindingsEqualTheNightlyReplayOverRandomInterleavings(seed: UInt64, tellingCallsUp: Bool) async throws {
            let site = try await Self.site()
            let nightly = try await Self.nightly(site)
            let expected = nightly.map(Seen.init).sorted()
            #expect(expected.contains { $0.severity >= Severity.high.rawValue }, "the simulated fraud is found")
            try await TestPostgres.withStore { store in
                var random = SeededGenerator(seed: seed)
                let all = try await site.outcome.database.calls(after: 0, limit: 1_000_000, switchName: "pbx1")
                #expect(all.count == site.times.count)
                // Each call through one of two switches at random (an account's calls through both);
                // switch 1 watched by two edges that journal every one of its calls.
                var one: [ShippedCall] = []
                var two: [ShippedCall] = []
                for var call in all {
                    if Bool.random(using: &random) {
                        call.switchName = "pbx1"
                        one.append(call)
                    } else {
                        call.switchName = "pbx2"
                        two.append(call)
                    }
                }
                func journal(_ calls: [ShippedCall]) -> [ShippedCall] {
                    Self.numbered(calls, inOrderOf: { site.times[$0.shippedKey]?.end })
                }
                var edges = [
                    Edge(name: "edge-1a", switchName: "pbx1", journal: journal(one)),
                    Edge(name: "edge-1b", switchName: "pbx1", journal: journal(one)),
                    Edge(name: "edge-2", switchName: "pbx2", journal: journal(two)),
                ]
                let first = try #require(site.times.values.map(\.start).min())
                let last = try #require(site.times.values.map(\.end).max())

                // Each change of leader takes the lease anew.
                var analyzer = Self.analyzer(of: site, on: store)
                analyzer.actions = { ActionSettings(hooks: [Self.noc]) }
                // The edges are known before the traffic starts (one that joins later has the calls
                // it ships before its first promise played late).
                for edge in edges {
                    try await store.mark(source: edge.name, switchName: edge.switchName, watermark: first)
                }
                var session = try await analyzer.resume(try #require(try await analyzer.lease.acquire()))
                var takeovers = 0
                var fromSnapshot = 0
                // A node standing by keeps the engine at the leader's commits now and then; some
                // takeovers start from it (drawn apart: the traffic stays each seed's).
                var standbyRandom = SeededGenerator(seed: seed + 1000)
                var standby: ClusterAnalyzer.StandbyEngine?
                var fromStandby = 0
                var late = 0
                var begun = 0
                // Edges ship what ended by `now` (some lag a tick), promising the start of their
                // oldest call still up; the analyzer steps now and then, and now and then a new
                // leader takes over from what the last one committed.
                var now = first
                while now <= last.addingTimeInterval(60) {
                    now = now.addingTimeInterval(Double(Int.random(in: 60...1800, using: &random)))
                    for index in edges.indices.shuffled(using: &random) where Int.random(in: 0..<5, using: &random) > 0
                    {
                        try await Self.ship(
                            &edges[index], through: now, site: site, tellingCallsUp: tellingCallsUp, store: store,
                            random: &random)
                    }
                    if Int.random(in: 0..<10, using: &random) < 7 {
                        let step = try await analyzer.step(&session)
                        begun += step.begun
                        #expect(step.begunLate == 0)
                        // Now and then the leader snapshots its engine: a new one starts from
                        // the last (and replays only the calls since), or replays the reach.
                        if Int.random(in: 0..<4, using: &random) == 0 { _ = await analyzer.writeSnapshot(of: session) }
                    }
                    if Int.random(in: 0..<3, using: &standbyRandom) == 0 {
                        standby = try await analyzer.follow(standby)
                    }
                    if Int.random(in: 0..<25, using: &random) == 0 {
                        late += session.late
                        let snapshotWritten = try await analyzer.lease.snapshot() != nil
                        let kept = Bool.random(using: &standbyRandom) ? standby : nil
                        session = try await analyzer.resume(
                            try #require(try await analyzer.lease.acquire()), standby: kept)
                        if kept != nil {
                            #expect(session.startedFromStandby && !session.startedFromSnapshot)
                            fromStandby += 1
                        } else {
                            #expect(session.startedFromSnapshot == snapshotWritten)
                            if session.startedFromSnapshot { fromSnapshot += 1 }
                        }
                        standby = nil
                        takeovers += 1
                    }
                }
                for index in edges.indices {
                    try await Self.ship(
                        &edges[index], through: .distantFuture, site: site, tellingCallsUp: tellingCallsUp,
                        store: store, random: &random)
                }
                while true {
                    let step = try await analyzer.step(&session)
                    begun += step.begun
                    if !step.more && step.arrived == 0 { break }
                }
                #expect(late + session.late == 0)
                #expect(tellingCallsUp ? begun > 0 && session.liveCount == 0 : begun == 0, "\(begun) begun")
                let found = try await store.alerts().map { Seen($0.draft) }.sorted()
                #expect(found.count == expected.count)
                for (mine, theirs) in zip(found, expected) where mine != theirs {
                    Issue.record("cluster \(mine)\nnightly \(theirs)")
                }
                #expect(Set(found).subtracting(expected).isEmpty)
                // Every call counted once in the spend, whichever edges shipped it.
                #expect(
                    try await TestPostgres.number("SELECT sum(calls)::bigint FROM cluster_spend", store)
                        == Int64(all.count))
                let cost = try await site.outcome.database.writer.read { db in
                    try Int64.fetchOne(db, sql: "SELECT coalesce(sum(cost_micros), 0) FROM calls") ?? -1
                }
                #expect(
                    try await TestPostgres.number("SELECT sum(cost_micros)::bigint FROM cluster_spend", store) == cost)
                try await Self.expectEachAlertToldOnce(store)
                try await Self.expectSuspendedOnce(store, as: nightly)
                #expect(fromSnapshot > 0, "\(fromSnapshot) of \(takeovers) from a snapshot")
                #expect(fromStandby > 0, "\(fromStandby) of \(takeovers) from a standby's engine")
                print(
                    "seed \(seed), telling calls up \(tellingCallsUp): \(found.count) alerts, \(takeovers) takeovers, "
                        + "\(fromSnapshot) from a snapshot, \(fromStandby) from a standby's engine")
            }
        }

        /// A hook that takes every alert and quota warning.
        static let noc: HookSettings = {
            var hook = AlertSeeds.programHook("noc", events: [.alert, .quotaWarning])
            hook.minSeverity = .info
            return hook
        }()

        /// The hook events queued in `store` tell of each alert once when it was raised, once more
        /// each time it escalated — never twice of one severity, whichever leader wrote it —
        /// and of its severity now last; a daily quota's warning once at most.
        static func expectEachAlertToldOnce(_ store: ClusterStore) async throws {
            let outbox = ClusterOutbox(store: store)
            let events = try await outbox.events()
            var told: [Int64: [Severity]] = [:]
            var warned: [Int64: Int] = [:]
            for event in events {
                let alert = try #require(event.alerts.first)
                switch event.type {
                case .alert: told[alert.id, default: []].append(alert.severity)
                case .quotaWarning:
                    warned[alert.id, default: 0] += 1
                    #expect(alert.severity == .warning && alert.rule == AnalysisRule.dailyQuota.rawValue)
                default: Issue.record("\(event.type) queued by the analysis")
                }
            }
            let alerts = try await store.alerts()
            #expect(told.count == alerts.count, "every alert told")
            for alert in alerts {
                let severities = told[alert.id ?? 0] ?? []
                #expect(severities == severities.sorted() && Set(severities).count == severities.count, "\(severities)")
                #expect(severities.last == alert.draft.severity)
            }
            #expect(warned.values.allSatisfy { $0 == 1 })
            #expect(try await outbox.counts() == [.pending: events.count], "one delivery each, for the one hook")
        }

        /// The policy suspended once each account the nightly replay's alerts make it suspend, and no other.
        static func expectSuspendedOnce(_ store: ClusterStore, as nightly: [AlertDraft]) async throws {
            let policy = ActionSettings().policy
            let expected = Set(
                nightly.filter { policy.suspends(rule: $0.rule.rawValue, severity: $0.severity, subject: $0.subject) }
                    .map(\.subject.value))
            let suspensions = try await store.suspensions()
            #expect(!expected.isEmpty, "the simulated fraud breaks a quota")
            #expect(suspensions.map(\.account).sorted() == expected.sorted())
            #expect(suspensions.allSatisfy { $0.isActive && $0.actor == "policy" && !$0.alertIDs.isEmpty })
        }

        /// A failover to a standby that had not replayed the analyzer's last commit.
        ///
        /// The store holds older offsets, alerts and spend than the leader's memory (and than the
        /// engine a node kept standing by). Its next write is refused, it starts again from what the
        /// store holds, and the end is the nightly replay's — every call counted once in the spend.
        @Test func aLeaderWhoseLastCommitAFailoverLostStartsAgainFromTheStore() async throws {
            let site = try await Self.site()
            let nightly = try await Self.nightly(site)
            let expected = nightly.map(Seen.init).sorted()
            try await TestPostgres.withStore { store in
                let calls = try await Self.journal(of: site)
                func ship(_ range: Range<Int>) async throws {
                    for start in stride(from: range.lowerBound, to: range.upperBound, by: 2_000) {
                        let batch = Array(calls[start..<min(range.upperBound, start + 2_000)])
                        _ = try await store.ship(batch, after: Int64(start), source: "edge-1", switchName: "pbx1")
                    }
                    let promise =
                        range.upperBound < calls.count
                        ? (site.times[calls[range.upperBound].shippedKey]?.start ?? .distantPast)
                        : Date(timeIntervalSince1970: 3_999_999_999)
                    try await store.mark(source: "edge-1", switchName: "pbx1", watermark: promise)
                }
                func run(_ sql: String) async throws {
                    try await store.client.query(PostgresQuery(unsafeSQL: sql), logger: TestPostgres.logger)
                }
                var analyzer = Self.analyzer(of: site, on: store)
                analyzer.actions = { ActionSettings(hooks: [Self.noc]) }
                let lease = analyzer.lease
                var session = try await analyzer.resume(try #require(try await lease.acquire()))
                let half = calls.count / 2
                try await ship(0..<half)
                while try await analyzer.step(&session).more {}
                // What the standby will hold: the store as of this commit.
                let tables = [
                    "cluster_alerts", "cluster_spend", "cluster_suspensions", "cluster_hook_events",
                    "cluster_hook_deliveries",
                ]
                for table in ["analyzer_leases"] + tables {
                    try await run("CREATE TABLE saved_\(table) AS SELECT * FROM \(table)")
                }
                try await ship(half..<calls.count)
                while try await analyzer.step(&session).more {}
                // A node standing by kept the engine of that commit.
                let standby = try #require(try await analyzer.follow(nil))
                // The failover: the commit after the snapshot is lost.
                try await run("UPDATE analyzer_leases SET offsets = (SELECT offsets FROM saved_analyzer_leases)")
                for table in tables.reversed() { try await run("DELETE FROM \(table)") }
                for table in tables { try await run("INSERT INTO \(table) SELECT * FROM saved_\(table)") }
                await #expect(throws: AnalysisDiverged.self) { _ = try await analyzer.step(&session) }
                // The standby's engine is ahead of what the store holds: rebuilt, not gone on from.
                session = try await analyzer.resume(try #require(try await lease.acquire()), standby: standby)
                #expect(!session.startedFromStandby)
                while true {
                    let step = try await analyzer.step(&session)
                    if !step.more && step.arrived == 0 { break }
                }
                let found = try await store.alerts().map { Seen($0.draft) }.sorted()
                #expect(found == expected)
                #expect(
                    try await TestPostgres.number("SELECT sum(calls)::bigint FROM cluster_spend", store)
                        == Int64(calls.count))
                try await Self.expectEachAlertToldOnce(store)
                try await Self.expectSuspendedOnce(store, as: nightly)
            }
        }

        /// The site's analyzer on `store`, as the tests' single leader runs it: a lease of ten
        /// minutes (the steps do not renew it), every source fresh for an hour.
        static func analyzer(of site: Site, on store: ClusterStore) -> ClusterAnalyzer {
            var lease = AnalyzerLease(store: store, node: "analyzer-a")
            lease.duration = .seconds(600)
            var analyzer = ClusterAnalyzer(
                store: store, lease: lease, timeZone: Simulation.timeZone, logger: TestPostgres.logger,
                makeEngine: { try site.outcome.analysisRun.makeEngine() })
            analyzer.evidenceLimit = site.evidenceLimit
            analyzer.staleAfter = .seconds(3600)
            return analyzer
        }

        /// A suspension the analyzer's policy made lifts itself after `expire_after_hours`, by the
        /// database's clock, at a write of the leader's within a second; its `unsuspend` event names the
        /// alerts behind it.
        @Test func aSuspensionOfTheClusterExpires() async throws {
            let site = try await Self.site()
            try await TestPostgres.withStore { store in
                try await Self.shipWhole(site, to: store)
                var analyzer = Self.analyzer(of: site, on: store)
                var hook = AlertSeeds.programHook("noc", events: [.unsuspend])
                hook.minSeverity = .info
                var expiring = ActionSettings(hooks: [hook])
                expiring.policy.expireAfterHours = 2.0 / 3600
                let settings = expiring
                analyzer.actions = { settings }
                // The edges' doorbell: each write that suspends or lifts rings it.
                let edges = Doorbell()
                let listening = Task { try await store.ring(edges, atNotificationsOn: "tollguard_suspensions") }
                defer { listening.cancel() }
                #expect(
                    try await poll(upTo: 30, every: .milliseconds(50)) {
                        try await TestPostgres.number(
                            """
                            SELECT count(*) FROM pg_stat_activity
                            WHERE datname = current_database() AND query LIKE 'LISTEN%tollguard_suspensions%'
                            """, store) == 1
                    })
                var session = try await analyzer.resume(try #require(try await analyzer.lease.acquire()))
                while try await analyzer.step(&session).more {}
                let made = try await store.suspensionsInForce()
                #expect(!made.isEmpty, "the simulated fraud breaks a quota")
                #expect(made.allSatisfy { $0.until != nil })
                #expect(await edges.wait(upTo: .seconds(10)), "the policy's suspensions rang the edges")
                let expired = try await poll(upTo: 60, every: .milliseconds(500)) {
                    _ = try await analyzer.step(&session)
                    return try await store.suspensionsInForce().isEmpty
                }
                #expect(expired)
                #expect(await edges.wait(upTo: .seconds(10)), "the lifts rang the edges")
                let lifted = try await store.suspensions()
                #expect(lifted.count == made.count && lifted.allSatisfy { $0.liftedBy == "expiry" })
                let events = try await ClusterOutbox(store: store).events()
                #expect(events.map(\.type) == Array(repeating: .unsuspend, count: made.count))
                #expect(events.allSatisfy { !$0.alerts.isEmpty && $0.actor == "expiry" })
            }
        }

        /// `edge` ships, in batches of random size, the calls of its journal that ended by
        /// `now`, then promises the start of its oldest call still up (or `now`) — or, telling
        /// its calls up, promises `now` with the calls of its journal that started by then.
        static func ship(
            _ edge: inout Edge, through now: Date, site: Site, tellingCallsUp: Bool = false, store: ClusterStore,
            random: inout SeededGenerator
        ) async throws {
            let times = site.times
            var ended = edge.shipped
            while ended < edge.journal.count, let end = times[edge.journal[ended].shippedKey]?.end, end <= now {
                ended += 1
            }
            while edge.shipped < ended {
                let size = Int.random(in: 1...500, using: &random)
                let batch = Array(edge.journal[edge.shipped..<min(ended, edge.shipped + size)])
                let outcome = try await store.ship(
                    batch, after: Int64(edge.shipped), source: edge.name, switchName: edge.switchName)
                #expect(outcome.storeHolds == nil)
                edge.shipped += batch.count
            }
            guard !tellingCallsUp else {
                let callsUp = try edge.journal[edge.shipped...].compactMap { shipped -> ObservedCall? in
                    guard let call = site.observed[shipped.shippedKey], call.startedAt <= now else { return nil }
                    var up = call.asStarted
                    if let answeredAt = call.answeredAt, answeredAt > now {
                        up.answeredAt = nil
                        up.disposition = .noAnswer
                    }
                    up.key = try #require(shipped.fields[1].flatMap { $0 }, "a call id")
                    up.switchName = edge.switchName
                    return up
                }
                let promise = now == .distantFuture ? Date(timeIntervalSince1970: 3_999_999_999) : now
                let upNow = Dictionary(callsUp.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
                let gone = edge.upKeys.subtracting(upNow.keys).map { (key: $0, call: ObservedCall?.none) }
                edge.callsUp.update(watermark: promise, changes: upNow.map { (key: $0.key, call: $0.value) } + gone)
                edge.upKeys = Set(upNow.keys)
                let change = try #require(edge.callsUp.take()).callsUp
                try await store.mark(
                    source: edge.name, switchName: edge.switchName, watermark: promise, callsUp: change)
                edge.callsUp.told()
                return
            }
            let up = edge.journal[edge.shipped...].compactMap { times[$0.shippedKey]?.start }.min()
            let promise = now == .distantFuture ? Date(timeIntervalSince1970: 3_999_999_999) : min(now, up ?? now)
            try await store.mark(source: edge.name, switchName: edge.switchName, watermark: promise)
        }
    }
}
