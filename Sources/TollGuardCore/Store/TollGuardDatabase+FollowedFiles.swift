import Foundation
import GRDB

/// What a followed file is read for: its saved position is kept apart per purpose.
package enum FollowPurpose: String, Sendable, DatabaseValueConvertible {
    /// A PBX log read by the SIP attack watcher (`logs follow`, `serve`).
    case securityLog = "security-log"
    /// A CDR CSV tailed by `serve` (`[cdr_tail]`).
    case cdrCSV = "cdr-csv"
}

/// `followed_files`: where a followed file was read to, per purpose.
package struct FollowedFileRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "followed_files"

    /// The columns of `followed_files`.
    package enum Columns {
        package static let purpose = Column("purpose")
        package static let path = Column("path")
        package static let inode = Column("inode")
        package static let offset = Column("byte_offset")
        package static let line = Column("line")
        package static let tail = Column("tail")
        package static let updated = Column("updated_utc")
    }

    package var purpose: FollowPurpose
    package var path: String
    package var position: TailPosition
    package var updated: Date

    package init(purpose: FollowPurpose, path: String, position: TailPosition, updated: Date) {
        self.purpose = purpose
        self.path = path
        self.position = position
        self.updated = updated
    }

    package init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "path")
        purpose = try stored("purpose")
        path = try stored("path")
        let inode: Int64 = try stored("inode")
        let tail: Data = try stored("tail")
        position = TailPosition(
            inode: UInt64(bitPattern: inode), offset: try stored("byte_offset"), line: try stored("line"),
            tail: Array(tail))
        updated = try stored.date("updated_utc")
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.purpose] = purpose
        container[Columns.path] = path
        container[Columns.inode] = Int64(bitPattern: position.inode)
        container[Columns.offset] = position.offset
        container[Columns.line] = position.line
        container[Columns.tail] = Data(position.tail)
        container[Columns.updated] = StoredTime.text(updated)
    }
}

extension TollGuardDatabase {
    /// The saved positions of the files followed for `purpose`, by path.
    package func followPositions(_ purpose: FollowPurpose) throws -> [String: TailPosition] {
        try writer.read { db in try Self.followPositions(purpose, db) }
    }

    /// The saved positions, without holding a thread of the cooperative pool.
    package func followPositions(_ purpose: FollowPurpose) async throws -> [String: TailPosition] {
        try await writer.read { db in try Self.followPositions(purpose, db) }
    }

    /// Saves where the files followed for `purpose` were read to.
    package func saveFollowPositions(_ positions: [String: TailPosition], _ purpose: FollowPurpose, now: Date = Date())
        throws
    {
        guard !positions.isEmpty else { return }
        try writer.write { db in try Self.save(positions, purpose, now: now, db) }
    }

    /// Saves the positions without holding a thread of the cooperative pool.
    package func saveFollowPositions(_ positions: [String: TailPosition], _ purpose: FollowPurpose, now: Date = Date())
        async throws
    {
        guard !positions.isEmpty else { return }
        try await writer.write { db in try Self.save(positions, purpose, now: now, db) }
    }

    private static func followPositions(_ purpose: FollowPurpose, _ db: Database) throws -> [String: TailPosition] {
        let rows = try FollowedFileRow.filter(FollowedFileRow.Columns.purpose == purpose).fetchAll(db)
        return Dictionary(rows.map { ($0.path, $0.position) }, uniquingKeysWith: { $1 })
    }

    private static func save(
        _ positions: [String: TailPosition], _ purpose: FollowPurpose, now: Date, _ db: Database
    ) throws {
        for (path, position) in positions {
            try FollowedFileRow(purpose: purpose, path: path, position: position, updated: now)
                .insert(db, onConflict: .replace)
        }
    }
}
