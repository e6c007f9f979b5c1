import Foundation
import GRDB

/// A stored value that cannot be read.
///
/// It names the table, the column and the row, so an operator can find it with `sqlite3` (a row
/// written by hand, by a newer TollGuard, or damaged) — TollGuard never reads it as some default
/// instead, such as severity `info` or the date 1970-01-01.
package struct StoredValueError: Error, CustomStringConvertible, Sendable, Equatable {
    package var table: String
    package var column: String
    /// The row's key as `column value`: `id 12`, `account 1001`.
    package var row: String
    package var reason: String

    package var description: String {
        "the store's \(table) table, row \(row), column \(column): \(reason)"
    }

    package init(table: String, column: String, row: String, reason: String) {
        self.table = table
        self.column = column
        self.row = row
        self.reason = reason
    }
}

/// Reads the columns of one stored row strictly: every value that cannot be read as its type is
/// a ``StoredValueError`` naming the table, column and row.
package struct StoredRow {
    package let row: Row
    package let table: String
    private let keyColumn: String

    /// `key` is the column that identifies the row in errors (`id` by default).
    package init(_ row: Row, table: String, key: String = "id") {
        self.row = row
        self.table = table
        keyColumn = key
    }

    /// The row's key for an error message.
    private var rowName: String {
        guard row.hasColumn(keyColumn) else { return "(\(keyColumn) unknown)" }
        let value: DatabaseValue = row[keyColumn]
        return "\(keyColumn) \(value.description)"
    }

    /// The error for `column`.
    package func error(_ column: String, _ reason: String) -> StoredValueError {
        StoredValueError(table: table, column: column, row: rowName, reason: reason)
    }

    /// A value of a column that may not be NULL.
    package func callAsFunction<Value: DatabaseValueConvertible>(
        _ column: String, as type: Value.Type = Value.self
    ) throws -> Value {
        guard let value: Value = try optional(column) else { throw error(column, "NULL where a value is needed") }
        return value
    }

    /// A value of a column that may be NULL.
    package func optional<Value: DatabaseValueConvertible>(
        _ column: String, as type: Value.Type = Value.self
    ) throws -> Value? {
        guard row.hasColumn(column) else { throw error(column, "no such column") }
        let stored: DatabaseValue = row[column]
        if stored.isNull { return nil }
        guard let value = Value.fromDatabaseValue(stored) else {
            throw error(column, "\(stored.description) is not a \(Value.self)")
        }
        return value
    }

    /// A time stored as UTC text (`YYYY-MM-DD HH:MM:SS`).
    package func date(_ column: String) throws -> Date {
        guard let date = try optionalDate(column) else { throw error(column, "NULL where a time is needed") }
        return date
    }

    /// A time stored as UTC text, or NULL.
    package func optionalDate(_ column: String) throws -> Date? {
        guard let text: String = try optional(column) else { return nil }
        guard let date = StoredTime.date(text) else {
            throw error(column, "\(text.debugDescription) is not a UTC time (YYYY-MM-DD HH:MM:SS)")
        }
        return date
    }

    /// A value stored as one of an enumeration's raw values.
    package func value<Value: RawRepresentable>(_ column: String, as type: Value.Type = Value.self) throws -> Value
    where Value.RawValue == String {
        let text: String = try self(column)
        guard let value = Value(rawValue: text) else {
            throw error(column, "\(text.debugDescription) is not a known \(Value.self)")
        }
        return value
    }

    /// A value stored as one of an enumeration's raw values, or NULL.
    package func optionalValue<Value: RawRepresentable>(_ column: String, as type: Value.Type = Value.self) throws
        -> Value?
    where Value.RawValue == String {
        guard let text: String = try optional(column) else { return nil }
        guard let value = Value(rawValue: text) else {
            throw error(column, "\(text.debugDescription) is not a known \(Value.self)")
        }
        return value
    }

    /// A value stored as JSON text.
    package func json<Value: Decodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        let text: String = try self(column)
        do {
            return try JSONDecoder().decode(Value.self, from: Data(text.utf8))
        } catch {
            throw self.error(column, "not the JSON of a \(Value.self): \(error)")
        }
    }
}

/// How the store writes times: UTC text `YYYY-MM-DD HH:MM:SS`, which orders as text.
package enum StoredTime {
    /// The stored text of `date` (fractions of a second dropped).
    package static func text(_ date: Date) -> String { CivilTime.utcText(date) }

    /// The stored text of `date`, or NULL.
    package static func optionalText(_ date: Date?) -> String? { date.map(CivilTime.utcText) }

    /// The time of a stored text (`YYYY-MM-DD HH:MM:SS`, or the shorter `YYYY-MM-DD HH:MM` and
    /// `YYYY-MM-DD` of older rows); nil when it is none of these.
    package static func date(_ text: String) -> Date? { CivilTime.parseUTC(dateOrDateTime: text) }
}
