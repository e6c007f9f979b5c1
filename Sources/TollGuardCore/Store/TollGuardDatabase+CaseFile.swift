import Foundation
import GRDB

/// What an account spent on one site-local day.
package struct DaySpend: Sendable, Hashable, Codable {
    /// `YYYY-MM-DD` in the site's time zone.
    package var day: String
    package var calls: Int
    package var micros: Int64

    package init(day: String, calls: Int, micros: Int64) {
        self.day = day
        self.calls = calls
        self.micros = micros
    }

    enum CodingKeys: String, CodingKey {
        case day, calls
        case micros = "spent_micros"
    }
}

/// A block of numbers that differ only in their last ``NumberRange/freeDigits`` digits: how
/// premium and IRSF numbers are leased, so calls to a range's neighbours are one scheme.
package struct NumberRange: Sendable, Hashable, CustomStringConvertible {
    /// Digits left free: a range of 1,000 numbers.
    package static let freeDigits = 3
    /// The number as stored, without its free digits (`+88213520` for `+88213520123`).
    package var prefix: String

    /// The range of `number` (E.164 or dialled, as evidence stores it); nil for a number too short
    /// to name a range (fewer than 5 digits left), or with anything but digits after its `+`.
    package init?(_ number: String) {
        let digits = number.dropFirst(number.hasPrefix("+") ? 1 : 0)
        guard digits.count >= Self.freeDigits + 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        prefix = String(number.dropLast(Self.freeDigits))
    }

    /// `+88213520xxx`.
    package var description: String { prefix + String(repeating: "x", count: Self.freeDigits) }

    /// Stored numbers of the range sort from `prefix` up to, not including, this (`:` follows `9`).
    package var upperBound: String { prefix + ":" }
}

/// Another alert whose evidence went to one of the same number ranges.
package struct RangeNeighbour: Sendable, Hashable {
    package var alert: StoredAlert
    package var range: NumberRange

    package init(alert: StoredAlert, range: NumberRange) {
        self.alert = alert
        self.range = range
    }
}

extension TollGuardDatabase {
    /// What `account` spent on each of the `days` site-local days up to and including the day of
    /// `through`, oldest first, days without calls included.
    ///
    /// From the spend rollup (see `SpendRollup`), brought up to date first.
    package func dailySpend(account: String, days: Int, through: Date, timeZone: TimeZone) throws -> [DaySpend] {
        let (bounds, labels) = LocalClock.days(days, through: through, in: timeZone)
        while try rollUpSpend() {}
        return try writer.read { db in
            let ranges = zip(bounds, bounds.dropFirst()).map {
                SpendRollup.Range(account: account, span: SpendRollup.Span(from: $0, to: $1))
            }
            let spent = try SpendRollup.spends(db, in: ranges, mark: try SpendRollup.mark(db))
            return zip(labels, spent).map { DaySpend(day: $0, calls: $1.calls, micros: $1.micros) }
        }
    }

    /// The source addresses of alert `alertID`'s evidence calls, the most used first.
    package func sourceAddresses(ofAlert alertID: Int64, limit: Int = 10) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT c.source_ip FROM alert_calls e JOIN calls c ON c.id = e.call_row_id
                    WHERE e.alert_id = ? AND c.source_ip IS NOT NULL AND c.source_ip != ''
                    GROUP BY c.source_ip ORDER BY count(*) DESC, c.source_ip LIMIT ?
                    """, arguments: [alertID, limit])
        }
    }

    /// The latest alerts about any of `subjects`, newest first.
    package func alerts(ofSubjects subjects: [Subject], limit: Int) throws -> [StoredAlert] {
        guard !subjects.isEmpty else { return [] }
        return try writer.read { db in
            let matches = subjects.map {
                StoredAlert.Columns.subjectType == $0.kind.rawValue && StoredAlert.Columns.subject == $0.value
            }
            return try StoredAlert.filter(matches.joined(operator: .or))
                .order(StoredAlert.Columns.lastSeen.desc, StoredAlert.Columns.id.desc).limit(limit).fetchAll(db)
        }
    }

    /// Other alerts than `alertID` whose evidence calls went to one of the number ranges of
    /// `alertID`'s evidence (see ``NumberRange``), newest first.
    package func rangeNeighbours(ofAlert alertID: Int64, limit: Int) throws -> [RangeNeighbour] {
        try writer.read { db in
            let numbers = try String.fetchAll(
                db, sql: "SELECT DISTINCT number FROM alert_calls WHERE alert_id = ? LIMIT 200", arguments: [alertID])
            let ranges = Array(Set(numbers.compactMap(NumberRange.init))).sorted { $0.prefix < $1.prefix }.prefix(20)
            var found: [Int64: NumberRange] = [:]
            for range in ranges {
                let ids = try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT DISTINCT alert_id FROM alert_calls
                        WHERE number >= ? AND number < ? AND alert_id != ? LIMIT ?
                        """, arguments: [range.prefix, range.upperBound, alertID, limit * 4])
                for id in ids where found[id] == nil { found[id] = range }
            }
            guard !found.isEmpty else { return [] }
            return try StoredAlert.filter(keys: found.keys)
                .order(StoredAlert.Columns.lastSeen.desc, StoredAlert.Columns.id.desc).limit(limit).fetchAll(db)
                .compactMap { alert in found[alert.id].map { RangeNeighbour(alert: alert, range: $0) } }
        }
    }
}
