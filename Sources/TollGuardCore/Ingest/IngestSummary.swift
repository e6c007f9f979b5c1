/// What one `ingest` of one file did.
package struct FileIngestSummary: Sendable, Codable, Hashable {
    package var path: String
    package var format: CDRFormat
    /// How the format was chosen: "given", "detected" (with the sample size) or "resumed".
    package var formatSource: String
    package var rowsRead = 0
    package var inserted = 0
    package var duplicates = 0
    package var rejected = 0
    /// The line reading resumed after, when an earlier run had committed part of the file.
    package var resumedAfterLine: Int?
    /// The first rejected rows, as "line N: reason".
    package var problems: [String] = []

    package init(path: String, format: CDRFormat, formatSource: String) {
        self.path = path
        self.format = format
        self.formatSource = formatSource
    }
}

/// Progress of a running ingest, reported after each committed batch.
package struct IngestProgress: Sendable {
    package var path: String
    package var rowsRead: Int
    package var positionOnDisk: Int64
    package var sizeOnDisk: Int64?
}
