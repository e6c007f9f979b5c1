import Foundation

/// Slows down password guessing: after `freeFailures` failed logins for a name (or from an
/// address), the next attempt must wait `firstWait`, each further one twice as long as the last,
/// up to `longestWait`.
package actor LoginThrottle {
    private struct Record {
        var failures: Int
        var last: Date
    }

    private var records: [String: Record] = [:]
    private let freeFailures: Int
    private let longestWait: TimeInterval
    private let firstWait: TimeInterval
    /// Failures older than this are forgotten.
    private let memory: TimeInterval

    package init(
        freeFailures: Int = 5, firstWait: TimeInterval = 1, longestWait: TimeInterval = 900,
        memory: TimeInterval = 3_600
    ) {
        self.freeFailures = freeFailures
        self.firstWait = firstWait
        self.longestWait = longestWait
        self.memory = memory
    }

    /// How long `keys` must still wait before another attempt; 0 when they may try now.
    package func wait(for keys: [String], now: Date = Date()) -> TimeInterval {
        keys.map { key -> TimeInterval in
            guard let record = records[key], now.timeIntervalSince(record.last) < memory,
                record.failures >= freeFailures
            else { return 0 }
            let wait = min(longestWait, firstWait * pow(2, Double(record.failures - freeFailures)))
            return max(0, record.last.addingTimeInterval(wait).timeIntervalSince(now))
        }.max() ?? 0
    }

    /// Counts a failed attempt against each of `keys`.
    package func failed(_ keys: [String], now: Date = Date()) {
        for key in keys {
            var record = records[key] ?? Record(failures: 0, last: now)
            if now.timeIntervalSince(record.last) >= memory { record.failures = 0 }
            record.failures += 1
            record.last = now
            records[key] = record
        }
        if records.count > 10_000 { records = records.filter { now.timeIntervalSince($0.value.last) < memory } }
    }

    /// A successful login clears its name's count (not its address's).
    package func succeeded(_ key: String) {
        records[key] = nil
    }
}
