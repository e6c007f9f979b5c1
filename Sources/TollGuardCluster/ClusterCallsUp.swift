import Foundation
import Logging
import PostgresNIO
import TollGuardCore

/// A call up as an edge told it: which edge, and the call as it started (and answered), keyed by
/// its switch's own id (`key`, the stored call's `call_id`).
package struct CallUp: Sendable {
    package var source: String
    package var call: ObservedCall

    /// The call's identity across edges and its stored record.
    var id: LiveCallID { LiveCallID(switchName: call.switchName ?? "", callID: call.key) }
}

/// A call of a switch by the switch's own id: its up row and its stored record share it.
struct LiveCallID: Hashable, Sendable {
    var switchName: String
    var callID: String
}

extension ClusterStore {
    /// The columns of `calls_up` and `analysis_live`, in this order.
    static let callUpColumns = [
        "source_id", "switch_name", "call_id", "account", "caller_number", "source_ip", "trunk", "context",
        "destination", "dest_scope", "dest_e164", "dest_region", "dest_type", "dest_risk", "dest_hotspot",
        "rate_per_min_micros", "start_utc", "answer_utc",
    ]

    /// `callsUp` as a JSON array of `calls_up` rows of `source` (a call without a switch of its
    /// own is `switchName`'s; one id told twice is told once).
    static func json(callsUp: [ObservedCall], source: String, switchName: String) -> String {
        var seen: Set<String> = []
        var rows = JSONRows(columns: callUpColumns)
        for call in callsUp where seen.insert(call.key).inserted {
            rows.append(values(of: call, source: source, switchName: switchName))
        }
        return rows.text
    }

    /// One call's values as a row of `calls_up`, in the order of ``callUpColumns``.
    static func values(of call: ObservedCall, source: String, switchName: String) -> [String?] {
        [
            source, call.switchName ?? switchName, call.key, call.account, call.callerNumber, call.sourceIP,
            call.trunk, call.context, call.dialed, call.scope.rawValue, call.e164, call.region,
            call.numberType?.rawValue, call.risk.storedText, call.hotspot, String(call.ratePerMinuteMicros),
            microsecondText(call.startedAt), call.answeredAt.map(microsecondText),
        ]
    }

    /// `date` as PostgreSQL reads a timestamp, to the microsecond: a call up keeps the fraction
    /// of its switch's times, which the edges' promises count in (the store's calls keep whole
    /// seconds, as the CSV path has them).
    static func microsecondText(_ date: Date) -> String {
        let seconds = CivilTime.epochSeconds(date)
        let fraction = (date.timeIntervalSince1970 - Double(seconds)) * 1_000_000
        let micros = min(999_999, max(0, Int(fraction.rounded())))
        let digits = String(micros)
        return CivilTime.utcText(epochSeconds: seconds) + "." + String(repeating: "0", count: 6 - digits.count) + digits
    }

    /// The calls up the sources `sources` told or changed since `seen` (per source, the last
    /// change read), in order of start; `seen` moves past them.
    package func callsUp(of sources: [String], seen: inout [String: Int64]) async throws -> [CallUp] {
        guard !sources.isEmpty else { return [] }
        // One index range of `calls_up_by_change` per source, each with its numbers written out:
        // the planner then sees how few rows follow them. Given as a join, it could not, and read
        // every call up — the dead rows of their churn included — each step (a sequential scan
        // of 3-5 ms, or 20-90 ms; and from a JSON list, which it counts as 100 rows, a plan past
        // `jit_above_cost` compiled for 25-33 ms), against a fraction of a millisecond.
        var binds = PostgresBindings()
        var branches: [String] = []
        let columns = Self.callUpColumns.joined(separator: ", ")
        for source in sources {
            binds.append(source)
            binds.append(seen[source] ?? 0)
            branches.append(
                "(SELECT \(columns), told_seq FROM calls_up "
                    + "WHERE source_id = $\(binds.count - 1) AND told_seq > $\(binds.count))")
        }
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: branches.joined(separator: " UNION ALL ") + " ORDER BY start_utc, switch_name, call_id",
                binds: binds), logger: logger)
        var sequences: [(String, Int64)] = []
        let calls = try await Self.callsUp(rows) { source, cells in
            sequences.append((source, try cells.cells[Self.callUpColumns.count].decode(Int64.self)))
        }
        for (source, sequence) in sequences { seen[source] = max(seen[source] ?? 0, sequence) }
        return calls
    }

    /// The calls the analysis started from `calls_up` and has not ended, as it started them.
    func liveAnalysis() async throws -> [CallUp] {
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: "SELECT \(Self.callUpColumns.joined(separator: ", ")) FROM analysis_live "
                    + "ORDER BY start_utc, switch_name, call_id"), logger: logger)
        return try await Self.callsUp(rows)
    }

    /// Records, in the analysis's transaction, the calls it started from `calls_up` and those of
    /// them it ended — in one statement (a round trip fewer a step while calls come and go).
    static func recordLiveAnalysis(
        begun: [CallUp], ended: [LiveCallID], on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !begun.isEmpty || !ended.isEmpty else { return }
        // Arrays, whose length the planner reads (from JSON it counted 100 rows and scanned).
        let (switches, calls) = (ended.map(\.switchName), ended.map(\.callID))
        var rows = JSONRows(columns: callUpColumns)
        for up in begun { rows.append(values(of: up.call, source: up.source, switchName: up.call.switchName ?? "")) }
        let json = rows.text
        // Never the same call in both: one ended here is no longer among those begun.
        try await connection.answer(
            """
            WITH ended AS (
                DELETE FROM analysis_live
                USING unnest(\(switches)::text[], \(calls)::text[]) AS ended(switch_name, call_id)
                WHERE analysis_live.switch_name = ended.switch_name AND analysis_live.call_id = ended.call_id
            )
            INSERT INTO analysis_live SELECT * FROM jsonb_populate_recordset(NULL::analysis_live, \(json)::jsonb)
            ON CONFLICT (switch_name, call_id) DO NOTHING
            """, logger: logger)
    }

    private static func callsUp(
        _ rows: PostgresRowSequence, each: (String, CallRowCells) throws -> Void = { _, _ in }
    ) async throws -> [CallUp] {
        var calls: [CallUp] = []
        for try await row in rows {
            let cells = CallRowCells(row)
            let answeredAt = try cells.cells[17].decode(Date?.self)
            var call = ObservedCall(
                key: try cells.required(2), account: try cells.required(3), callerNumber: try cells.required(4),
                sourceIP: try cells.text(5),
                trunk: try cells.text(6), context: try cells.required(7), dialed: try cells.required(8),
                scope: try cells.known(9, CallScope.self) ?? .invalid, e164: try cells.text(10),
                region: try cells.text(11),
                numberType: try cells.known(12, NumberType.self), risk: RiskFlags(storedText: try cells.text(13) ?? ""),
                hotspot: try cells.text(14), ratePerMinuteMicros: try cells.cells[15].decode(Int64?.self) ?? 0,
                startedAt: try cells.cells[16].decode(Date.self), answeredAt: answeredAt,
                disposition: answeredAt == nil ? .noAnswer : .answered)
            call.switchName = try cells.required(1)
            calls.append(CallUp(source: try cells.required(0), call: call))
            try each(try cells.required(0), cells)
        }
        return calls
    }
}

/// The last `capacity` calls whose records the analysis consumed, for "was this call's record
/// consumed lately?" — and, of those it had started from their edges' word, their cost by the
/// key they were started under.
struct RecentIDs: Sendable {
    private var set: Set<LiveCallID> = []
    private var costs: [String: Int64] = [:]
    private var order: [(id: LiveCallID, key: String?)] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func contains(_ id: LiveCallID) -> Bool { set.contains(id) }

    /// The cost of the call started under `key` from its edge's word, when its record came lately.
    func cost(of key: String) -> Int64? { costs[key] }

    mutating func insert(_ id: LiveCallID, cost: (key: String, micros: Int64)? = nil) {
        guard set.insert(id).inserted else { return }
        if let cost { costs[cost.key] = cost.micros }
        let entry = (id: id, key: cost?.key)
        if order.count < capacity {
            order.append(entry)
        } else {
            set.remove(order[next].id)
            if let key = order[next].key { costs[key] = nil }
            order[next] = entry
            next = (next + 1) % capacity
        }
    }
}
