/// A row that could not be read as a call, kept with its original bytes.
package struct RejectedRow: Sendable, Hashable {
    package var line: Int
    package var problem: RowProblem
    package var raw: [UInt8]
    package var isTruncated: Bool
}

/// Where reading of a file may resume: just past the last line of a committed batch.
package struct IngestCheckpoint: Sendable, Hashable {
    package var offset: Int64
    package var line: Int
    /// Hash and length of the last committed line, to check on resume that the file is the same.
    package var tailHash: String
    package var tailLength: Int
}

/// The calls and rejected rows of consecutive lines, written in one transaction with the checkpoint.
package struct IngestBatch: Sendable {
    /// The calls read, encoded for the insert on the reading thread.
    package var calls = EncodedCalls()
    package var rejected: [RejectedRow] = []
    package var checkpoint: IngestCheckpoint?
    package var rowsRead = 0
    package var positionOnDisk: Int64 = 0

    package init() {}
}
