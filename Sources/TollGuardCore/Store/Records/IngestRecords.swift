import Foundation
import GRDB

/// What the store knows about a file ingested before.
package struct IngestedFile: Sendable, Hashable, FetchableRecord, TableRecord {
    package static let databaseTableName = IngestedFileRow.databaseTableName

    package var id: Int64
    package var format: CDRFormat
    package var checkpoint: IngestCheckpoint?
    package var isCompleted: Bool
    /// Rows stored (inserted, or found stored already) and rows rejected, over every read.
    package var acceptedRows: Int
    package var rejectedRows: Int

    /// Whether every row read was rejected: the file was likely read with the wrong format.
    package var wasAllRejected: Bool { rejectedRows > 0 && acceptedRows == 0 }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName)
        id = try stored("id")
        acceptedRows = try stored("inserted") + stored("duplicates")
        rejectedRows = try stored("rejected")
        format = try stored("format")
        let offset: Int64 = try stored("committed_offset")
        let tailHash: String? = try stored.optional("checkpoint_tail_hash")
        if offset > 0, let tailHash {
            checkpoint = IngestCheckpoint(
                offset: offset, line: try stored("committed_line"), tailHash: tailHash,
                tailLength: try stored("checkpoint_tail_length"))
        }
        isCompleted = try stored.optional("completed_utc", as: String.self) != nil
    }
}

/// `ingested_files`: one file's content (by fingerprint), how it was read and how far.
package struct IngestedFileRow: FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "ingested_files"

    /// The columns of `ingested_files`.
    package enum Columns {
        package static let id = Column("id")
        package static let fingerprint = Column("fingerprint")
        package static let path = Column("path")
        package static let format = Column("format")
        package static let compressed = Column("compressed")
        package static let committedOffset = Column("committed_offset")
        package static let committedLine = Column("committed_line")
        package static let checkpointTailHash = Column("checkpoint_tail_hash")
        package static let checkpointTailLength = Column("checkpoint_tail_length")
        package static let rowsRead = Column("rows_read")
        package static let inserted = Column("inserted")
        package static let duplicates = Column("duplicates")
        package static let rejected = Column("rejected")
        package static let firstIngested = Column("first_ingested_utc")
        package static let lastIngested = Column("last_ingested_utc")
        package static let completed = Column("completed_utc")
    }

    package var id: Int64?
    package var fingerprint: String
    package var path: String
    package var format: CDRFormat
    package var compressed: Bool
    package var firstIngested: Date
    package var lastIngested: Date

    /// A file seen for the first time at `now`.
    package init(fingerprint: String, path: String, format: CDRFormat, compressed: Bool, now: Date) {
        self.fingerprint = fingerprint
        self.path = path
        self.format = format
        self.compressed = compressed
        firstIngested = now
        lastIngested = now
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName)
        id = try stored("id")
        fingerprint = try stored("fingerprint")
        path = try stored("path")
        format = try stored("format")
        compressed = try stored("compressed")
        firstIngested = try stored.date("first_ingested_utc")
        lastIngested = try stored.date("last_ingested_utc")
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id
        container[Columns.fingerprint] = fingerprint
        container[Columns.path] = path
        container[Columns.format] = format
        container[Columns.compressed] = compressed
        container[Columns.firstIngested] = StoredTime.text(firstIngested)
        container[Columns.lastIngested] = StoredTime.text(lastIngested)
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The row's id, which a stored row always has.
    package func storedID() throws -> Int64 {
        guard let id else {
            throw StoredValueError(
                table: Self.databaseTableName, column: "id", row: "fingerprint \(fingerprint)",
                reason: "no id")
        }
        return id
    }
}

/// `rejected_rows`: a row of a CDR file that could not be read, kept with its reason.
package struct RejectedRowRecord: PersistableRecord {
    package static let databaseTableName = "rejected_rows"

    package var fileID: Int64
    package var path: String
    package var row: RejectedRow
    package var rejected: Date

    package func encode(to container: inout PersistenceContainer) {
        container["file_id"] = fileID
        container["path"] = path
        container["line"] = row.line
        container["reason_code"] = row.problem.kind.rawValue
        container["reason"] = row.problem.description
        container["column_number"] = row.problem.column
        container["raw_row"] = Data(row.raw)
        container["truncated"] = row.isTruncated
        container["rejected_utc"] = StoredTime.text(rejected)
    }
}
