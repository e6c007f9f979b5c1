import Foundation

/// The completed call of an Asterisk Manager `Cdr` event (`cdr/cdr_manager.c`), read as the
/// `Master.csv` row `cdr_csv` writes for the same call, so that both give the same stored call.
///
/// The event's fields are `cdr_csv`'s columns, in its order (`AccountCode` … `UserField`; with
/// `cdr_manager.conf` `[mappings]` of `peeraccount`, `linkedid` and `sequence`, also the three
/// columns `newcdrcolumns` adds). The row is rebuilt byte for byte as `cdr_csv` writes it
/// (strings quoted with quotes doubled, the seconds bare, an empty time bare) and read by the
/// same decoder as the file, in the switch's time zone: the dedup key is `uniqueid/sequence` when
/// the sequence is mapped, else the uniqueid and a hash of that row — the same either way as
/// the file's row with `loguniqueid` and `loguserfield` on (the sample `cdr.conf`'s settings).
package enum AsteriskCDREvent {
    /// `calls.source_format` of the calls stored from `Cdr` events.
    package static let source = "asterisk-ami"

    /// `Master.csv`'s columns as the event names them: how each is written.
    private static let columns: [(name: String, kind: Kind)] = [
        ("AccountCode", .text), ("Source", .text), ("Destination", .text), ("DestinationContext", .text),
        ("CallerID", .text), ("Channel", .text), ("DestinationChannel", .text), ("LastApplication", .text),
        ("LastData", .text), ("StartTime", .time), ("AnswerTime", .time), ("EndTime", .time),
        ("Duration", .number), ("BillableSeconds", .number), ("Disposition", .text), ("AMAFlags", .text),
        ("UniqueID", .text), ("UserField", .text),
    ]
    /// The columns `newcdrcolumns` adds, present when `[mappings]` names them all.
    private static let newColumns: [(name: String, kind: Kind)] = [
        ("PeerAccount", .text), ("LinkedID", .text), ("Sequence", .number),
    ]

    private enum Kind {
        case text, time, number
    }

    /// The `Master.csv` line `cdr_csv` writes for the call of `event` (without its line end).
    package static func masterCSVLine(_ event: AMIMessage) -> String {
        let extended = newColumns.allSatisfy { event[$0.name] != nil }
        return (columns + (extended ? newColumns : [])).map { column in
            let value = event[column.name] ?? ""
            switch column.kind {
            case .text: return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            case .time: return value.isEmpty ? "" : "\"" + value + "\""
            case .number: return value
            }
        }.joined(separator: ",")
    }

    /// The call of `event`, read by `decoder` (an `.asterisk` decoder in the switch's time zone).
    package static func record(_ event: AMIMessage, decoder: inout CDRRowDecoder) -> Result<CallRecord, RowProblem> {
        let line = Array(masterCSVLine(event).utf8)
        return line.withUnsafeBufferPointer { decoder.decode($0) }
    }
}
