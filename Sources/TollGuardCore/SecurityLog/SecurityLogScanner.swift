import Foundation

/// Reads a PBX log file (plain or `.gz`) line by line and reports each recognized security
/// line with its 1-based line number. A FreeSWITCH line whose user part held a line break is
/// joined with the line that finishes it, and reported at the line where it started; a start
/// that nothing finishes is counted as `unfinished`, not dropped silently.
package struct SecurityLogScanner {
    /// What a scan read.
    package struct Summary: Sendable, Hashable {
        package var lines = 0
        package var recognized = 0
        /// Security lines that started but never ended (an evasion attempt or a cut log).
        package var unfinished = 0

        package init() {}
    }

    private var freeswitch: FreeSWITCHSecurityLine

    /// `timeZone` is the PBX's (its logs are in local time); `year` completes dates written without one.
    package init(timeZone: TimeZone, year: Int) {
        freeswitch = FreeSWITCHSecurityLine(timeZone: timeZone, year: year)
    }

    /// Scans `path`, calling `body` for each recognized line.
    package mutating func scan(
        path: String, _ body: (_ event: SecurityEvent, _ line: Int) throws -> Void
    ) throws -> Summary {
        let reader = try ByteLineReader(path: path)
        var summary = Summary()
        var pending: (bytes: [UInt8], line: Int, joined: Int)?
        while let line = try reader.next() {
            summary.lines += 1
            if var held = pending, !FreeSWITCHSecurityLine.isRecord(line.bytes) {
                held.bytes.append(0x0A)
                held.bytes += line.bytes
                held.joined += 1
                let event = held.bytes.withUnsafeBufferPointer { freeswitch.parse($0) }
                if let event {
                    summary.recognized += 1
                    try body(event, held.line)
                    pending = nil
                    continue
                }
                if held.joined < 3 {
                    pending = held
                    continue
                }
                summary.unfinished += 1
                pending = nil
                continue
            } else if pending != nil {
                // A new record begins: what was held never ended.
                summary.unfinished += 1
                pending = nil
            }
            if let event = freeswitch.parse(line.bytes) {
                summary.recognized += 1
                try body(event, line.number)
            } else if FreeSWITCHSecurityLine.isUnfinishedStart(line.bytes) {
                pending = (Array(line.bytes), line.number, 0)
            }
        }
        if pending != nil { summary.unfinished += 1 }
        return summary
    }
}
