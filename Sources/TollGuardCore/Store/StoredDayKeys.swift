import GRDB

/// The `calls.key_hash` values stored on a few recent days, kept by one ingest run so that the
/// neighbouring-day lookup of every call (see `CallKeyHash`) asks SQLite only when the value is
/// actually there.
///
/// A day is read from the key index once (a range scan) and then follows this run's own inserts.
/// The set may hold values the store has not (a rolled-back batch), never the other way round: a
/// value it lacks is certainly not stored. Any other write — another connection's commit (`PRAGMA
/// data_version` moves) or other code on this connection (its change count moves) — empties it.
/// Used on the writer only, inside its transactions.
package final class StoredDayKeys {
    private var keysByDay: [Int64: Set<Int64>] = [:]
    /// Days read, least recently used first.
    private var recentDays: [Int64] = []
    /// Days with more calls than `maximumKeysPerDay`: always asked of SQLite.
    private var crowdedDays: Set<Int64> = []
    private var validity: (dataVersion: Int64, changes: Int)?
    private let maximumDays: Int
    private let maximumKeysPerDay: Int

    /// Keeps at most `maximumDays` days of at most `maximumKeysPerDay` values each in memory.
    package init(maximumDays: Int = 4, maximumKeysPerDay: Int = 250_000) {
        self.maximumDays = maximumDays
        self.maximumKeysPerDay = maximumKeysPerDay
    }

    /// Forgets everything when the store changed since `endTransaction` other than through this run.
    func beginTransaction(_ db: Database) throws {
        let current = try Self.storePosition(db)
        if let validity, validity == current { return }
        keysByDay.removeAll()
        recentDays.removeAll()
        crowdedDays.removeAll()
    }

    /// Notes where the store stands after this run's writes.
    func endTransaction(_ db: Database) throws {
        validity = try Self.storePosition(db)
    }

    /// What moves when anything writes to the store: other connections' commits, this connection's changes.
    private static func storePosition(_ db: Database) throws -> (dataVersion: Int64, changes: Int) {
        (try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0, db.totalChangesCount)
    }

    /// False only when no call is stored under `keyHash`.
    func mayBeStored(_ keyHash: Int64, _ db: Database) throws -> Bool {
        let day = CallKeyHash.day(of: keyHash)
        if crowdedDays.contains(day) { return true }
        if let keys = keysByDay[day] {
            touch(day)
            return keys.contains(keyHash)
        }
        let range = CallKeyHash.range(ofDay: day)
        let stored = try Int64.fetchSet(
            db, sql: "SELECT key_hash FROM calls WHERE key_hash BETWEEN ? AND ? LIMIT ?",
            arguments: [range.lowerBound, range.upperBound, maximumKeysPerDay + 1])
        if stored.count > maximumKeysPerDay {
            crowdedDays.insert(day)
            return true
        }
        if recentDays.count >= maximumDays {
            keysByDay[recentDays.removeFirst()] = nil
        }
        keysByDay[day] = stored
        recentDays.append(day)
        return stored.contains(keyHash)
    }

    /// Records a call this run stored under `keyHash`.
    func inserted(_ keyHash: Int64) {
        let day = CallKeyHash.day(of: keyHash)
        guard keysByDay[day] != nil else { return }  // read from the store when first needed
        if keysByDay[day]?.insert(keyHash).inserted == true, keysByDay[day]?.count ?? 0 > maximumKeysPerDay {
            keysByDay[day] = nil
            recentDays.removeAll { $0 == day }
            crowdedDays.insert(day)
        }
    }

    private func touch(_ day: Int64) {
        guard recentDays.last != day, let index = recentDays.firstIndex(of: day) else { return }
        recentDays.remove(at: index)
        recentDays.append(day)
    }
}
