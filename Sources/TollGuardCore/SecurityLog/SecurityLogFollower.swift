import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Tails PBX logs as they grow, across rotations (see ``FileTail``): each ``poll(_:)`` reports
/// the security lines added since the previous one.
///
/// A last line still being written is read
/// once its newline arrives; a record broken by a line break is joined across polls.
package final class SecurityLogFollower {
    private struct Followed {
        let tail: FileTail
        var scanner: SecurityLogScanner
    }

    private var files: [Followed]
    private let timeZone: TimeZone
    private let year: Int

    /// `fromStart`: read what the files already hold; otherwise start at their current ends.
    ///
    /// `positions` (by path, from ``positions`` of an earlier run) resume where that run stopped.
    package init(
        paths: [String], timeZone: TimeZone, year: Int, fromStart: Bool, positions: [String: TailPosition] = [:]
    ) {
        self.timeZone = timeZone
        self.year = year
        files = paths.map {
            Followed(
                tail: FileTail(path: $0, resumingAt: positions[$0], startAtEnd: !fromStart),
                scanner: SecurityLogScanner(timeZone: timeZone, year: year))
        }
    }

    /// Where each file has been read to, by path: save it to resume after a restart.
    package var positions: [String: TailPosition] {
        Dictionary(files.map { ($0.tail.path, $0.tail.position) }, uniquingKeysWith: { first, _ in first })
    }

    /// Reads what every file gained since the last poll, calling `body` per recognized line.
    package func poll(_ body: (_ file: String, _ entry: SecurityLogEntry) throws -> Void) throws
        -> SecurityLogScanner.Summary
    {
        var summary = SecurityLogScanner.Summary()
        for index in files.indices {
            let path = files[index].tail.path
            try files[index].tail.poll { reader, following, newFile in
                if newFile { files[index].scanner = SecurityLogScanner(timeZone: timeZone, year: year) }
                return try files[index].scanner.scan(reader, following: following, into: &summary) {
                    try body(path, $0)
                }
            }
        }
        return summary
    }
}
