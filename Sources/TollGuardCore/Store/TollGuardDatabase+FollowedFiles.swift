import Foundation
import GRDB

/// What a followed file is read for: its saved position is kept apart per purpose.
package enum FollowPurpose: String, Sendable {
    /// A PBX log read by the SIP attack watcher (`logs follow`, `serve`).
    case securityLog = "security-log"
    /// A CDR CSV tailed by `serve` (`[cdr_tail]`).
    case cdrCSV = "cdr-csv"
}

extension TollGuardDatabase {
    /// The saved positions of the files followed for `purpose`, by path.
    package func followPositions(_ purpose: FollowPurpose) throws -> [String: TailPosition] {
        try writer.read { db in
            var positions: [String: TailPosition] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT path, inode, byte_offset, line, tail FROM followed_files WHERE purpose = ?",
                arguments: [purpose.rawValue])
            for row in rows {
                let inode: Int64 = row["inode"]
                let tail: Data = row["tail"]
                positions[row["path"]] = TailPosition(
                    inode: UInt64(bitPattern: inode), offset: row["byte_offset"], line: row["line"], tail: Array(tail))
            }
            return positions
        }
    }

    /// Saves where the files followed for `purpose` were read to.
    package func saveFollowPositions(_ positions: [String: TailPosition], _ purpose: FollowPurpose, now: Date = Date())
        throws
    {
        guard !positions.isEmpty else { return }
        try writer.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO followed_files (path, purpose, inode, byte_offset, line, tail, updated_utc)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(purpose, path) DO UPDATE SET inode = excluded.inode,
                        byte_offset = excluded.byte_offset, line = excluded.line, tail = excluded.tail,
                        updated_utc = excluded.updated_utc
                    """)
            let updated = CivilTime.utcText(now)
            for (path, position) in positions {
                try statement.execute(arguments: [
                    path, purpose.rawValue, Int64(bitPattern: position.inode), position.offset, position.line,
                    Data(position.tail), updated,
                ])
            }
        }
    }
}
