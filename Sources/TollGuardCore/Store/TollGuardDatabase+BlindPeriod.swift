import Foundation
import GRDB

extension TollGuardDatabase {
    /// The blind spot of a period: nil when calls started in it, or when none started before it either.
    package func blindPeriod(from: Date, to: Date) throws -> BlindPeriod? {
        guard try callStartRange(from: from, to: to) == nil,
            let before = try callStartRange(from: .distantPast, to: from)
        else { return nil }
        return BlindPeriod(from: from, to: to, lastCallBefore: before.last)
    }

    /// The period of the latest `analyze` run and how many calls it analysed; nil before the first run.
    package func lastAnalysisRun() throws -> (from: Date, to: Date, finished: Date, calls: Int)? {
        try writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT from_utc, to_utc, finished_utc, calls FROM analysis_runs ORDER BY id DESC LIMIT 1")
            else { return nil }
            let stored = StoredRow(row, table: "analysis_runs", key: "from_utc")
            return (
                try stored.date("from_utc"), try stored.date("to_utc"), try stored.date("finished_utc"),
                try stored("calls")
            )
        }
    }

    /// The blind spot of the latest `analyze` run, if it had one and still has (calls stored since
    /// for its period end it).
    package func lastAnalysisBlindPeriod() throws -> BlindPeriod? {
        try lastAnalysisRun().flatMap(blindPeriod(ofRun:))
    }

    /// The blind spot of an `analyze` run read with ``lastAnalysisRun()``, if it still has one.
    package func blindPeriod(ofRun run: (from: Date, to: Date, finished: Date, calls: Int)) throws -> BlindPeriod? {
        run.calls == 0 ? try blindPeriod(from: run.from, to: run.to) : nil
    }
}
