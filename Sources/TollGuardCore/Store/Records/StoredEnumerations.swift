import GRDB

// How the store writes the enumerations it keeps: their names, as `sqlite3` users read them.
// A stored text that is none of them does not convert, so ``StoredRow`` reports it.

/// Stored by name (`high`), not by rank; the rank has its own column where rows are ordered by it.
extension Severity: DatabaseValueConvertible {
    package var databaseValue: DatabaseValue { name.databaseValue }

    package static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Severity? {
        String.fromDatabaseValue(dbValue).flatMap(Severity.init(name:))
    }
}

extension AlertState: DatabaseValueConvertible {}
extension Subject.Kind: DatabaseValueConvertible {}
extension DeliveryStatus: DatabaseValueConvertible {}
extension HookEventType: DatabaseValueConvertible {}
extension DeliveryAttempt.Outcome: DatabaseValueConvertible {}
extension CDRFormat: DatabaseValueConvertible {}
