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
    /// Days read with their values, least recently used first (a few: a scan beats hashing the day).
    private var days: [(day: Int64, keys: KeyHashSet)] = []
    /// Days with more calls than `maximumKeysPerDay`: always asked of SQLite.
    private var crowdedDays: [Int64] = []
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
        days.removeAll()
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
        if let position = position(of: day) {
            return days[touch(position)].keys.contains(keyHash)
        }
        if crowdedDays.contains(day) { return true }
        let range = CallKeyHash.range(ofDay: day)
        let stored = try Int64.fetchAll(
            db, sql: "SELECT key_hash FROM calls WHERE key_hash BETWEEN ? AND ? LIMIT ?",
            arguments: [range.lowerBound, range.upperBound, maximumKeysPerDay + 1])
        if stored.count > maximumKeysPerDay {
            crowdedDays.append(day)
            return true
        }
        if days.count >= maximumDays { days.removeFirst() }
        let keys = KeyHashSet(stored)
        days.append((day, keys))
        return keys.contains(keyHash)
    }

    /// Records a call this run stored under `keyHash`.
    func inserted(_ keyHash: Int64) {
        // Read from the store when first needed.
        guard let position = position(of: CallKeyHash.day(of: keyHash)) else { return }
        if days[position].keys.insert(keyHash), days[position].keys.count > maximumKeysPerDay {
            crowdedDays.append(days.remove(at: position).day)
        }
    }

    private func position(of day: Int64) -> Int? {
        // The day last read or written is the likeliest.
        var position = days.count - 1
        while position >= 0 {
            if days[position].day == day { return position }
            position -= 1
        }
        return nil
    }

    /// Moves the day at `position` to the most recently used end; returns where it is now.
    private func touch(_ position: Int) -> Int {
        let last = days.count - 1
        guard position != last else { return last }
        days.append(days.remove(at: position))
        return last
    }
}
