import Foundation

/// Calls laid out as the `calls` insert binds them: every text column's bytes in one buffer,
/// numbers as they are, and each call's dedup slots.
///
/// Ingest builds them on its reading thread, so
/// the writer thread only binds (without copying: the buffer outlives each step) and steps —
/// formatting times, hashing keys and copying strings no longer wait on SQLite's thread.
package struct EncodedCalls: Sendable {
    /// One column's value as bound: text points into the buffer.
    enum Field {
        case null
        case integer(Int64)
        case text(UnsafePointer<CChar>, count: Int)
    }

    /// The insert's columns (1-based, as bound); `source_format` and `file_id` are the batch's.
    static let columnCount = 31
    static let keyHashColumn = 1
    static let dedupKeyColumn = 2
    static let sourceColumn = 19
    static let fileColumn = 20
    /// duration, billsec, line, dest_calling_code, cost_micros, rate_per_min_micros: 8 bytes each.
    private static let integerColumns: UInt64 = [14, 15, 21, 25, 30, 31].reduce(0) { $0 | 1 << $1 }
    private static let null = UInt32.max

    /// Each call's columns one after the other: text as its bytes, integers as 8 bytes.
    private(set) var bytes: [UInt8] = []
    /// Where each call's columns start in `bytes`.
    private var rowStarts: [Int] = []
    /// `columnCount` lengths per call (`null` for NULL), column `c` of call `i` at `i * columnCount + c - 1`.
    private var lengths: [UInt32] = []
    private(set) var slots: [CallKeyHash.Slots] = []

    package init() {}

    /// Calls encoded.
    package var count: Int { slots.count }
    package var isEmpty: Bool { slots.isEmpty }

    package mutating func reserveCapacity(_ calls: Int) {
        lengths.reserveCapacity(calls * Self.columnCount)
        rowStarts.reserveCapacity(calls)
        slots.reserveCapacity(calls)
        bytes.reserveCapacity(calls * 320)
    }

    /// Appends `call`, with its classification and price when known, read from `line` of its file.
    package mutating func append(_ call: CallRecord, destination: CallDestination?, line: Int?) {
        let start = CivilTime.epochSeconds(call.startedAt)
        slots.append(CallKeyHash.slots(key: call.dedupKey, startedAt: start))
        rowStarts.append(bytes.count)
        lengths.append(Self.null)  // key_hash: chosen at insert
        text(call.dedupKey)
        text(call.callID)
        text(call.account)
        text(call.callerNumber)
        text(call.callerName)
        text(call.destination)
        text(call.context)
        text(call.sourceIP)
        text(call.trunk)
        time(start)
        time(call.answeredAt.map(CivilTime.epochSeconds))
        time(CivilTime.epochSeconds(call.endedAt))
        integer(Int64(call.duration))
        integer(Int64(call.billsec))
        text(call.disposition.rawValue)
        text(call.hangupCause)
        text(call.userAgent)
        lengths.append(Self.null)  // source_format: the batch's
        lengths.append(Self.null)  // file_id: the batch's
        integer(line.map { Int64($0) })
        guard let destination else {
            lengths.append(contentsOf: repeatElement(Self.null, count: 10))
            return
        }
        let classification = destination.classification
        text(classification.scope.rawValue)
        text(classification.e164)
        text(classification.region)
        integer(classification.callingCode.map { Int64($0) })
        text(classification.numberType?.rawValue)
        text(classification.risk.storedText)
        text(classification.hotspot?.prefix)
        text(destination.price.ratePrefix)
        integer(destination.price.costMicros)
        integer(destination.price.ratePerMinuteMicros)
    }

    /// Calls `body` with each column (1-based) of call `index`; `base` is the start of `bytes`.
    func forEachColumn(of index: Int, base: UnsafePointer<CChar>, _ body: (Int, Field) -> Void) {
        var cursor = rowStarts[index]
        let first = index * Self.columnCount
        for column in 1...Self.columnCount {
            let length = lengths[first + column - 1]
            if length == Self.null {
                body(column, .null)
                continue
            }
            let at = base + cursor
            cursor += Int(length)
            if Self.integerColumns & 1 << column != 0 {
                body(column, .integer(UnsafeRawPointer(at).loadUnaligned(as: Int64.self)))
            } else {
                body(column, .text(at, count: Int(length)))
            }
        }
    }

    /// Call `index`'s dedup key (the first bytes of its columns), within `base`.
    func dedupKey(of index: Int, base: UnsafePointer<CChar>) -> (UnsafePointer<CChar>, count: Int) {
        (base + rowStarts[index], Int(lengths[index * Self.columnCount + Self.dedupKeyColumn - 1]))
    }

    /// Whether call `index`'s dedup key equals `count` bytes at `other`.
    func dedupKey(_ index: Int, base: UnsafePointer<CChar>, equals other: UnsafePointer<UInt8>?, count: Int) -> Bool {
        let (key, length) = dedupKey(of: index, base: base)
        guard length == count else { return false }
        guard count > 0 else { return true }
        guard let other else { return false }
        return memcmp(key, other, count) == 0
    }

    private mutating func text(_ string: String?) {
        guard var string else {
            lengths.append(Self.null)
            return
        }
        let before = bytes.count
        string.withUTF8 { bytes.append(contentsOf: $0) }
        lengths.append(UInt32(bytes.count - before))
    }

    private mutating func integer(_ value: Int64?) {
        guard let value else {
            lengths.append(Self.null)
            return
        }
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
        lengths.append(8)
    }

    private mutating func time(_ epochSeconds: Int64?) {
        guard let epochSeconds else {
            lengths.append(Self.null)
            return
        }
        let offset = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: 19))
        bytes.withUnsafeMutableBufferPointer { buffer in
            CivilTime.writeUTC(
                epochSeconds: epochSeconds, into: UnsafeMutableBufferPointer(rebasing: buffer[offset..<offset + 19]))
        }
        lengths.append(19)
    }
}
