import Foundation
import Logging
import PostgresNIO
import Testing
import TollGuardCluster
import TollGuardCore
import TollGuardTestSupport

/// Edges ship the calls their own store journals to PostgreSQL: each call once, whatever is sent
/// again, by however many edges of a switch, across a restart of the server.
///
extension PostgresServerTests {
    @Suite struct CallShippingTests {
        private static let origin = Date(timeIntervalSince1970: 1_764_633_600)  // 2025-12-02 00:00 UTC

        /// `count` calls over two days, numbered from `first`; the caller name of call 2 holds every
        /// character COPY's text format gives a meaning to.
        static func calls(_ count: Int, first: Int = 1) -> [(record: CallRecord, destination: CallDestination?)] {
            (first..<(first + count)).map { index in
                let start = origin.addingTimeInterval(Double(index) * 97)  // 10,000 calls: 11 days
                let record = CallRecord(
                    dedupKey: "uuid-\(index)", callID: "uuid-\(index)", account: "10\(index % 7)",
                    callerNumber: "10\(index % 7)", callerName: index == 2 ? Self.hostileName : "Caller \(index)",
                    destination: "9011442079460\(index % 1000)", context: "default",
                    sourceIP: index % 3 == 0 ? nil : "192.0.2.\(index % 200)", startedAt: start,
                    answeredAt: start.addingTimeInterval(3), endedAt: start.addingTimeInterval(63), duration: 63,
                    billsec: 60, disposition: .answered, hangupCause: "NORMAL_CLEARING")
                return (record, nil)
            }
        }

        /// Opens a transaction on a connection of its own, runs `statement` in it (reading its
        /// rows), says so on `holding`, and holds it — and the locks it took — until `released`
        /// yields; then rolls it back.
        static func holdTransaction(
            on store: ClusterStore, after statement: PostgresQuery, holding: AsyncStream<Void>.Continuation,
            until released: AsyncStream<Void>
        ) async throws {
            try await store.client.withConnection { connection in
                try await connection.query("BEGIN", logger: TestPostgres.logger)
                for try await _ in try await connection.query(statement, logger: TestPostgres.logger) {}
                holding.yield()
                for await _ in released { break }
                try await connection.query("ROLLBACK", logger: TestPostgres.logger)
            }
        }

        static let hostileName = "Eve\t1\\N\n2\\\\3\r4 'quoted' \"double\" \\."

        static func edge(_ count: Int, switchName: String? = nil) throws -> TollGuardDatabase {
            let database = try TollGuardDatabase.inMemory()
            _ = try database.store(Self.calls(count), source: "fs-event-socket", switchName: switchName)
            return database
        }

        /// A reader that stops in the middle of a read (a paused analyzer, a cut link) holds its lock
        /// on `calls` until it goes on: a new day's partition is made without waiting for it, and the
        /// other readers go on meanwhile.
        @Test func aNewDayIsStoredWhileAReaderHoldsCallsOpen() async throws {
            let local = try Self.edge(10)
            try await TestPostgres.withStore { store in
                let shipper = CallShipper(
                    source: "edge-a", switchName: "pbx1", local: local, cluster: store, logger: TestPostgres.logger)
                #expect(try await shipper.shipPending().inserted == 10)
                let (read, reading) = AsyncStream.makeStream(of: Void.self)
                let (released, release) = AsyncStream.makeStream(of: Void.self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // The stopped reader: a transaction that read `calls` and goes no further.
                    group.addTask {
                        try await Self.holdTransaction(
                            on: store, after: "SELECT count(*) FROM calls", holding: reading, until: released)
                    }
                    for await _ in read { break }
                    // Five calls two days later: a day the store has no partition for yet.
                    _ = try await local.store(Self.calls(5, first: 2_000), source: "fs-event-socket", switchName: nil)
                    let shipped = try await withDeadline(.seconds(30)) { try await shipper.shipPending() }
                    #expect(shipped.inserted == 5)
                    let counted = try await withDeadline(.seconds(30)) {
                        try await TestPostgres.number("SELECT count(*) FROM calls", store)
                    }
                    #expect(counted == 15)
                    release.yield()
                    try await group.waitForAll()
                }
            }
        }

        /// Two edges that meet a new day at once (midnight, or their first shipments) both store
        /// their calls: the second waits while the first makes the day's partition, then finds it
        /// made. (It looked the partition up before the wait and PostgreSQL kept that answer — an
        /// advisory lock brings no news of the catalogue — so it made the table again, and its
        /// shipment failed with "relation already exists" until it was sent again.)
        @Test func twoEdgesMeetingANewDayAtOnceBothStoreTheirCalls() async throws {
            let (first, second) = (try Self.edge(10, switchName: "pbx1"), try Self.edge(10, switchName: "pbx2"))
            try await TestPostgres.withStore { store in
                let (held, holding) = AsyncStream.makeStream(of: Void.self)
                let (released, release) = AsyncStream.makeStream(of: Void.self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // Holds the lock that makes a new day's partition until both edges wait on it.
                    group.addTask {
                        try await Self.holdTransaction(
                            on: store, after: "SELECT pg_advisory_xact_lock(7401926)", holding: holding,
                            until: released)
                    }
                    for await _ in held { break }
                    for (name, local) in [("edge-a", first), ("edge-b", second)] {
                        group.addTask {
                            let shipper = CallShipper(
                                source: name, switchName: name == "edge-a" ? "pbx1" : "pbx2", local: local,
                                cluster: store, logger: TestPostgres.logger)
                            let shipped = try await withDeadline(.seconds(30)) { try await shipper.shipPending() }
                            #expect(shipped.inserted == 10, "\(name)'s calls")
                        }
                    }
                    let waiting: PostgresQuery = """
                        SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7401926 AND NOT granted
                        """
                    while try await TestPostgres.number(waiting, store) < 2 { await Task.yield() }
                    release.yield()
                    try await group.waitForAll()
                }
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls", store) == 20)
            }
        }

        @Test func everyCallArrivesOnceAndAResendAddsNothing() async throws {
            let local = try Self.edge(300)
            try await TestPostgres.withStore { store in
                let shipper = CallShipper(
                    source: "edge-a", switchName: "pbx1", local: local, cluster: store, logger: TestPostgres.logger)
                let first = try await shipper.shipPending()
                #expect(first == ShipmentOutcome(inserted: 300))
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls", store) == 300)
                #expect(try await store.lastShipped(source: "edge-a") == 300)
                // Nothing new: nothing sent.
                #expect(try await shipper.shipPending() == ShipmentOutcome())
                // The same calls sent again, as after an answer that never came: held already.
                let again = try await local.calls(after: 0, limit: 1_000, switchName: "pbx1")
                #expect(
                    try await store.ship(again, after: 300, source: "edge-a", switchName: "pbx1")
                        == ShipmentOutcome(alreadyHeld: 300))
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls", store) == 300)

                // A failover to a standby that missed the last commits: the store holds calls 1–100.
                try await store.client.query(
                    "DELETE FROM calls WHERE source_sequence > 100", logger: TestPostgres.logger)
                try await store.client.query(
                    "DELETE FROM call_keys WHERE source_sequence > 100", logger: TestPostgres.logger)
                try await store.client.query(
                    "UPDATE sources SET last_sequence = 100", logger: TestPostgres.logger)
                // An edge that believes 300 are held is told what is, and nothing is stored.
                let more = try await local.calls(after: 250, limit: 1_000, switchName: "pbx1")
                #expect(
                    try await store.ship(more, after: 300, source: "edge-a", switchName: "pbx1")
                        == ShipmentOutcome(storeHolds: 100))
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls", store) == 100)
                #expect(try await shipper.shipPending() == ShipmentOutcome(inserted: 200))
                #expect(try await TestPostgres.number("SELECT count(DISTINCT dedup_key) FROM calls", store) == 300)
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls", store) == 300)
            }
        }

        /// A pass that trusts what the store acknowledged last does not ask again; a store that
        /// lost commits since refuses its promise (which would let the analysis pass the lost
        /// calls) and its shipment, and the calls are sent again before anything is promised.
        @Test func aStoreThatLostCommitsRefusesATrustingEdgesPromise() async throws {
            let local = try Self.edge(300)
            try await TestPostgres.withStore { store in
                let shipper = CallShipper(
                    source: "edge-a", switchName: "pbx1", local: local, cluster: store, logger: TestPostgres.logger)
                #expect(try await shipper.shipPending() == ShipmentOutcome(inserted: 300))
                let before = Date(timeIntervalSince1970: 1_700_000_000)
                #expect(
                    try await store.mark(source: "edge-a", switchName: "pbx1", watermark: before, holding: 300) == nil)
                // A failover to a standby that missed the last commits: the store holds calls 1–100.
                for statement: PostgresQuery in [
                    "DELETE FROM calls WHERE source_sequence > 100",
                    "DELETE FROM call_keys WHERE source_sequence > 100",
                    "UPDATE sources SET last_sequence = 100",
                ] {
                    try await store.client.query(statement, logger: TestPostgres.logger)
                }
                let later = before.addingTimeInterval(60)
                #expect(
                    try await store.mark(source: "edge-a", switchName: "pbx1", watermark: later, holding: 300) == 100)
                let promised =
                    "SELECT extract(epoch FROM watermark_utc)::bigint FROM sources WHERE source_id = 'edge-a'"
                #expect(try await TestPostgres.number(PostgresQuery(unsafeSQL: promised), store) == 1_700_000_000)
                // The edge, trusting the 300 acknowledged, has nothing new to ship: its promise is
                // refused, and it sends the 200 lost again.
                var resent = ShipmentOutcome(inserted: 200)
                resent.resent = 200
                #expect(try await shipper.shipPending(acknowledged: 300, trusting: true) == resent)
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls", store) == 300)
                #expect(
                    try await store.mark(source: "edge-a", switchName: "pbx1", watermark: later, holding: 300) == nil)
                #expect(try await TestPostgres.number(PostgresQuery(unsafeSQL: promised), store) == 1_700_000_060)
                // A source the store never heard of is not promised for an edge that believes
                // calls are held.
                #expect(try await store.mark(source: "edge-new", switchName: "pbx1", watermark: later, holding: 5) == 0)
                #expect(
                    try await TestPostgres.number("SELECT count(*) FROM sources WHERE source_id = 'edge-new'", store)
                        == 0)
            }
        }

        @Test func theSameCallsFromTwoEdgesOfOneSwitchAreStoredOnce() async throws {
            let a = try Self.edge(250)
            let b = try Self.edge(250)
            let other = try Self.edge(250)
            try await TestPostgres.withStore { store async throws -> Void in
                let shipper = { (source: String, local: TollGuardDatabase, switchName: String) in
                    CallShipper(
                        source: source, switchName: switchName, local: local, cluster: store,
                        logger: TestPostgres.logger)
                }
                #expect(try await shipper("edge-a", a, "pbx1").shipPending() == ShipmentOutcome(inserted: 250))
                #expect(try await shipper("edge-b", b, "pbx1").shipPending() == ShipmentOutcome(duplicates: 250))
                // Another switch's calls are its own, whatever their keys.
                #expect(
                    try await shipper("edge-c", other, "pbx2").shipPending() == ShipmentOutcome(inserted: 250))
                #expect(
                    try await TestPostgres.number("SELECT count(*) FROM calls WHERE switch_name = 'pbx1'", store) == 250
                )
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls", store) == 500)
                #expect(try await store.lastShipped(source: "edge-b") == 250)
            }
        }

        @Test func callsArriveAsStoredHostileTextIncluded() async throws {
            let local = try Self.edge(5, switchName: "ast1")
            try await TestPostgres.withStore { store in
                let shipper = CallShipper(
                    source: "edge-a", switchName: "pbx1", local: local, cluster: store, logger: TestPostgres.logger)
                try await shipper.shipPending()
                let rows = try await store.client.query(
                    """
                    SELECT caller_name, switch_name, to_char(start_utc, 'YYYY-MM-DD HH24:MI:SS'), billsec, source_ip
                    FROM calls WHERE dedup_key = 'uuid-2'
                    """, logger: TestPostgres.logger)
                var seen: [(String, String, String, Int64, String?)] = []
                for try await row in rows.decode((String, String, String, Int64, String?).self) { seen.append(row) }
                #expect(seen.count == 1)
                #expect(seen.first?.0 == Self.hostileName)
                #expect(seen.first?.1 == "ast1")  // the call's own switch, not the edge's default
                #expect(seen.first?.2 == "2025-12-02 00:03:14")
                #expect(seen.first?.3 == 60)
                #expect(seen.first?.4 == "192.0.2.2")
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls WHERE source_ip IS NULL", store) == 1)
            }
        }

        @Test func aServerRestartMidShipmentLosesAndDoublesNothing() async throws {
            let local = try Self.edge(10_000)
            try await TestPostgres.withStore { store in
                var shipper = CallShipper(
                    source: "edge-a", switchName: "pbx1", local: local, cluster: store, logger: TestPostgres.logger)
                shipper.batchSize = 200
                shipper.deadline = .seconds(3)
                let shipping = Task { [shipper] in
                    // As the edge's service does: ship, and after a failure ask again what the store holds.
                    var failures = 0
                    while true {
                        do {
                            try await shipper.shipPending()
                            return failures
                        } catch {
                            failures += 1
                            try await Task.sleep(for: .milliseconds(100))
                            if failures > 300 { throw error }
                        }
                    }
                }
                // Restart once some batches are in, none has the rest.
                let deadline = ContinuousClock.now + .seconds(60)
                while try await store.lastShipped(source: "edge-a") < 1_000, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                let before = try await store.lastShipped(source: "edge-a")
                try await TestPostgres.restartServer()
                _ = try await shipping.value
                #expect(before >= 1_000 && before < 10_000, "the restart came mid-shipment")
                // A restart between two batches raises nothing, and with asynchronous commit (as this
                // server runs) may lose batches it acknowledged: the edge finds that at its next batch.
                #expect(try await TestPostgres.number("SELECT count(*) FROM calls", store) == 10_000)
                #expect(try await TestPostgres.number("SELECT count(DISTINCT dedup_key) FROM calls", store) == 10_000)
                #expect(try await TestPostgres.number("SELECT count(*) FROM call_keys", store) == 10_000)
                #expect(try await store.lastShipped(source: "edge-a") == 10_000)
                // A partition a day of the 11.2 days of calls.
                #expect(
                    try await TestPostgres.number(
                        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'calls'::regclass", store) == 12)
            }
        }

        @Test func anEdgeWhoseStoreStartsOverUnderAnOldNameIsRefused() async throws {
            try await TestPostgres.withStore { store in
                let first = try Self.edge(50)
                try await CallShipper(
                    source: "edge-a", switchName: "pbx1", local: first, cluster: store, logger: TestPostgres.logger
                ).shipPending()
                let renewed = try Self.edge(10)
                await #expect(throws: CallShipperError.journalBehindCluster(source: "edge-a", local: 10, cluster: 50)) {
                    try await CallShipper(
                        source: "edge-a", switchName: "pbx1", local: renewed, cluster: store,
                        logger: TestPostgres.logger
                    ).shipPending()
                }
            }
        }
    }
}

/// The shipment's JSON, without a server.
@Suite struct ShipmentJSONTests {
    @Test func aNulBecomesTheReplacementCharacterAndNothingElseChanges() throws {
        let call = ShippedCall(
            sequence: 7, switchName: "pbx1", startDay: "2025-12-02",
            fields: TollGuardDatabase.shippedColumns.map { $0 == "caller_name" ? "Eve\0\t\"x\"" : nil })
        let json = ClusterStore.json([call], source: "edge-a")
        let objects = try JSONDecoder().decode([[String: String?]].self, from: Data(json.utf8))
        let object = try #require(objects.first)
        #expect(object["caller_name"] == .some("Eve\u{FFFD}\t\"x\""))
        #expect(object["source_sequence"] == .some("7"))
        #expect(object["account"] == .some(nil))
        #expect(object.count == TollGuardDatabase.shippedColumns.count + 3)
    }

    /// Whatever a caller controls comes back as it was sent, each row keyed by its columns.
    @Test func hostileTextSurvivesTheRowsWhole() throws {
        let hostile = [
            "\"},{\"account\":\"9999\"", "back\\slash\\", "line\nfeed\r\u{1}\u{1F}\u{7F}", "Zoë ☎️ 🇸🇴",
            "\u{2028}\u{2029}", "",
            "null",
        ]
        var rows: [[String?]] = []
        for (index, text) in hostile.enumerated() {
            var fields: [String?] = TollGuardDatabase.shippedColumns.map { _ in nil }
            fields[2] = text
            fields[4] = index.isMultiple(of: 2) ? nil : text
            rows.append(fields)
        }
        let calls = rows.enumerated().map {
            ShippedCall(
                sequence: Int64($0.offset + 1), switchName: "pbx\"1", startDay: "2025-12-02", fields: $0.element)
        }
        let objects = try JSONDecoder().decode(
            [[String: String?]].self, from: Data(ClusterStore.json(calls, source: "edge\\a").utf8))
        #expect(objects.count == hostile.count)
        for (object, (index, text)) in zip(objects, hostile.enumerated()) {
            #expect(object["account"] == .some(text))
            #expect(object["caller_name"] == .some(index.isMultiple(of: 2) ? nil : text))
            #expect(object["source_id"] == .some("edge\\a") && object["switch_name"] == .some("pbx\"1"))
            #expect(object["source_sequence"] == .some(String(index + 1)))
        }
        #expect(ClusterStore.json([], source: "edge-a") == "[]")
    }
}
