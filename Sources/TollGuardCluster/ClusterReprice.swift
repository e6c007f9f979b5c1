import Foundation
import Logging
import PostgresNIO
import TollGuardCore

extension ClusterStore {
    /// What ``reprice(with:from:timeZone:batchSize:)`` did.
    package struct Repricing: Sendable {
        /// The calls classified and priced again.
        package var calls = 0
        /// The days (`YYYY-MM-DD` in `timeZone`) whose spend was counted again.
        package var days: [String] = []
        /// The time zone the days were counted in: the cluster's analyzer's.
        package var timeZone = TimeZone.gmt
    }

    /// Classifies and prices the cluster's stored calls again with `rater` (after a new rate deck
    /// or dial plan), those that started at or after `from` or all, `batchSize` calls per
    /// transaction; then counts each touched day's spend again from the calls, as the analyzer
    /// counted it.
    ///
    /// The spend of a day (`cluster_spend`) is the sum of the calls the analyzer has played: those
    /// it consumed (its offsets) that started before its release. It is counted again with the
    /// lease row locked, so the leader's next write waits and then adds only what it plays after.
    package func reprice(
        with rater: DestinationRater, from: Date?, timeZone siteTimeZone: TimeZone, batchSize: Int = 5_000
    ) async throws -> Repricing {
        // The days as the analyzer counts them, in its time zone (the node's only before any
        // analyzer led — when no spend is counted yet).
        let timeZone = try await AnalyzerLease(store: self, node: "").timeZone() ?? siteTimeZone
        var repricing = Repricing(timeZone: timeZone)
        var days = Set<String>()
        var clock = LocalClock(timeZone: timeZone)
        var after = (source: "", sequence: Int64(0))
        var starts: (first: Date, last: Date)?
        let logger = self.logger
        while true {
            var binds = PostgresBindings()
            binds.append(after.source)
            binds.append(after.sequence)
            if let from { binds.append(from) } else { binds.appendNull() }
            binds.append(batchSize)
            let rows = try await client.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT source_id, source_sequence, start_utc, destination, context, billsec FROM calls
                        WHERE (source_id, source_sequence) > ($1, $2)
                        AND ($3::timestamptz IS NULL OR start_utc >= ($3::timestamptz AT TIME ZONE 'UTC'))
                        ORDER BY source_id, source_sequence LIMIT $4
                        """, binds: binds), logger: logger)
            var priced: [[String: String?]] = []
            for try await (source, sequence, start, destination, context, billsec) in rows.decode(
                (String, Int64, Date, String, String, Int64).self)
            {
                let rated = rater.rate(
                    destination: destination, context: context, billsec: Int(billsec), startedAt: start)
                let classification = rated.classification
                priced.append([
                    "source_id": source, "source_sequence": String(sequence), "start_utc": CivilTime.utcText(start),
                    "dest_scope": classification.scope.rawValue, "dest_e164": classification.e164,
                    "dest_region": classification.region,
                    "dest_calling_code": classification.callingCode.map(String.init),
                    "dest_type": classification.numberType?.rawValue, "dest_risk": classification.risk.storedText,
                    "dest_hotspot": classification.hotspot?.prefix, "rate_prefix": rated.price.ratePrefix,
                    "rate_per_min_micros": rated.price.ratePerMinuteMicros.map(String.init),
                    "cost_micros": String(rated.price.costMicros),
                ])
                days.insert(LocalClock.dayText(clock.local(start.timeIntervalSince1970).day))
                starts = starts.map { (min($0.first, start), max($0.last, start)) } ?? (start, start)
                after = (source, sequence)
            }
            guard !priced.isEmpty else { break }
            let json = String(decoding: try JSONEncoder().encode(priced), as: UTF8.self)
            try await client.query(
                """
                UPDATE calls SET dest_scope = row.dest_scope, dest_e164 = row.dest_e164,
                    dest_region = row.dest_region, dest_calling_code = row.dest_calling_code,
                    dest_type = row.dest_type, dest_risk = row.dest_risk, dest_hotspot = row.dest_hotspot,
                    rate_prefix = row.rate_prefix, rate_per_min_micros = row.rate_per_min_micros,
                    cost_micros = row.cost_micros
                FROM jsonb_to_recordset(\(json)::jsonb) AS row(
                    source_id text, source_sequence bigint, start_utc timestamp, dest_scope text, dest_e164 text,
                    dest_region text, dest_calling_code bigint, dest_type text, dest_risk text, dest_hotspot text,
                    rate_prefix text, rate_per_min_micros bigint, cost_micros bigint)
                WHERE calls.source_id = row.source_id AND calls.source_sequence = row.source_sequence
                    AND calls.start_utc = row.start_utc
                """, logger: logger)
            repricing.calls += priced.count
            if priced.count < batchSize { break }
        }
        repricing.days = days.sorted()
        if let starts {
            try await countSpendAgain(
                on: repricing.days, timeZone: timeZone,
                // Every call of those local days: a day either side of the calls repriced.
                between: starts.first.addingTimeInterval(-86_400), and: starts.last.addingTimeInterval(86_400))
        }
        return repricing
    }

    /// Counts the spend of `days` again from the calls the analyzer has played, under the lease
    /// row's lock; the calls of those days started between `earliest` and `latest`.
    private func countSpendAgain(on days: [String], timeZone: TimeZone, between earliest: Date, and latest: Date)
        async throws
    {
        let logger = self.logger
        try await client.inTransaction(logger: logger) { connection in
            var committed: [String: Int64] = [:]
            for try await json in try await connection.answer(
                "SELECT offsets::text FROM analyzer_leases WHERE key_range = 'all' FOR UPDATE", logger: logger
            ).decode(String.self) {
                committed = try AnalyzerLease.offsets(json)
            }
            let released = ClusterAnalyzer.takeReleased(from: &committed)
            try await connection.answer(
                "DELETE FROM cluster_spend WHERE day = ANY(\(days)::date[])", logger: logger)
            guard let released else { return }  // nothing played yet: no spend
            let offsets = String(decoding: try JSONEncoder().encode(committed), as: UTF8.self)
            let zone = timeZone.identifier
            try await connection.answer(
                """
                INSERT INTO cluster_spend (account, day, calls, cost_micros)
                SELECT account, local_day, count(*), coalesce(sum(cost_micros), 0)
                FROM (
                    SELECT calls.account, calls.cost_micros,
                        ((calls.start_utc AT TIME ZONE 'UTC') AT TIME ZONE \(zone))::date AS local_day
                    FROM calls JOIN jsonb_each_text(\(offsets)::jsonb) AS consumed
                        ON consumed.key = calls.source_id AND calls.source_sequence <= consumed.value::bigint
                    WHERE calls.start_utc < (\(released)::timestamptz AT TIME ZONE 'UTC')
                        AND calls.start_utc >= (\(earliest)::timestamptz AT TIME ZONE 'UTC')
                        AND calls.start_utc <= (\(latest)::timestamptz AT TIME ZONE 'UTC')
                ) AS played
                WHERE local_day = ANY(\(days)::date[])
                GROUP BY account, local_day
                """, logger: logger)
        }
    }
}
