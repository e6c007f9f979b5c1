import Foundation
import GRDB

/// Builds a `PeriodReport` from the store: calls that started in `[from, to)`, alerts that touch it.
package struct ReportBuilder: Sendable {
    package let database: TollGuardDatabase
    package let configuration: TollGuardConfiguration
    package let timeZone: TimeZone
    package let countryNames: [String: String]
    /// Evidence calls shown per alert (all are counted).
    package var evidencePerAlert = 12
    /// Accounts and countries listed.
    package var topAccounts = 15
    package var topCountries = 10

    package init(
        database: TollGuardDatabase, configuration: TollGuardConfiguration, timeZone: TimeZone,
        countryNames: [String: String]
    ) {
        self.database = database
        self.configuration = configuration
        self.timeZone = timeZone
        self.countryNames = countryNames
    }

    /// The file name of a report: the local date of a one-day period, else `FIRST--LAST` day.
    package static func name(from: Date, to: Date, in timeZone: TimeZone) -> String {
        let local = LocalTimeFormatter(timeZone: timeZone)
        let first = local.day(from)
        let last = local.day(to.addingTimeInterval(-1))
        return first == last ? first : "\(first)--\(last)"
    }

    /// The report of the calls that started in `[from, to)` and the alerts that touch it, read
    /// from one snapshot of the store.
    package func build(from: Date, to: Date, site: String = "", now: Date = Date()) throws -> PeriodReport {
        try database.writer.read { db in try build(from: from, to: to, site: site, now: now, db) }
    }

    /// ``build(from:to:site:now:)`` without holding a thread of the cooperative pool (`serve`'s `/report`).
    package func build(from: Date, to: Date, site: String = "", now: Date = Date()) async throws -> PeriodReport {
        try await database.writer.read { db in try build(from: from, to: to, site: site, now: now, db) }
    }

    private func build(from: Date, to: Date, site: String, now: Date, _ db: Database) throws -> PeriodReport {
        var tally = ReportTally(
            from: from, to: to, timeZone: timeZone, countryNames: countryNames,
            publicContexts: configuration.analysis.publicContexts)
        tally.topAccounts = topAccounts
        tally.topCountries = topCountries
        let calls = try ReportedCall.started(from: from, to: to).fetchCursor(db)
        while let call = try calls.next() { tally.add(call) }
        let touching = StoredAlert.all().matching(
            AlertFilter(states: Set(AlertState.allCases), since: from, before: to))
        for alert in try touching.mostSevereFirst().fetchAll(db) {
            tally.add(
                alert, evidence: try AlertCall.evidence(ofAlert: alert.id).fetchAll(db), evidenceLimit: evidencePerAlert
            )
        }
        try Self.actions(from: from, to: to, into: &tally, db)
        let quotas = try QuotaEntry.fetchAll(db)
        return tally.report(
            site: site, currency: configuration.rating.currency, analysis: configuration.analysis,
            quotas: Dictionary(quotas.map { ($0.account, $0.dailyMicros) }, uniquingKeysWith: { $1 }), now: now)
    }

    /// The suspensions made (and decided report-only), lifted, and the calls hung up in `[from, to)`, oldest first.
    private static func actions(from: Date, to: Date, into tally: inout ReportTally, _ db: Database) throws {
        let range: [any DatabaseValueConvertible] = [StoredTime.text(from), StoredTime.text(to)]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT id, account, enforced, reason, actor, created_utc FROM suspensions
                WHERE created_utc >= ? AND created_utc < ? ORDER BY id
                """, arguments: StatementArguments(range))
        {
            guard let time = StoredTime.date(row["created_utc"]) else { continue }
            tally.addSuspension(
                id: row["id"], account: row["account"], enforced: row["enforced"], actor: row["actor"],
                reason: row["reason"], at: time)
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT id, account, lifted_utc, lifted_by FROM suspensions
                WHERE lifted_utc >= ? AND lifted_utc < ? ORDER BY id
                """, arguments: StatementArguments(range))
        {
            guard let time = StoredTime.date(row["lifted_utc"]) else { continue }
            tally.addLifting(ofSuspension: row["id"], account: row["account"], by: row["lifted_by"], at: time)
        }
        for row in try Row.fetchAll(
            db,
            sql:
                "SELECT uuid, account, reason, at_utc, reply FROM call_kills WHERE at_utc >= ? AND at_utc < ? ORDER BY id",
            arguments: StatementArguments(range))
        {
            guard let time = StoredTime.date(row["at_utc"]) else { continue }
            tally.addKill(
                of: row["uuid"], account: row["account"], reason: row["reason"], answer: row["reply"], at: time)
        }
    }
}
