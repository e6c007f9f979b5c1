import Foundation
import GRDB

extension TollGuardDatabase {
    /// Replaces the stored rate deck with `deck` (one transaction: a failed import keeps the old deck).
    package func replaceRateDeck(_ deck: RateDeck, sourcePath: String, imported: Date = Date()) throws {
        try writer.write { db in
            try RateDeck.Entry.deleteAll(db)
            for entry in deck.entries {
                try ImportedRateRow(entry: entry, imported: imported, sourcePath: sourcePath).insert(db)
            }
        }
    }

    /// Where the stored deck came from, when, and how many rates it holds; nil without a deck.
    package func rateDeckVersion() throws -> RateDeckVersion? {
        try writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT source_path, max(imported_utc) AS imported_utc, count(*) AS entries
                        FROM \(RateDeck.Entry.databaseTableName) GROUP BY source_path ORDER BY imported_utc DESC
                        """)
            else { return nil }
            let stored = StoredRow(row, table: RateDeck.Entry.databaseTableName)
            return RateDeckVersion(
                source: try stored("source_path"), imported: try stored.date("imported_utc"),
                entries: try stored("entries"))
        }
    }

    /// The stored rate deck (empty when none was imported).
    package func rateDeck() throws -> RateDeck {
        try writer.read { db in RateDeck(entries: try RateDeck.Entry.fetchAll(db)) }
    }

    /// Stores `list` under its name, replacing a list of that name.
    package func saveFraudList(_ list: FraudList, sourcePath: String, imported: Date = Date()) throws {
        try writer.write { db in
            try FraudListEntryRow.filter(FraudListEntryRow.Columns.listName == list.name).deleteAll(db)
            try FraudListSummary(name: list.name, source: sourcePath, imported: imported)
                .insert(db, onConflict: .replace)
            for number in list.numbers {
                try FraudListEntryRow(listName: list.name, kind: .number, value: number).insert(db, onConflict: .ignore)
            }
            for range in list.ipRanges {
                try FraudListEntryRow(listName: list.name, kind: .ip, value: range.text).insert(db, onConflict: .ignore)
            }
        }
    }

    /// Removes a list; false when there was none of that name.
    package func removeFraudList(named name: String) throws -> Bool {
        try writer.write { db in
            try FraudListEntryRow.filter(FraudListEntryRow.Columns.listName == name).deleteAll(db)
            return try FraudListSummary.deleteOne(db, key: name)
        }
    }

    /// Every stored list with its entries.
    package func fraudLists() throws -> [FraudList] {
        try writer.read { db in
            try FraudListSummary.order(FraudListSummary.Columns.name).fetchAll(db).map { summary in
                var list = FraudList(name: summary.name)
                let entries = try FraudListEntryRow.filter(FraudListEntryRow.Columns.listName == summary.name)
                    .order(FraudListEntryRow.Columns.value).fetchAll(db)
                for entry in entries {
                    switch entry.kind {
                    case .ip:
                        guard let range = IPAddressRange(entry.value) else {
                            throw StoredValueError(
                                table: FraudListEntryRow.databaseTableName, column: "value",
                                row: "list \(summary.name) value \(entry.value)", reason: "not an IP address or range")
                        }
                        list.ipRanges.append(range)
                    case .number:
                        list.numbers.append(entry.value)
                    }
                }
                return list
            }
        }
    }

    /// Each stored list's summary with its count of entries: what tells a node's copy of its
    /// cluster's lists from the cluster's.
    package func fraudListVersions() throws -> [FraudListVersion] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.name, l.source_path, l.imported_utc,
                        (SELECT count(*) FROM fraud_list_entries e WHERE e.list_name = l.name) AS entries
                    FROM fraud_lists l ORDER BY l.name
                    """
            ).map { row in
                FraudListVersion(
                    summary: try FraudListSummary(row: row),
                    entries: try StoredRow(row, table: "fraud_lists")("entries"))
            }
        }
    }

    /// Name, source and import time of each stored list.
    package func fraudListSummaries() throws -> [FraudListSummary] {
        try writer.read { db in try FraudListSummary.order(FraudListSummary.Columns.name).fetchAll(db) }
    }
}

extension TollGuardDatabase {
    /// Classifies and prices stored calls again (after a rate deck or dial plan change), from
    /// `from` on or all of them, in batches of `batchSize` calls per transaction.
    ///
    /// Returns the count.
    package func reprice(with rater: DestinationRater, from: Date? = nil, batchSize: Int = 20_000) throws -> Int {
        let start = from.map(StoredTime.text) ?? ""
        var lastID: Int64 = 0
        var total = 0
        while true {
            let done: Bool = try writer.write { db in
                let calls = try CallToPrice.afterID(lastID, startingFrom: start, limit: batchSize).fetchAll(db)
                guard !calls.isEmpty else { return true }
                for call in calls {
                    let rated = rater.rate(
                        destination: call.destination, context: call.context, billsec: call.billsec,
                        startedAt: call.startedAt)
                    try RepricedCallRow(id: call.id, rated: rated).update(db)
                    lastID = call.id
                }
                total += calls.count
                return calls.count < batchSize
            }
            if done { return total }
        }
    }
}

/// What repricing reads of a stored call.
private struct CallToPrice: FetchableRecord {
    var id: Int64
    var destination: String
    var context: String
    var billsec: Int
    var startedAt: Date

    init(row: Row) throws {
        let stored = StoredRow(row, table: "calls")
        id = try stored("id")
        destination = try stored("destination")
        context = try stored("context")
        billsec = try stored("billsec")
        startedAt = try stored.date("start_utc")
    }

    /// Up to `limit` calls after id `lastID` that started at or after `start` (stored text), by id.
    static func afterID(_ lastID: Int64, startingFrom start: String, limit: Int) -> SQLRequest<CallToPrice> {
        SQLRequest(
            sql: """
                SELECT id, destination, context, billsec, start_utc FROM calls
                WHERE id > ? AND start_utc >= ? ORDER BY id LIMIT ?
                """, arguments: [lastID, start, limit])
    }
}

/// The classification and price columns of a stored call, written again.
private struct RepricedCallRow: PersistableRecord {
    static let databaseTableName = "calls"

    var id: Int64
    var rated: CallDestination

    func encode(to container: inout PersistenceContainer) {
        let classification = rated.classification
        container["id"] = id
        container["dest_scope"] = classification.scope.rawValue
        container["dest_e164"] = classification.e164
        container["dest_region"] = classification.region
        container["dest_calling_code"] = classification.callingCode
        container["dest_type"] = classification.numberType?.rawValue
        container["dest_risk"] = classification.risk.storedText
        container["dest_hotspot"] = classification.hotspot?.prefix
        container["rate_prefix"] = rated.price.ratePrefix
        container["rate_per_min_micros"] = rated.price.ratePerMinuteMicros
        container["cost_micros"] = rated.price.costMicros
    }
}
