import Foundation

/// Why the format of a file could not be told from its first lines.
package struct FormatDetectionError: Error, CustomStringConvertible, Sendable {
    package var description: String
}

/// Tells a CDR file's format from its first lines by decoding them with every known format.
///
/// The format that reads the most sample lines wins. A tie between formats is ambiguous and
/// the caller must name one with `--format`; a header row of known column names means `csv`.
package enum CDRFormatDetector {
    /// The detected format and how many of the sampled lines it read.
    package struct Detection: Sendable, Hashable {
        package var format: CDRFormat
        package var matched: Int
        package var sampled: Int
    }

    /// Detects the format of `lines` (non-empty lines from the start of the file).
    package static func detect(
        lines: [[UInt8]], timeZone: TimeZone, columnMap: [String: String]
    ) throws(FormatDetectionError) -> Detection {
        guard let first = lines.first else { throw FormatDetectionError(description: "the file has no rows") }
        let splitter = CSVLineSplitter()
        var fields: [CSVFieldRange] = []
        let headerNames: [String] = first.withUnsafeBufferPointer { line in
            _ = splitter.split(line, into: &fields)
            return fields.map {
                String(decoding: UnsafeBufferPointer(rebasing: line[$0.start..<$0.end]), as: UTF8.self)
            }
        }
        if CDRLayout.looksLikeHeader(headerNames) {
            do {
                _ = try CDRLayout.generic(header: headerNames, columnMap: columnMap)
            } catch {
                throw FormatDetectionError(description: "the first line is a CSV header, but \(error)")
            }
            return Detection(format: .csv, matched: lines.count - 1, sampled: lines.count - 1)
        }
        var scores: [(CDRFormat, Int)] = []
        for format in CDRFormat.concrete where format != .csv {
            var decoder = CDRRowDecoder(format: format, timeZone: timeZone)
            let matched = lines.reduce(0) { count, line in
                line.withUnsafeBufferPointer { bytes in
                    if case .success = decoder.decode(bytes) { return count + 1 }
                    return count
                }
            }
            scores.append((format, matched))
        }
        let best = scores.map(\.1).max() ?? 0
        guard best > 0 else {
            throw FormatDetectionError(
                description: "no known CDR format reads the first \(lines.count) line(s) "
                    + "(the first has \(headerNames.count) columns); name one with --format")
        }
        let winners = scores.filter { $0.1 == best }.map(\.0)
        guard winners.count == 1, let format = winners.first else {
            throw FormatDetectionError(
                description: "the first lines read equally well as "
                    + winners.map(\.rawValue).joined(separator: " and ") + "; name one with --format")
        }
        return Detection(format: format, matched: best, sampled: lines.count)
    }
}
