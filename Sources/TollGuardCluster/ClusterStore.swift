import Foundation
import Logging
import PostgresNIO
import Synchronization
import TollGuardCore

/// The store the nodes of a cluster share, on PostgreSQL.
///
/// Holds a `PostgresClient` (a connection pool), which runs as long as its ``run()`` does: run
/// it in the task group or `ServiceGroup` that uses the store.
package struct ClusterStore: Sendable {
    package let client: PostgresClient
    /// The logger of the pool and of each query.
    ///
    /// It says only errors: postgres-nio warns on it when a query comes before the pool's `run()`
    /// has begun — which a task that starts both at once cannot order, and which the query simply
    /// waits out.
    let logger: Logger
    /// The days of `calls` this store made or found partitions for: a shipment asks only about a
    /// new day (a round trip, and a twentieth of a busy edge's CPU, at every shipment before).
    let partitions = KnownDays()

    package init(configuration: PostgresClient.Configuration, logger: Logger) {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .error)
        client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        self.logger = quiet
    }

    /// Runs the connection pool until the task is cancelled.
    package func run() async {
        await client.run()
    }

    /// Creates or moves forward the store's tables; returns the migrations applied.
    @discardableResult
    package func migrate() async throws -> [String] {
        try await ClusterSchema.migrate(client, logger: logger)
    }

    /// The last call of `source` this store holds (0 when none).
    package func lastShipped(source: String) async throws -> Int64 {
        let rows = try await client.query(
            "SELECT last_sequence FROM sources WHERE source_id = \(source)", logger: logger)
        for try await sequence in rows.decode(Int64.self) { return sequence }
        return 0
    }

    /// Adds `calls`, numbered and shipped in order by the edge `source`, in one transaction that
    /// also moves the source's last sequence.
    ///
    /// A call numbered at or below what the store holds for `source` is not sent again (a resend
    /// after a lost answer adds nothing); a call its switch already has under its dedup key
    /// (from another edge, or a CSV and a live feed of one switch) is counted a duplicate.
    ///
    /// `after` is what the edge believes the store holds of it. A store that holds less has lost
    /// commits it acknowledged (asynchronous commit or replication, then a crash or failover):
    /// nothing is stored and the outcome's `storeHolds` says from where to send again.
    package func ship(
        _ calls: [ShippedCall], after expected: Int64, source: String, switchName: String
    ) async throws -> ShipmentOutcome {
        guard let last = calls.last?.sequence else { return ShipmentOutcome() }
        let days = Set(calls.map(\.startDay))
        let believed = days.contains(where: partitions.contains)
        do {
            let (outcome, stored) = try await shipInTransaction(
                calls, last: last, after: expected, source: source, switchName: switchName)
            // Committed: the days' partitions exist (made in a transaction rolled back, they would not).
            partitions.insert(stored)
            return outcome
        } catch {
            // A day's partition dropped since (retention) is asked about again, at once.
            partitions.remove(days)
            guard believed else { throw error }
            let (outcome, stored) = try await shipInTransaction(
                calls, last: last, after: expected, source: source, switchName: switchName)
            partitions.insert(stored)
            return outcome
        }
    }

    /// ``ship(_:after:source:switchName:)``'s transaction; with the outcome, the days whose
    /// partitions it stored calls in.
    private func shipInTransaction(
        _ calls: [ShippedCall], last: Int64, after expected: Int64, source: String, switchName: String
    ) async throws -> (ShipmentOutcome, Set<String>) {
        let (logger, partitions) = (self.logger, self.partitions)
        return try await client.inTransaction(logger: logger) { connection in
            // The source's row made if new, and locked (an edge's shipments follow one another).
            var held: Int64 = 0
            for try await sequence in try await connection.answer(
                """
                INSERT INTO sources (source_id, switch_name) VALUES (\(source), \(switchName))
                ON CONFLICT (source_id) DO UPDATE SET switch_name = sources.switch_name
                RETURNING last_sequence
                """, logger: logger
            ).decode(Int64.self) {
                held = sequence
            }
            if held < expected { return (ShipmentOutcome(storeHolds: held), []) }
            let fresh = calls.filter { $0.sequence > held }
            guard !fresh.isEmpty else { return (ShipmentOutcome(alreadyHeld: calls.count), []) }
            let days = Set(fresh.map(\.startDay))
            for day in days.sorted() where !partitions.contains(day) {
                try await Self.createPartition(forDay: day, connection, logger: logger)
            }
            // The batch goes as one JSON parameter, each call an object of `calls`' columns, which
            // PostgreSQL turns into rows typed as `calls`' (text to timestamps and numbers) — and
            // escapes whatever a caller name holds. (COPY was measured first: postgres-nio 1.33's
            // `copyFrom` never returns when the server closed the connection before it began.)
            let batch = Self.json(fresh, source: source)
            var inserted = 0
            for try await count in try await connection.answer(
                """
                WITH shipment AS (
                    SELECT * FROM jsonb_populate_recordset(NULL::calls, \(batch)::jsonb)
                ), claimed AS (
                    INSERT INTO call_keys (switch_name, dedup_key, source_id, source_sequence, start_utc)
                    SELECT switch_name, dedup_key, source_id, source_sequence, start_utc FROM shipment
                    ORDER BY source_sequence
                    ON CONFLICT DO NOTHING
                    RETURNING source_sequence
                ), stored AS (
                    INSERT INTO calls SELECT shipment.* FROM shipment JOIN claimed USING (source_sequence)
                    RETURNING 1
                ), moved AS (
                    UPDATE sources SET last_sequence = \(last), shipped_utc = now()
                    WHERE source_id = \(source) AND last_sequence < \(last)
                )
                SELECT count(*) FROM stored
                """, logger: logger
            ).decode(Int64.self) {
                inserted = Int(count)
            }
            return (
                ShipmentOutcome(
                    inserted: inserted, duplicates: fresh.count - inserted, alreadyHeld: calls.count - fresh.count),
                days
            )
        }
    }

    /// Records `source`'s promise that every event of its switch before `watermark` is told —
    /// a call that started before it is stored or among its calls up — never moving it back, and
    /// that the edge is alive; `callsUp` (nil: an edge without a live view, which tells none)
    /// changes the calls up the store holds of `source`, in the same statement.
    ///
    /// `holding`, when given, is the last call the edge believes the store holds of it: a store
    /// that holds less lost commits (a failover), and the promise, which would let the analysis
    /// pass the calls it lost, is not made. Returns what the store holds then; nil once promised.
    ///
    /// One statement, one round trip (five or six before, in a transaction, and a read of what
    /// the store held before it): an edge promises every tick, and the analysis waits for it.
    @discardableResult
    package func mark(
        source: String, switchName: String, watermark: Date?, callsUp: CallsUpChange? = nil, holding: Int64? = nil
    ) async throws -> Int64? {
        let told = callsUp.map { Self.json(callsUp: $0.told, source: source, switchName: switchName) } ?? "[]"
        let columns = Self.callUpColumns.joined(separator: ", ")
        // A call is told or gone, never both; told whole, the others of the edge are gone.
        let every = callsUp?.all ?? false
        let (gone, kept) = (
            (callsUp?.gone ?? []).map(Self.storable), every ? (callsUp?.told ?? []).map { Self.storable($0.key) } : []
        )
        var binds = PostgresBindings()
        binds.append(source)
        binds.append(switchName)
        binds.append(watermark)
        binds.append(told)
        binds.append(gone)
        binds.append(every)
        binds.append(kept)
        binds.append(Self.promiseChannel)
        binds.append(holding ?? 0)
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH gone AS (
                        -- An array, whose length the planner reads: a list from JSON counts as 100
                        -- rows and made it scan every call up (4 ms a shipment under the latency
                        -- benchmark).
                        DELETE FROM calls_up USING unnest($5::text[]) AS gone(call_id)
                        WHERE calls_up.source_id = $1 AND calls_up.call_id = gone.call_id
                    ), replaced AS (
                        DELETE FROM calls_up WHERE $6 AND source_id = $1 AND call_id <> ALL($7::text[])
                    ), told AS (
                        INSERT INTO calls_up (\(columns)) SELECT \(columns)
                        FROM jsonb_populate_recordset(NULL::calls_up, $4::jsonb)
                        ON CONFLICT (source_id, call_id) DO UPDATE SET answer_utc = excluded.answer_utc,
                            told_seq = nextval('calls_up_told')
                    ), held AS (
                        SELECT last_sequence FROM sources WHERE source_id = $1
                    ), promised AS (
                        UPDATE sources SET shipped_utc = now(),
                            watermark_utc = greatest(watermark_utc, ($3::timestamptz AT TIME ZONE 'UTC'))
                        WHERE source_id = $1 AND last_sequence >= $9
                        RETURNING 1
                    ), first AS (
                        INSERT INTO sources (source_id, switch_name, shipped_utc, watermark_utc)
                        SELECT $1, $2, now(), ($3::timestamptz AT TIME ZONE 'UTC')
                        WHERE $9 <= 0 AND NOT EXISTS (SELECT 1 FROM held)
                        ON CONFLICT (source_id) DO NOTHING
                        RETURNING 1
                    )
                    -- The analyzer's doorbell, rung at commit: it looks at once rather than at its
                    -- next interval (a poll stays behind it, for a ring lost while it was not
                    -- listening).
                    SELECT (SELECT count(*) FROM promised) + (SELECT count(*) FROM first),
                        coalesce((SELECT last_sequence FROM held), 0), pg_notify($8, $1)::text
                    """, binds: binds), logger: logger)
        for try await (promised, held, _) in rows.decode((Int64, Int64, String).self) where promised == 0 {
            return held
        }
        return nil
    }

    /// `text` as PostgreSQL's text holds it: no NUL (one becomes U+FFFD), as the JSON rows write it.
    static func storable(_ text: String) -> String {
        text.contains("\0") ? text.replacingOccurrences(of: "\0", with: "\u{FFFD}") : text
    }

    /// How many rows `rows` holds (of an `INSERT … RETURNING`: how many were written).
    static func rowCount(_ rows: PostgresRowSequence) async throws -> Int {
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    /// The channel an edge notifies when it has shipped and promised (the payload: its name).
    package static let promiseChannel = "tollguard_promises"

    /// Rings `doorbell` at each notification on `channel` whose payload `ringsFor` accepts (all,
    /// by default), over a connection of its own, until that connection ends (returns or throws)
    /// or the task is cancelled.
    ///
    /// A doorbell, never the transport: a notification sent while nobody listened is lost, so
    /// the listener polls behind it.
    package func ring(
        _ doorbell: Doorbell, atNotificationsOn channel: String,
        ringsFor: @escaping @Sendable (_ payload: String) -> Bool = { _ in true }
    ) async throws {
        try await client.withConnection { connection in
            try await connection.listen(on: channel) { notifications in
                for try await notification in notifications where ringsFor(notification.payload) { doorbell.ring() }
            }
        }
    }

    /// `calls` as a JSON array of objects keyed by `calls`' columns (NULL as null).
    ///
    /// PostgreSQL's text holds no NUL: one becomes U+FFFD.
    package static func json(_ calls: [ShippedCall], source: String) -> String {
        var rows = JSONRows(
            columns: ["source_id", "source_sequence", "switch_name"] + TollGuardDatabase.shippedColumns)
        for call in calls { rows.append([source, String(call.sequence), call.switchName] + call.fields) }
        return rows.text
    }

    /// Creates the partition of `calls` for `day` (`YYYY-MM-DD`) unless it exists.
    private static func createPartition(forDay day: String, _ connection: PostgresConnection, logger: Logger)
        async throws
    {
        guard let date = dayFormat.date(from: day), let next = Calendar.utc.date(byAdding: .day, value: 1, to: date)
        else {
            throw ClusterStoreError.badDay(day)
        }
        // Built from a date this function parsed and formatted again: no stored text reaches the SQL.
        let (from, to) = (dayFormat.string(from: date), dayFormat.string(from: next))
        let name = partitionName(forDay: from)
        if try await tableExists(name, connection, logger: logger) { return }
        // Two edges creating one day's partition at once would collide in the catalogue; the lock
        // is taken only when a day is new, so edges do not wait on each other otherwise.
        try await connection.answer("SELECT pg_advisory_xact_lock(7401926)", logger: logger)
        if try await tableExists(name, connection, logger: logger) { return }
        // A table of its own, then attached: ATTACH PARTITION takes a share-update lock on `calls`,
        // which readers do not hold off, where CREATE TABLE … PARTITION OF takes an exclusive one
        // that waits for every reader — and a reader whose client has stopped reading (a paused or
        // cut-off analyzer in the middle of a read) never finishes, so every edge's shipment, and
        // every read queued behind the waiting lock, would stop with it. The lock timeout makes any
        // other wait a failed shipment, sent again, never a silent stall.
        try await connection.answer("SET LOCAL lock_timeout = '10s'", logger: logger)
        try await connection.answer(
            PostgresQuery(unsafeSQL: "CREATE TABLE \(name) (LIKE calls INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"),
            logger: logger)
        try await connection.answer(
            PostgresQuery(
                unsafeSQL: "ALTER TABLE calls ATTACH PARTITION \(name) FOR VALUES FROM ('\(from)') TO ('\(to)')"),
            logger: logger)
        try await connection.answer("SET LOCAL lock_timeout = 0", logger: logger)
    }

    /// Whether the table `name` exists in the store's schema, as committed when the statement
    /// starts: read from `pg_class` itself, not with `to_regclass`, whose lookup is cached for
    /// the transaction — after waiting on the advisory lock it still said "no" to a partition
    /// another edge had just made, and the shipment failed making it again.
    private static func tableExists(_ name: String, _ connection: PostgresConnection, logger: Logger) async throws
        -> Bool
    {
        for try await found in try await connection.answer(
            """
            SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relname = \(name)
                AND relnamespace = current_schema()::regnamespace)
            """, logger: logger
        ).decode(Bool.self) {
            return found
        }
        return false
    }

    /// The partition of `calls` for `day` (`2026-11-04` → `calls_20261104`);
    /// `partitionDay(_:)` reads it back.
    static func partitionName(forDay day: String) -> String {
        "calls_" + day.replacingOccurrences(of: "-", with: "")
    }

    /// `YYYY-MM-DD` in UTC.
    static var dayFormat: DateFormatter {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyy-MM-dd"
        return format
    }
}

extension Calendar {
    fileprivate static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar
    }
}

/// What one shipment did.
package struct ShipmentOutcome: Sendable, Equatable {
    /// Calls the store did not have.
    package var inserted = 0
    /// Calls their switch already had under their dedup key (shipped by another edge, or by this
    /// one from a second feed of the switch).
    package var duplicates = 0
    /// Calls at or below the source's last sequence: shipped before.
    package var alreadyHeld = 0
    /// Set when the store held less of the edge than the edge believed (it lost acknowledged
    /// commits): what it holds; nothing was stored.
    package var storeHolds: Int64?
    /// Calls sent again because the store had lost them after acknowledging them (a shipper's
    /// total over its shipments).
    package var resent: Int64 = 0

    package init(inserted: Int = 0, duplicates: Int = 0, alreadyHeld: Int = 0, storeHolds: Int64? = nil) {
        self.inserted = inserted
        self.duplicates = duplicates
        self.alreadyHeld = alreadyHeld
        self.storeHolds = storeHolds
    }
}

/// A shipment the cluster store refused.
package enum ClusterStoreError: Error, CustomStringConvertible {
    case badDay(String)

    package var description: String {
        switch self {
        case .badDay(let day): "a shipped call's start day \"\(day)\" is not YYYY-MM-DD"
        }
    }
}

/// Days known to a process, shared by the copies of a value that holds it.
final class KnownDays: Sendable {
    private let days = Mutex<Set<String>>([])

    func contains(_ day: String) -> Bool { days.withLock { $0.contains(day) } }

    func insert(_ new: Set<String>) { days.withLock { $0.formUnion(new) } }

    func remove(_ gone: Set<String>) { days.withLock { $0.subtract(gone) } }
}
