import Foundation
import GRDB

extension TollGuardDatabase {
    /// Replaces the stored rate deck with `deck` (one transaction: a failed import keeps the old deck).
    package func replaceRateDeck(_ deck: RateDeck, sourcePath: String) throws {
        let now = CivilTime.utcText(Date())
        try writer.write { db in
            try db.execute(sql: "DELETE FROM rate_deck")
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO rate_deck (prefix, destination, rate_per_min_micros, connect_fee_micros, billing,
                                           currency, effective_from_utc, imported_utc, source_path)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for entry in deck.entries {
                try insert.execute(arguments: [
                    entry.prefix, entry.destination, entry.ratePerMinuteMicros, entry.connectFeeMicros,
                    entry.billing.description, entry.currency, entry.effectiveFrom.map(CivilTime.utcText), now,
                    sourcePath,
                ])
            }
        }
    }

    /// The stored rate deck (empty when none was imported).
    package func rateDeck() throws -> RateDeck {
        try writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT prefix, destination, rate_per_min_micros, connect_fee_micros, billing, currency, effective_from_utc
                    FROM rate_deck
                    """)
            return RateDeck(
                entries: rows.map { row in
                    RateDeck.Entry(
                        prefix: row[0], destination: row[1], ratePerMinuteMicros: row[2], connectFeeMicros: row[3],
                        billing: BillingIncrement(row[4] as String) ?? .perMinute, currency: row[5],
                        effectiveFrom: (row[6] as String?).flatMap { CivilTime.parseUTC(dateOrDateTime: $0) })
                })
        }
    }

    /// Stores `list` under its name, replacing a list of that name.
    package func saveFraudList(_ list: FraudList, sourcePath: String) throws {
        let now = CivilTime.utcText(Date())
        try writer.write { db in
            try db.execute(sql: "DELETE FROM fraud_list_entries WHERE list_name = ?", arguments: [list.name])
            try db.execute(
                sql: "INSERT OR REPLACE INTO fraud_lists (name, source_path, imported_utc) VALUES (?, ?, ?)",
                arguments: [list.name, sourcePath, now])
            let insert = try db.makeStatement(
                sql: "INSERT OR IGNORE INTO fraud_list_entries (list_name, kind, value) VALUES (?, ?, ?)")
            for number in list.numbers { try insert.execute(arguments: [list.name, "number", number]) }
            for range in list.ipRanges { try insert.execute(arguments: [list.name, "ip", range.text]) }
        }
    }

    /// Removes a list; false when there was none of that name.
    package func removeFraudList(named name: String) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM fraud_list_entries WHERE list_name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM fraud_lists WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    /// Every stored list with its entries.
    package func fraudLists() throws -> [FraudList] {
        try writer.read { db in
            let names = try String.fetchAll(db, sql: "SELECT name FROM fraud_lists ORDER BY name")
            return try names.map { name in
                var list = FraudList(name: name)
                let rows = try Row.fetchAll(
                    db, sql: "SELECT kind, value FROM fraud_list_entries WHERE list_name = ? ORDER BY value",
                    arguments: [name])
                for row in rows {
                    if (row[0] as String) == "ip" {
                        if let range = IPAddressRange(row[1] as String) { list.ipRanges.append(range) }
                    } else {
                        list.numbers.append(row[1])
                    }
                }
                return list
            }
        }
    }

    /// Name, source and import time of each stored list.
    package func fraudListSummaries() throws -> [(name: String, source: String, imported: String)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT name, source_path, imported_utc FROM fraud_lists ORDER BY name").map {
                (name: $0[0], source: $0[1], imported: $0[2])
            }
        }
    }
}

extension TollGuardDatabase {
    /// Classifies and prices stored calls again (after a rate deck or dial plan change), from
    /// `from` on or all of them, in batches of `batchSize` calls per transaction.
    ///
    /// Returns the count.
    package func reprice(with rater: DestinationRater, from: Date? = nil, batchSize: Int = 20_000) throws -> Int {
        let start = from.map(CivilTime.utcText) ?? ""
        var lastID: Int64 = 0
        var total = 0
        while true {
            let done: Bool = try writer.write { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, destination, context, billsec, start_utc FROM calls
                        WHERE id > ? AND start_utc >= ? ORDER BY id LIMIT ?
                        """,
                    arguments: [lastID, start, batchSize])
                guard !rows.isEmpty else { return true }
                let update = try db.cachedStatement(
                    sql: """
                        UPDATE calls SET dest_scope = ?, dest_e164 = ?, dest_region = ?, dest_calling_code = ?,
                            dest_type = ?, dest_risk = ?, dest_hotspot = ?, rate_prefix = ?, rate_per_min_micros = ?,
                            cost_micros = ?
                        WHERE id = ?
                        """)
                for row in rows {
                    let startedAt =
                        CivilTime.parseUTC(dateOrDateTime: row[4] as String) ?? Date(timeIntervalSince1970: 0)
                    let rated = rater.rate(destination: row[1], context: row[2], billsec: row[3], startedAt: startedAt)
                    let classification = rated.classification
                    try update.execute(arguments: [
                        classification.scope.rawValue, classification.e164, classification.region,
                        classification.callingCode, classification.numberType?.rawValue,
                        classification.risk.storedText,
                        classification.hotspot?.prefix, rated.price.ratePrefix, rated.price.ratePerMinuteMicros,
                        rated.price.costMicros, row[0] as Int64,
                    ])
                    lastID = row[0]
                }
                total += rows.count
                return rows.count < batchSize
            }
            if done { return total }
        }
    }
}
