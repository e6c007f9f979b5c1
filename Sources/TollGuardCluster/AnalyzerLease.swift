import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The analyzer's lease: one node analyzes a key range at a time, on the database's clock, and
/// each of its writes is fenced by the epoch it took the lease with.
///
/// A node takes the lease only when nobody holds it or the holder let it lapse; taking it moves
/// the epoch forward. The holder renews it well before it ends. Every write the holder makes
/// goes in a transaction that first checks, under the row's lock, that the epoch is still its
/// own and the lease still running (``fenced(_:offsets:_:)``): a holder that was paused or cut
/// off past its lease finds its write refused, whatever its own clock says, once another node
/// could have taken over.
package struct AnalyzerLease: Sendable {
    /// What a node holds while the lease is its own.
    package struct Held: Sendable, Equatable {
        package var epoch: Int64
        /// Per edge, the last call consumed when the lease was taken.
        package var offsets: [String: Int64]
    }

    package let store: ClusterStore
    /// This node's name (the lease's `holder`).
    package let node: String
    /// The key range analyzed: one for now.
    package var keyRange = "all"
    /// How long the lease runs after each renewal; a standby takes over at most this long after
    /// the holder stopped renewing.
    package var duration = Duration.seconds(10)

    /// How long, in milliseconds, a transaction on the lease row may wait for its lock or sit
    /// idle: a third of the lease.
    var lockWait: Int { max(100, Int(duration.seconds * 1000 / 3)) }

    package init(store: ClusterStore, node: String) {
        self.store = store
        self.node = node
    }

    /// Takes the lease if nobody holds it, its holder let it lapse or the holder is this node (a
    /// restart, or a leader starting over after a failed write); nil while another holds it.
    package func acquire() async throws -> Held? {
        let logger = store.logger
        let (range, node, seconds) = (keyRange, node, duration.seconds)
        let wait = lockWait
        return try await store.client.inTransaction(logger: logger) { connection in
            // A holder paused inside a write keeps the row locked until the server ends its
            // transaction (see `fenced`): meanwhile asking fails, and is asked again.
            try await connection.answer(PostgresQuery(unsafeSQL: "SET LOCAL lock_timeout = \(wait)"), logger: logger)
            try await connection.answer(
                "INSERT INTO analyzer_leases (key_range) VALUES (\(range)) ON CONFLICT DO NOTHING", logger: logger)
            let rows = try await connection.answer(
                """
                UPDATE analyzer_leases
                SET holder = \(node), epoch = epoch + 1, taken_utc = now(),
                    lease_until = now() + make_interval(secs => \(seconds))
                WHERE key_range = \(range) AND (holder IS NULL OR lease_until < now() OR holder = \(node))
                RETURNING epoch, offsets::text
                """, logger: logger)
            for try await (epoch, offsets) in rows.decode((Int64, String).self) {
                return Held(epoch: epoch, offsets: try Self.offsets(offsets))
            }
            return nil
        }
    }

    /// Runs the lease on from now; throws ``LeaseLost`` when the epoch is no longer `held`'s
    /// or the lease ran out first.
    package func renew(_ held: Held) async throws {
        let (range, seconds) = (keyRange, duration.seconds)
        let rows = try await store.client.query(
            """
            UPDATE analyzer_leases SET lease_until = now() + make_interval(secs => \(seconds))
            WHERE key_range = \(range) AND epoch = \(held.epoch) AND lease_until >= now()
            RETURNING epoch
            """, logger: store.logger)
        for try await _ in rows { return }
        throw LeaseLost(epoch: held.epoch)
    }

    /// Gives the lease up (a graceful shutdown): a standby takes over at once.
    package func release(_ held: Held) async throws {
        try await store.client.query(
            """
            UPDATE analyzer_leases SET holder = NULL, lease_until = NULL
            WHERE key_range = \(keyRange) AND epoch = \(held.epoch)
            """, logger: store.logger)
    }

    /// Runs `body` in one transaction with the move of the offsets to `offsets` (nil: kept), under `held`.
    ///
    /// The transaction first checks the lease is `held`'s and running; both or neither commit.
    /// Throws ``LeaseLost`` (nothing written) when the lease is no longer `held`'s.
    ///
    /// `expecting`, when given, is what the holder believes the store holds of the offsets: a
    /// store that holds something else lost the holder's last commits (a failover to a standby
    /// that had not replayed them) and ``AnalysisDiverged`` is thrown, nothing written — the
    /// holder starts again from what the store holds.
    package func fenced<Result: Sendable>(
        _ held: Held, offsets: [String: Int64]?, expecting: [String: Int64]? = nil,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = store.logger
        let range = keyRange
        // nil: the offsets stay as they are (the row is still locked and checked).
        let json = try offsets.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        let idle = lockWait
        return try await store.client.inTransaction(logger: logger) { connection in
            // One statement, one round trip (three before: a step waited for the scheduler
            // thrice more on a loaded machine): the lease row locked and checked, the offsets
            // moved (the transaction rolls back when they were not what the holder believed),
            // and the transaction's idle timeout set — a holder paused (SIGSTOP, a long GC-like
            // stall) while it holds the lease row locked would keep every other node from taking
            // the lease: the server ends a transaction left idle that long, and its write with it.
            var stored: String?
            for try await (before, _) in try await connection.answer(
                """
                WITH held AS (
                    SELECT offsets FROM analyzer_leases
                    WHERE key_range = \(range) AND epoch = \(held.epoch) AND lease_until >= now()
                    FOR UPDATE
                ), moved AS (
                    UPDATE analyzer_leases SET offsets = coalesce(\(json)::jsonb, analyzer_leases.offsets)
                    FROM held WHERE key_range = \(range) AND epoch = \(held.epoch)
                )
                SELECT held.offsets::text, set_config('idle_in_transaction_session_timeout', \(String(idle)), true)
                FROM held
                """, logger: logger
            ).decode((String, String).self) {
                stored = before
            }
            guard let stored else { throw LeaseLost(epoch: held.epoch) }
            if let expecting, try Self.offsets(stored) != expecting {
                throw AnalysisDiverged(expected: expecting, stored: try Self.offsets(stored))
            }
            return try await body(connection)
        }
    }

    /// Who holds the lease now, by the database's clock (nil: nobody, or it lapsed).
    package func holder() async throws -> (node: String, epoch: Int64)? {
        let rows = try await store.client.query(
            """
            SELECT holder, epoch FROM analyzer_leases
            WHERE key_range = \(keyRange) AND holder IS NOT NULL AND lease_until >= now()
            """, logger: store.logger)
        for try await (node, epoch) in rows.decode((String, Int64).self) { return (node, epoch) }
        return nil
    }

    /// Records, while `held` is this node's, that the analysis counts days in `timeZone`.
    package func record(timeZone: TimeZone, under held: Held) async throws {
        let (range, zone) = (keyRange, timeZone.identifier)
        try await store.client.query(
            "UPDATE analyzer_leases SET time_zone = \(zone) WHERE key_range = \(range) AND epoch = \(held.epoch)",
            logger: store.logger)
    }

    /// The time zone the last leader counted days in; nil before any leader recorded one.
    package func timeZone() async throws -> TimeZone? {
        let rows = try await store.client.query(
            "SELECT time_zone FROM analyzer_leases WHERE key_range = \(keyRange)", logger: store.logger)
        for try await zone in rows.decode(String?.self) { return zone.flatMap(TimeZone.init(identifier:)) }
        return nil
    }

    static func offsets(_ json: String) throws -> [String: Int64] {
        try JSONDecoder().decode([String: Int64].self, from: Data(json.utf8))
    }
}

/// A write refused because the lease it was made under is over: another node may hold it.
package struct LeaseLost: Error, CustomStringConvertible, Equatable {
    package var epoch: Int64

    package init(epoch: Int64) { self.epoch = epoch }

    package var description: String {
        "the analyzer lease of epoch \(epoch) is over (it ran out, or another node took it): nothing was written"
    }
}

/// A write refused because the store holds other offsets than the analyzer's last commit: it
/// lost commits it had acknowledged (a failover to a standby behind).
package struct AnalysisDiverged: Error, CustomStringConvertible, Equatable {
    package var expected: [String: Int64]
    package var stored: [String: Int64]

    package var description: String {
        "the cluster store holds other analyzer offsets than this node committed (a failover lost its last "
            + "commits?): nothing was written; starting again from what the store holds"
    }
}
