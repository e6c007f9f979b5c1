import TollGuardCore

/// Rows as PostgreSQL's `jsonb_populate_recordset` reads them: a JSON array of objects keyed by
/// column, each value a string or null, written byte by byte.
///
/// `JSONEncoder` over a dictionary a row took a sixth of a busy edge's CPU (`perf`, the cluster
/// latency benchmark: its shipments and its calls up, twenty times a second). PostgreSQL's text
/// holds no NUL: one becomes U+FFFD (``ClusterStore/storable(_:)``).
struct JSONRows {
    /// Each column's `"name":`, written once (the names are ours: nothing to escape).
    private let keys: [[UInt8]]
    private var bytes: [UInt8] = [0x5B]
    private(set) var count = 0

    init(columns: [String]) {
        keys = columns.map { Array("\"\($0)\":".utf8) }
    }

    /// Adds a row: `values` in the order of the columns, nil for null.
    mutating func append(_ values: [String?]) {
        precondition(values.count == keys.count, "a row of \(values.count) values for \(keys.count) columns")
        if count > 0 { bytes.append(0x2C) }
        bytes.append(0x7B)
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(0x2C) }
            bytes += keys[index]
            if let value {
                JSONText.appendString(ClusterStore.storable(value), to: &bytes)
            } else {
                bytes += [0x6E, 0x75, 0x6C, 0x6C]
            }
        }
        bytes.append(0x7D)
        count += 1
    }

    /// The array so far.
    var text: String { String(decoding: bytes + [0x5D], as: UTF8.self) }
}
