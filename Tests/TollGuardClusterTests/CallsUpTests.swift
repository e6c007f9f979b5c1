import Foundation
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

/// A call still up reaches the analysis from its edge's word, so it holds nothing back.
extension PostgresServerTests {
    @Suite struct CallsUpTests {
        /// At most one call at a time per account: a second call while a three-hour call is up
        /// crosses it.
        static let settings: AnalysisSettings = {
            do {
                return try ConfigurationLoader.decode(
                    """
                    [analysis.account]
                    concurrent_calls = 1
                    """
                ).configuration.analysis
            } catch {
                fatalError("\(error)")
            }
        }()

        /// A call up keeps the fraction of its second: it begins once a promise passes its start
        /// to the microsecond, not before (its whole second is already past) and not a second
        /// later — what lets the cluster's alerts follow their calls by less than a second.
        @Test func aCallUpBeginsWhenAPromisePassesItsStartToTheMicrosecond() async throws {
            var factory = CallFactory()
            let call = factory.call("1001", to: .national(1), at: 0, talk: 600)
            let origin = factory.origin
            try await TestPostgres.withStore { store in
                let (lease, analyzer) = Self.analyzer(on: store)
                try await store.mark(source: "edge-1", switchName: "pbx1", watermark: origin, callsUp: .every([]))
                var session = try await analyzer.resume(try #require(try await lease.acquire()))
                var up = call.asStarted
                up.switchName = "pbx1"
                up.startedAt = origin.addingTimeInterval(0.250_125)
                let before = origin.addingTimeInterval(0.250_124)
                try await store.mark(source: "edge-1", switchName: "pbx1", watermark: before, callsUp: .every([up]))
                #expect(try await analyzer.step(&session).begun == 0, "its start is after the promise")
                let past = origin.addingTimeInterval(0.251)
                try await store.mark(source: "edge-1", switchName: "pbx1", watermark: past, callsUp: .every([up]))
                #expect(try await analyzer.step(&session).begun == 1)
                let micros = try await TestPostgres.number(
                    "SELECT (extract(microseconds FROM start_utc)::bigint % 1000000) FROM analysis_live", store)
                #expect(micros == 250_125, "begun at its start to the microsecond")
            }
        }

        /// A three-hour call holds nothing back, and counts once when it ends.
        ///
        /// The edge tells the analyzer of the call while it is up, and promises the time of its
        /// shipment: the analysis goes on past the call's start (a second call of the
        /// account, ended and shipped, is analyzed ten minutes in, and the two together cross
        /// the concurrency limit then — not three hours later). A new leader knows the call is
        /// up; its record ends it, and the alert and the spend then count its cost once: the
        /// nightly replay's alert, the same calls and cost.
        @Test func aCallStillUpIsAnalyzedFromItsEdgesWordAndHoldsNothingBack() async throws {
            var factory = CallFactory()
            let long = factory.call("1001", to: .national(1), at: 0, talk: 3 * 3600)
            let second = factory.call("1001", to: .national(2), at: 600, talk: 60)
            let origin = factory.origin
            try await TestPostgres.withStore { store in
                let (lease, analyzer) = Self.analyzer(on: store)
                try await store.mark(source: "edge-1", switchName: "pbx1", watermark: origin, callsUp: .every([]))
                var session = try await analyzer.resume(try #require(try await lease.acquire()))

                // Fifteen minutes in: the long call up, the second over and shipped.
                var up = long.asStarted
                up.switchName = "pbx1"
                _ = try await store.ship([Self.shipped(second, 1)], after: 0, source: "edge-1", switchName: "pbx1")
                let promise = origin.addingTimeInterval(900)
                try await store.mark(source: "edge-1", switchName: "pbx1", watermark: promise, callsUp: .every([up]))
                let first = try await analyzer.step(&session)
                #expect(first.begun == 1 && first.played == 1 && first.late == 0 && first.begunLate == 0)
                #expect(session.released == promise && session.liveCount == 1)
                let raised = try await store.alerts().filter { $0.draft.rule == .concurrentCalls }
                #expect(raised.count == 1)
                #expect(raised.first?.draft.lastSeen == second.startedAt)
                #expect(Set(raised.first?.draft.callKeys ?? []) == [long.key, second.key])
                // The long call's cost is not known yet.
                #expect(raised.first?.draft.costMicros == second.costMicros)

                // A new leader takes over while the call is up.
                try await lease.release(session.held)
                session = try await analyzer.resume(try #require(try await lease.acquire()))
                #expect(session.liveCount == 1)

                // The call ends; its record ships and the edge tells nothing up.
                let over = try #require(long.endedAt).addingTimeInterval(60)
                _ = try await store.ship([Self.shipped(long, 2)], after: 1, source: "edge-1", switchName: "pbx1")
                try await store.mark(source: "edge-1", switchName: "pbx1", watermark: over, callsUp: .every([]))
                let last = try await analyzer.step(&session)
                #expect(last.ended == 1 && last.begun == 0 && last.played == 0 && last.late == 0)
                #expect(session.liveCount == 0)
                #expect(try await TestPostgres.number("SELECT count(*) FROM analysis_live", store) == 0)

                var nightly = AlertAggregator()
                for finding in AnalysisEngine.findings([long, second], settings: Self.settings) { nightly.add(finding) }
                let expected = try #require(nightly.drafts.first { $0.rule == .concurrentCalls })
                let found = try await store.alerts().filter { $0.draft.rule == .concurrentCalls }
                #expect(found.count == 1)
                #expect(found.first?.draft.costMicros == expected.costMicros)
                #expect(found.first?.draft.costMicros == long.costMicros + second.costMicros)
                #expect(found.first?.draft.callCount == expected.callCount)
                #expect(
                    try await TestPostgres.number(
                        "SELECT cost_micros FROM cluster_spend WHERE account = '1001'", store)
                        == long.costMicros + second.costMicros)
                #expect(
                    try await TestPostgres.number("SELECT calls FROM cluster_spend WHERE account = '1001'", store) == 2)
            }
        }

        /// A call begun from its edge's word before the leader's snapshot, and ended by its record
        /// after it, ends in the engine a new leader restores from the snapshot, counted once: the
        /// account's next call is its only one up (one at a time is the limit here) and its second
        /// attempt of the hour (two are).
        @Test func aCallBegunBeforeTheSnapshotAndEndedAfterItIsOverForTheNextLeader() async throws {
            var factory = CallFactory()
            let first = factory.call("1001", to: .national(1), at: 0, talk: 600)
            let next = factory.call("1001", to: .national(2), at: 800, talk: 60)
            let origin = factory.origin
            var twoAnHour = Self.settings
            twoAnHour.account.limits[.velocityAttempts1h] = 2
            let settings = twoAnHour
            try await TestPostgres.withStore { store in
                let (lease, analyzer) = Self.analyzer(on: store, settings: settings)
                try await store.mark(source: "edge-1", switchName: "pbx1", watermark: origin, callsUp: .every([]))
                var session = try await analyzer.resume(try #require(try await lease.acquire()))
                var up = first.asStarted
                up.switchName = "pbx1"
                try await store.mark(
                    source: "edge-1", switchName: "pbx1", watermark: origin.addingTimeInterval(100),
                    callsUp: .every([up]))
                #expect(try await analyzer.step(&session).begun == 1)
                #expect(await analyzer.writeSnapshot(of: session) != nil)

                // After the snapshot the call ends and its record is analyzed.
                _ = try await store.ship([Self.shipped(first, 1)], after: 0, source: "edge-1", switchName: "pbx1")
                try await store.mark(
                    source: "edge-1", switchName: "pbx1", watermark: origin.addingTimeInterval(700), callsUp: .every([])
                )
                #expect(try await analyzer.step(&session).ended == 1)

                try await lease.release(session.held)
                session = try await analyzer.resume(try #require(try await lease.acquire()))
                #expect(session.startedFromSnapshot)
                #expect(session.liveCount == 0)
                _ = try await store.ship([Self.shipped(next, 2)], after: 1, source: "edge-1", switchName: "pbx1")
                try await store.mark(
                    source: "edge-1", switchName: "pbx1", watermark: origin.addingTimeInterval(900), callsUp: .every([])
                )
                #expect(try await analyzer.step(&session).played == 1)
                #expect(try await store.alerts().isEmpty)
            }
        }

        /// A call that arrives after the snapshot but started before its released time (from an
        /// edge the analysis stopped waiting for) was played late by the leader; a new leader
        /// restoring the snapshot plays it too: the account's third attempt of the hour crosses
        /// a limit of two.
        @Test func aCallPlayedLateAfterTheSnapshotCountsForTheNextLeader() async throws {
            var factory = CallFactory()
            let calls = (0..<3).map { factory.call("1001", to: .national($0), at: Double($0) * 100, talk: 5) }
            let promise = factory.origin.addingTimeInterval(1000)
            var twoAnHour = Self.settings
            twoAnHour.account.limits[.velocityAttempts1h] = 2
            let settings = twoAnHour
            try await TestPostgres.withStore { store in
                var (lease, analyzer) = Self.analyzer(on: store, settings: settings)
                // Every edge counts as silent: the analysis runs on the database's clock, and
                // each call arrives after it has passed the call's start.
                analyzer.staleAfter = .zero
                lease = analyzer.lease
                var session = try await analyzer.resume(try #require(try await lease.acquire()))
                try await Self.shipAndStep(
                    calls, 0..<1, promising: promise, store: store, analyzer: analyzer, session: &session)
                #expect(await analyzer.writeSnapshot(of: session) != nil)
                let late = try await Self.shipAndStep(
                    calls, 1..<2, promising: promise, store: store, analyzer: analyzer, session: &session)
                #expect(late.map(\.late).reduce(0, +) == 1)

                try await lease.release(session.held)
                session = try await analyzer.resume(try #require(try await lease.acquire()))
                #expect(session.startedFromSnapshot)
                try await Self.shipAndStep(
                    calls, 2..<3, promising: promise, store: store, analyzer: analyzer, session: &session)
                let velocity = try await store.alerts().filter { $0.draft.rule == .velocity }
                #expect(velocity.map(\.draft.callCount) == [3])
            }
        }

        /// A snapshot is restored only where it holds: not by a node configured otherwise, not
        /// ahead of the offsets the store holds, not when this build cannot read it; and a
        /// deposed leader's late one is not written.
        @Test func aSnapshotIsRestoredOnlyUnderItsConfigurationAndItsLease() async throws {
            let origin = CallFactory().origin
            try await TestPostgres.withStore { store in
                let (lease, analyzer) = Self.analyzer(on: store)
                try await store.mark(source: "edge-1", switchName: "pbx1", watermark: origin, callsUp: .every([]))
                var session = try await analyzer.resume(try #require(try await lease.acquire()))
                try await store.mark(
                    source: "edge-1", switchName: "pbx1", watermark: origin.addingTimeInterval(100), callsUp: .every([])
                )
                _ = try await analyzer.step(&session)
                #expect(await analyzer.writeSnapshot(of: session) != nil)
                try await lease.release(session.held)

                var otherwise = Self.settings
                otherwise.historyDays = 7
                let (_, other) = Self.analyzer(on: store, settings: otherwise)
                let deposed = session.held
                session = try await other.resume(try #require(try await lease.acquire()))
                #expect(!session.startedFromSnapshot, "another configuration replays")
                #expect(
                    try await lease.write(try #require(try analyzer.snapshot(of: session)), under: deposed) == false)
                try await lease.release(session.held)
                session = try await analyzer.resume(try #require(try await lease.acquire()))
                #expect(session.startedFromSnapshot)

                let snapshot = try #require(try await lease.snapshot())
                let released = try #require(snapshot.offsets[ClusterAnalyzer.releasedKey])
                #expect(snapshot.precedes(snapshot.offsets))
                #expect(snapshot.precedes(["edge-1": 1, ClusterAnalyzer.releasedKey: released + 1]))
                #expect(!snapshot.precedes([ClusterAnalyzer.releasedKey: released - 1]))
                var ahead = snapshot
                ahead.offsets["edge-1"] = 5
                #expect(!ahead.precedes(["edge-1": 4, ClusterAnalyzer.releasedKey: released]))
                #expect(ahead.precedes(["edge-1": 5, ClusterAnalyzer.releasedKey: released]))

                // One this build cannot read (another version's, say) is replayed past, not fatal.
                try await store.client.query(
                    "UPDATE analyzer_snapshots SET engine = convert_to('[2,14]', 'UTF8')", logger: TestPostgres.logger)
                try await lease.release(session.held)
                session = try await analyzer.resume(try #require(try await lease.acquire()))
                #expect(!session.startedFromSnapshot)
            }
        }

        /// The store holds each edge's calls up as its promises tell them: new ones and answers
        /// added, those gone removed — of that edge only — and the analyzer reads each change once.
        @Test func theStoreHoldsTheCallsUpAsEachEdgeTellsThem() async throws {
            var factory = CallFactory()
            let calls = (0..<3).map { index in
                var call = factory.call("100\(index)", to: .national(index), at: Double(index), talk: 600).asStarted
                call.switchName = "pbx1"
                return call
            }
            let origin = factory.origin
            try await TestPostgres.withStore { store in
                try await store.mark(
                    source: "edge-1", switchName: "pbx1", watermark: origin, callsUp: .every(calls))
                var other = calls[0]
                other.switchName = "pbx2"
                try await store.mark(source: "edge-2", switchName: "pbx2", watermark: origin, callsUp: .every([other]))
                var seen: [String: Int64] = [:]
                let first = try await store.callsUp(of: ["edge-1", "edge-2"], seen: &seen)
                #expect(first.map(\.call.key) == [calls[0].key, calls[0].key, calls[1].key, calls[2].key])
                #expect(try await store.callsUp(of: ["edge-1", "edge-2"], seen: &seen).isEmpty, "read once")

                var answered = calls[2]
                answered.answeredAt = answered.startedAt.addingTimeInterval(3)
                try await store.mark(
                    source: "edge-1", switchName: "pbx1", watermark: origin.addingTimeInterval(5),
                    callsUp: CallsUpChange(all: false, told: [answered], gone: [calls[0].key, calls[1].key]))
                let changed = try await store.callsUp(of: ["edge-1", "edge-2"], seen: &seen)
                #expect(changed.map(\.call.key) == [calls[2].key] && changed.first?.call.answeredAt != nil)
                let held = try await store.client.query(
                    "SELECT source_id, call_id FROM calls_up ORDER BY source_id, call_id", logger: TestPostgres.logger)
                var rows: [String] = []
                for try await (source, call) in held.decode((String, String).self) { rows.append("\(source) \(call)") }
                #expect(rows == ["edge-1 \(calls[2].key)", "edge-2 \(calls[0].key)"])
            }
        }

        /// An analyzer of `settings` (by default ``settings``) on `store`, with its lease (held ten minutes).
        static func analyzer(on store: ClusterStore, settings: AnalysisSettings = settings)
            -> (AnalyzerLease, ClusterAnalyzer)
        {
            var lease = AnalyzerLease(store: store, node: "analyzer-a")
            lease.duration = .seconds(600)
            let analyzer = ClusterAnalyzer(
                store: store, lease: lease, timeZone: .named("UTC"), logger: TestPostgres.logger,
                makeEngine: { .standard(settings: settings, timeZone: .named("UTC")) })
            return (lease, analyzer)
        }

        /// Ships `calls[range]` as edge `edge-1` of switch `pbx1` does (numbered from 1), promises
        /// `watermark`, and steps `analyzer` until it has read everything; returns its steps.
        @discardableResult
        static func shipAndStep(
            _ calls: [ObservedCall], _ range: Range<Int>, promising watermark: Date, store: ClusterStore,
            analyzer: ClusterAnalyzer, session: inout ClusterAnalyzer.Session
        ) async throws -> [ClusterAnalyzer.Step] {
            let batch = range.map { shipped(calls[$0], Int64($0 + 1)) }
            _ = try await store.ship(batch, after: Int64(range.lowerBound), source: "edge-1", switchName: "pbx1")
            try await store.mark(source: "edge-1", switchName: "pbx1", watermark: watermark)
            var steps: [ClusterAnalyzer.Step] = []
            repeat { steps.append(try await analyzer.step(&session)) } while steps.last?.more == true
            return steps
        }

        /// `call` as an edge's journal ships it, numbered `sequence`; its key is its call id too.
        static func shipped(_ call: ObservedCall, _ sequence: Int64) -> ShippedCall {
            let end = call.endedAt ?? call.startedAt
            let values: [String: String?] = [
                "dedup_key": call.key, "call_id": call.key, "account": call.account,
                "caller_number": call.callerNumber, "caller_name": "", "destination": call.dialed,
                "context": call.context, "source_ip": call.sourceIP, "trunk": call.trunk,
                "start_utc": StoredTime.text(call.startedAt), "answer_utc": call.answeredAt.map(StoredTime.text),
                "end_utc": StoredTime.text(end), "duration": String(Int(end.timeIntervalSince(call.startedAt))),
                "billsec": String(call.billsec), "disposition": call.disposition.rawValue, "hangup_cause": "",
                "source_format": "test", "dest_scope": call.scope.rawValue, "dest_e164": call.e164,
                "dest_region": call.region, "dest_type": call.numberType?.rawValue, "dest_risk": call.risk.storedText,
                "dest_hotspot": call.hotspot, "cost_micros": String(call.costMicros),
                "rate_per_min_micros": String(call.ratePerMinuteMicros),
            ]
            return ShippedCall(
                sequence: sequence, switchName: "pbx1", startDay: String(StoredTime.text(call.startedAt).prefix(10)),
                fields: TollGuardDatabase.shippedColumns.map { values[$0] ?? nil })
        }
    }
}
