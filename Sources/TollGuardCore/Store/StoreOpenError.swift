import GRDB

/// Why a store cannot be opened: damaged, from a newer TollGuard, read-only and unmigrated.
package struct StoreOpenError: Error, CustomStringConvertible, Sendable, Equatable {
    package var path: String
    package var reason: String

    package var description: String { path.isEmpty ? reason : "\(path): \(reason)" }

    /// `error` said as the damage it is, when SQLite found the store damaged (mid-command, past
    /// the open); nil for any other error.
    package static func damage(in error: any Error) -> StoreOpenError? {
        guard let error = error as? DatabaseError,
            error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
        else { return nil }
        return StoreOpenError(
            path: "",
            reason:
                "the store is damaged (\(error.message ?? "SQLite: \(error.resultCode)")); see `tollguard db status`, "
                + "restore it from a backup, or move it away to start a new one")
    }
}
