import Foundation

/// `[cdr_tail]`: CDR CSV files `tollguard serve` follows as the PBX appends to them (FreeSWITCH
/// or Asterisk `cdr-csv/Master.csv`), feeding each new row to the live engine and the store.
///
/// Where
/// each file was read to is saved in the store, so a restart neither skips nor repeats a row.
package struct CDRTailSettings: Sendable, Codable, Equatable {
    package var files: [String] = []
    /// `auto` (detected from each file's first rows) or one of `tollguard ingest --format`'s names.
    package var format = CDRFormat.auto
    /// Seconds between looks at the files.
    package var pollSeconds = 1.0

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case files, format
        case pollSeconds = "poll_seconds"
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self, table: "cdr_tail")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CDRTailSettings()
        files = try container.decodeIfPresent([String].self, forKey: .files) ?? defaults.files
        pollSeconds = try container.decodeNumberIfPresent(forKey: .pollSeconds) ?? defaults.pollSeconds
        if let name = try container.decodeIfPresent(String.self, forKey: .format) {
            guard let known = CDRFormat(rawValue: name) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .format, in: container,
                    debugDescription: "cdr_tail.format: unknown format \"\(name)\" (one of "
                        + CDRFormat.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            format = known
        }
    }

    package func validationErrors() -> [String] {
        pollSeconds > 0 && pollSeconds <= 3600 ? [] : ["cdr_tail.poll_seconds must be above 0 and at most 3600"]
    }
}
