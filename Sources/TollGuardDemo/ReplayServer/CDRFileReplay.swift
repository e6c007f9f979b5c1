import Foundation
import TollGuardCore

/// `serve --replay FILE`: the calls of a CDR file as the FreeSWITCH events they would have raised,
/// played by the built-in replay server, so `serve` can be tried without a switch.
package struct CDRFileReplay: Sendable {
    /// The file's calls, in start order.
    package var calls: [CallRecord]
    /// Their events: `CHANNEL_CREATE` … `CHANNEL_HANGUP_COMPLETE`, with heartbeats.
    package var events: [ESLEvent]

    /// Reads `path` (any format `ingest` reads; rows that cannot be read are skipped).
    package init(path: String, format: CDRFormat, timeZone: TimeZone) throws {
        let reader: ByteLineReader
        do {
            reader = try ByteLineReader(path: path)
        } catch {
            throw IngestError(path: path, reason: error.reason)
        }
        var lines: [[UInt8]] = []
        do {
            while let line = try reader.next() {
                if !line.bytes.isEmpty { lines.append(Array(line.bytes)) }
            }
        } catch {
            throw IngestError(path: path, reason: error.reason)
        }
        let chosen: CDRFormat
        if format != .auto {
            chosen = format
        } else {
            do {
                chosen = try CDRFormatDetector.detect(
                    lines: Array(lines.prefix(20)), timeZone: timeZone, columnMap: [:]
                ).format
            } catch {
                throw IngestError(path: path, reason: error.description)
            }
        }
        var decoder = CDRRowDecoder(format: chosen, timeZone: timeZone)
        var rows = lines[...]
        if chosen == .csv, let header = rows.popFirst() {
            do {
                try header.withUnsafeBufferPointer { bytes throws(CSVHeaderError) in
                    try decoder.readHeader(bytes, columnMap: [:])
                }
            } catch {
                throw IngestError(path: path, reason: "line 1: \(error.description)")
            }
        }
        calls = rows.compactMap { line in
            line.withUnsafeBufferPointer { try? decoder.decode($0).get() }
        }.sorted { $0.startedAt < $1.startedAt }
        var writer = FreeSWITCHEventWriter()
        events = writer.stream(calls).map(\.event)
    }
}
