import Foundation

/// How `ingest` reads CDR files.
package struct IngestOptions: Sendable {
    package var format: CDRFormat = .auto
    package var timeZone: TimeZone
    /// Rows per transaction; each transaction also moves the file's checkpoint.
    package var batchSize = 10_000
    package var maxFieldBytes = 65_536
    /// Lines longer than this are cut, rejected as `line_too_long`, and skipped.
    package var maxLineBytes = 4 << 20
    /// Generic CSV: our field → the file's header name.
    package var columnMap: [String: String] = [:]
    /// How many rejected rows a summary lists by line.
    package var problemsListed = 20
    /// Classifies and prices each call as it is read; nil stores calls without destination data.
    package var rater: DestinationRater?
    /// Read every file from its start, as if never read (`ingest --reread`); its calls dedupe as always.
    package var reread = false

    package init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }
}
