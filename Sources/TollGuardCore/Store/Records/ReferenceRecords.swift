import Foundation
import GRDB

/// `rate_deck`: one price of the imported rate deck.
extension RateDeck.Entry: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "rate_deck"

    /// The columns of `rate_deck`.
    package enum Columns {
        package static let prefix = Column("prefix")
        package static let destination = Column("destination")
        package static let ratePerMinuteMicros = Column("rate_per_min_micros")
        package static let connectFeeMicros = Column("connect_fee_micros")
        package static let billing = Column("billing")
        package static let currency = Column("currency")
        package static let effectiveFrom = Column("effective_from_utc")
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName)
        let billingText: String = try stored("billing")
        guard let billing = BillingIncrement(billingText) else {
            throw stored.error("billing", "\(billingText.debugDescription) is not a billing increment (60/60, 1/1…)")
        }
        self.init(
            prefix: try stored("prefix"), destination: try stored("destination"),
            ratePerMinuteMicros: try stored("rate_per_min_micros"), connectFeeMicros: try stored("connect_fee_micros"),
            billing: billing, currency: try stored("currency"),
            effectiveFrom: try stored.optionalDate("effective_from_utc"))
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.prefix] = prefix
        container[Columns.destination] = destination
        container[Columns.ratePerMinuteMicros] = ratePerMinuteMicros
        container[Columns.connectFeeMicros] = connectFeeMicros
        container[Columns.billing] = billing.description
        container[Columns.currency] = currency
        container[Columns.effectiveFrom] = StoredTime.optionalText(effectiveFrom)
    }
}

/// A row of `rate_deck` as imported: the entry, when and from where.
package struct ImportedRateRow: PersistableRecord {
    package static let databaseTableName = RateDeck.Entry.databaseTableName

    package var entry: RateDeck.Entry
    package var imported: Date
    package var sourcePath: String

    package func encode(to container: inout PersistenceContainer) {
        entry.encode(to: &container)
        container["imported_utc"] = StoredTime.text(imported)
        container["source_path"] = sourcePath
    }
}

/// `fraud_lists`: one known-fraud list, where it came from and when.
package struct FraudListSummary: Sendable, Hashable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "fraud_lists"

    /// The columns of `fraud_lists`.
    package enum Columns {
        package static let name = Column("name")
        package static let source = Column("source_path")
        package static let imported = Column("imported_utc")
    }

    /// The entries of a list.
    package static let entries = hasMany(FraudListEntryRow.self, key: "entries")

    package var name: String
    package var source: String
    package var imported: Date

    package init(name: String, source: String, imported: Date) {
        self.name = name
        self.source = source
        self.imported = imported
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "name")
        name = try stored("name")
        source = try stored("source_path")
        imported = try stored.date("imported_utc")
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.name] = name
        container[Columns.source] = source
        container[Columns.imported] = StoredTime.text(imported)
    }
}

/// `fraud_list_entries`: one number prefix or IP range of a list.
package struct FraudListEntryRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "fraud_list_entries"

    /// What an entry is.
    package enum Kind: String, Sendable, DatabaseValueConvertible {
        case number
        case ip
    }

    /// The columns of `fraud_list_entries`.
    package enum Columns {
        package static let listName = Column("list_name")
        package static let kind = Column("kind")
        package static let value = Column("value")
    }

    package var listName: String
    package var kind: Kind
    package var value: String

    package init(listName: String, kind: Kind, value: String) {
        self.listName = listName
        self.kind = kind
        self.value = value
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "value")
        listName = try stored("list_name")
        kind = try stored("kind")
        value = try stored("value")
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.listName] = listName
        container[Columns.kind] = kind
        container[Columns.value] = value
    }
}
