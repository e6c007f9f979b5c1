import Foundation
import Logging
import PostgresNIO
import TollGuardCore

extension ClusterStore {
    /// The report of `tally`'s period over the whole cluster, as `tollguard report` writes one
    /// box's: every switch's calls that started in it, the analyzer's alerts that touch it (their
    /// evidence with the calls' details, where the store holds the call), and the suspensions
    /// made and lifted and the calls hung up by command in it.
    ///
    /// `quotas`: the accounts' own daily quotas in micro-units (the nodes' stores hold them).
    package func report(
        _ tally: ReportTally, site: String, configuration: TollGuardConfiguration, quotas: [String: Int64],
        summarizer: AlertSummarizer, evidencePerAlert: Int = 12, now: Date = Date()
    ) async throws -> PeriodReport {
        var tally = tally
        let (from, to) = (tally.from, tally.to)
        let alerts = try await reviewedAlerts(
            AlertFilter(states: Set(AlertState.allCases), since: from, before: to), summarizer: summarizer)
        let shown = alerts.flatMap { $0.evidence.prefix(evidencePerAlert) }
        let details = try await evidenceDetails(of: shown)
        for reviewed in alerts {
            let evidence = reviewed.evidence.prefix(evidencePerAlert).map { call in
                details[EvidenceID(call)].map { $0.filling(call) } ?? call
            }
            tally.add(reviewed.alert, evidence: evidence, evidenceLimit: evidencePerAlert)
        }
        try await addCalls(to: &tally)
        try await addActions(to: &tally)
        return tally.report(
            site: site, currency: configuration.rating.currency, analysis: configuration.analysis, quotas: quotas,
            now: now)
    }

    /// Every call that started in the tally's period, streamed.
    private func addCalls(to tally: inout ReportTally) async throws {
        let rows = try await client.query(
            """
            SELECT account, caller_number, context, start_utc, billsec, disposition, cost_micros, dest_region,
                   dest_scope, switch_name
            FROM calls
            WHERE start_utc >= (\(tally.from)::timestamptz AT TIME ZONE 'UTC')
                AND start_utc < (\(tally.to)::timestamptz AT TIME ZONE 'UTC')
            """, logger: logger)
        for try await (account, caller, context, start, billsec, disposition, cost, region, scope, switchName)
            in rows.decode((String, String, String, Date, Int64, String, Int64?, String?, String?, String).self)
        {
            guard let known = try ClusterCallError.known(disposition, CallDisposition.self, column: "disposition")
            else { continue }
            tally.add(
                ReportedCall(
                    account: account, callerNumber: caller, context: context, startedAt: start, billsec: Int(billsec),
                    isAnswered: known == .answered, costMicros: cost ?? 0, region: region,
                    scope: try ClusterCallError.known(scope, CallScope.self, column: "dest_scope"),
                    switchName: switchName))
        }
    }

    /// The suspensions the analyzers made (or decided report-only) and lifted in the period, and
    /// the calls the edges hung up by their command.
    private func addActions(to tally: inout ReportTally) async throws {
        let (from, to) = (tally.from, tally.to)
        let suspensions = try await client.query(
            """
            SELECT id, account, enforced, reason, actor, since_utc, lifted_utc, lifted_by FROM cluster_suspensions
            WHERE (since_utc >= \(from) AND since_utc < \(to)) OR (lifted_utc >= \(from) AND lifted_utc < \(to))
            ORDER BY id
            """, logger: logger)
        for try await (id, account, enforced, reason, actor, since, lifted, liftedBy)
            in suspensions.decode((Int64, String, Bool, String, String, Date, Date?, String?).self)
        {
            if since >= from && since < to {
                tally.addSuspension(
                    id: id, account: account, enforced: enforced, actor: actor, reason: reason, at: since)
            }
            if let lifted, lifted >= from && lifted < to {
                tally.addLifting(ofSuspension: id, account: account, by: liftedBy, at: lifted)
            }
        }
        let kills = try await client.query(
            """
            SELECT switch_name, call_uuid, account, reason, done_utc, coalesce(answer, '') FROM kill_commands
            WHERE done_utc >= \(from) AND done_utc < \(to) ORDER BY id
            """, logger: logger)
        for try await (switchName, uuid, account, reason, done, answer)
            in kills.decode((String, String, String, String, Date, String).self)
        {
            tally.addKill(of: "\(uuid) on \(switchName)", account: account, reason: reason, answer: answer, at: done)
        }
    }

    /// An evidence call's place in the store: its switch and dedup key.
    private struct EvidenceID: Hashable {
        var switchName: String
        var key: String

        init(switchName: String, key: String) {
            self.switchName = switchName
            self.key = key
        }

        init(_ call: AlertCall) { self.init(switchName: call.switchName ?? "", key: call.key) }
    }

    /// What the calls table says of an evidence call beyond what the alert keeps.
    private struct EvidenceDetail {
        var account: String
        var dialed: String
        var scope: String?
        var billsec: Int
        var disposition: String
        var callerName: String

        func filling(_ call: AlertCall) -> AlertCall {
            var call = call
            call.account = account
            call.dialed = dialed
            call.destinationClass = scope
            call.billsec = billsec
            call.disposition = disposition
            call.callerName = callerName
            return call
        }
    }

    /// The stored details of `calls`, found by their switch and key (a call told up and never
    /// recorded has none).
    private func evidenceDetails(of calls: [AlertCall]) async throws -> [EvidenceID: EvidenceDetail] {
        let ids = Array(Set(calls.compactMap { call in call.switchName.map { _ in EvidenceID(call) } }))
        guard !ids.isEmpty else { return [:] }
        let rows = try await client.query(
            """
            SELECT c.switch_name, c.dedup_key, c.account, c.destination, c.dest_scope, c.billsec, c.disposition,
                   c.caller_name
            FROM unnest(\(ids.map(\.switchName))::text[], \(ids.map(\.key))::text[]) AS e (switch_name, dedup_key)
            JOIN call_keys k ON k.switch_name = e.switch_name AND k.dedup_key = e.dedup_key
            JOIN calls c ON c.source_id = k.source_id AND c.source_sequence = k.source_sequence
                AND c.start_utc = k.start_utc
            """, logger: logger)
        var details: [EvidenceID: EvidenceDetail] = [:]
        for try await (switchName, key, account, dialed, scope, billsec, disposition, callerName)
            in rows.decode((String, String, String, String, String?, Int64, String, String).self)
        {
            details[EvidenceID(switchName: switchName, key: key)] = EvidenceDetail(
                account: account, dialed: dialed, scope: scope, billsec: Int(billsec), disposition: disposition,
                callerName: callerName)
        }
        return details
    }
}
