import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// The cluster's alerts raised or changed since a console last looked: what its open pages hear.
///
/// An alert's `updated_utc` is its transaction's start, so a change can commit after a later one
/// was seen; the watcher looks back over ``changeLookBack`` and remembers the change of each alert
/// it saw there (`AlertChangeMark/recent`), so each change is told once.
extension ClusterStore {
    /// How far back a look reaches for changes that committed late.
    static let changeLookBack = "60 seconds"

    /// How many columns ``alertColumns`` names.
    static let alertColumnCount = alertColumns.split(separator: ",").count

    /// The mark of the cluster's alerts as they are now.
    package func alertChangeMark() async throws -> AlertChangeMark {
        let rows = try await client.query(
            """
            SELECT coalesce(max(id), 0), coalesce((extract(epoch FROM max(updated_utc)) * 1000000)::bigint, 0)
            FROM cluster_alerts
            """, logger: logger)
        for try await (maxID, updated) in rows.decode((Int64, Int64).self) {
            // What changed within the look-back counts as seen: read for the mark, not told.
            return try await alertsChanged(
                since: AlertChangeMark(maxID: maxID, updated: String(updated)), limit: Int.max, summarizer: nil
            ).1
        }
        return AlertChangeMark(maxID: 0, updated: "0")
    }

    /// The cluster's alerts raised or changed since `mark` (nothing when nil), at most `limit`,
    /// oldest change first, and the mark to ask with next.
    package func alertsChanged(since mark: AlertChangeMark?, limit: Int, summarizer: AlertSummarizer?)
        async throws -> ([AlertChangeSinceMark], AlertChangeMark)
    {
        guard let mark else { return ([], try await alertChangeMark()) }
        let seen = mark.recent.sorted { $0.key < $1.key }
        let since = Int64(mark.updated) ?? 0
        let query: PostgresQuery = """
            SELECT \(unescaped: Self.shownAlertColumns), (extract(epoch FROM updated_utc) * 1000000)::bigint,
                (extract(epoch FROM now() - interval '\(unescaped: Self.changeLookBack)') * 1000000)::bigint,
                \(unescaped: Self.stateColumns)
            FROM cluster_alerts
            WHERE (id > \(mark.maxID) OR updated_utc > now() - interval '\(unescaped: Self.changeLookBack)'
                    OR updated_utc >= to_timestamp(\(since)::bigint / 1000000.0) - interval '1 second')
                AND (id, (extract(epoch FROM updated_utc) * 1000000)::bigint) NOT IN (
                    SELECT * FROM unnest(\(seen.map(\.key))::bigint[], \(seen.compactMap { Int64($0.value) })::bigint[]))
            ORDER BY updated_utc, id LIMIT \(Int64(min(limit, Int(Int32.max))))
            """
        var next = mark
        var changes: [AlertChangeSinceMark] = []
        var cutoff = Int64.min
        for try await row in try await client.query(query, logger: logger) {
            let columns = row.makeRandomAccess()
            // After the alert's columns, before its triage's (read from the end).
            let changed = try columns[Self.alertColumnCount].decode(Int64.self)
            cutoff = try columns[Self.alertColumnCount + 1].decode(Int64.self)
            let id = try columns[0].decode(Int64.self)
            next.recent[id] = String(changed)
            next.maxID = max(next.maxID, id)
            if changed > Int64(next.updated) ?? 0 { next.updated = String(changed) }
            if let summarizer, let reviewed = try Self.reviewed(row, summarizer: summarizer) {
                changes.append(AlertChangeSinceMark(alert: reviewed.alert, isNew: id > mark.maxID))
            }
        }
        // What no later look reaches is forgotten: older than the look-back and a second before the mark.
        let newest = Int64(next.updated) ?? 0
        if cutoff != Int64.min {
            next.recent = next.recent.filter { (Int64($0.value) ?? 0) >= min(cutoff, newest - 1_000_000) }
        }
        return (changes, next)
    }

    /// The cluster's alerts raised after alert `id`, oldest first, at most `limit`.
    package func alerts(raisedAfter id: Int64, limit: Int, summarizer: AlertSummarizer) async throws
        -> [StoredAlert]
    {
        let query: PostgresQuery = """
            SELECT \(unescaped: Self.shownAlertColumns), \(unescaped: Self.stateColumns) FROM cluster_alerts
            WHERE id > \(id) ORDER BY id LIMIT \(Int64(limit))
            """
        return try await reviewed(query, summarizer: summarizer).map(\.alert)
    }
}
