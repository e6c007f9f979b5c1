import Foundation
import GRDB

/// What `db status` shows of one ingested file: how it was read and what it gave.
package struct IngestedFileStatus: Sendable, Hashable, FetchableRecord {
    package var path: String
    package var format: String
    package var rowsRead: Int
    package var inserted: Int
    package var duplicates: Int
    package var rejected: Int
    package var lastRead: Date
    package var isCompleted: Bool

    package init(row: Row) throws {
        let stored = StoredRow(row, table: "ingested_files", key: "path")
        path = try stored("path")
        format = try stored("format")
        rowsRead = try stored("rows_read")
        inserted = try stored("inserted")
        duplicates = try stored("duplicates")
        rejected = try stored("rejected")
        lastRead = try stored.date("last_ingested_utc")
        isCompleted = try stored.optional("completed_utc", as: String.self) != nil
    }

    /// The files read most recently first, at most `limit`.
    package static func latest(limit: Int) -> SQLRequest<IngestedFileStatus> {
        SQLRequest(
            sql: """
                SELECT path, format, rows_read, inserted, duplicates, rejected, last_ingested_utc, completed_utc
                FROM ingested_files ORDER BY last_ingested_utc DESC, id DESC LIMIT ?
                """, arguments: [limit])
    }
}

extension TollGuardDatabase {
    /// The files read most recently first, at most `limit`, with how each was read.
    package func ingestedFiles(limit: Int = 20) throws -> [IngestedFileStatus] {
        try writer.read { db in try IngestedFileStatus.latest(limit: limit).fetchAll(db) }
    }
}
