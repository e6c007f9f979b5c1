import Foundation

/// Where TollGuard reads its reference data: the copy built into the binary, or a
/// directory laid out like the repository's `Data/` (to run with fresher data than the build).
package enum ReferenceData: Sendable, Hashable {
    case embedded
    case directory(URL)

    /// A file's text by its path under `Data/` (`hooks/log-event.sh`).
    package func text(_ relativePath: String) throws(ReferenceDataError) -> String {
        switch self {
        case .embedded:
            guard let text = EmbeddedReferenceData.files[relativePath] else {
                throw ReferenceDataError(file: relativePath, line: nil, reason: "not built into this binary")
            }
            return text
        case .directory(let directory):
            let url = directory.appendingPathComponent(relativePath)
            do {
                return try String(contentsOf: url, encoding: .utf8)
            } catch {
                throw ReferenceDataError(
                    file: url.path, line: nil, reason: "cannot be read (\(error.localizedDescription))")
            }
        }
    }

    /// A reference file by its path under `Data/` (`numbering/country-codes.csv`).
    package func table(_ relativePath: String) throws(ReferenceDataError) -> CSVTable {
        switch self {
        case .embedded:
            guard let text = EmbeddedReferenceData.files[relativePath] else {
                throw ReferenceDataError(file: relativePath, line: nil, reason: "not built into this binary")
            }
            return CSVTable(text: text, source: "Data/\(relativePath)")
        case .directory(let directory):
            let url = directory.appendingPathComponent(relativePath)
            do {
                return try CSVTable(contentsOf: url)
            } catch {
                throw ReferenceDataError(
                    file: url.path, line: nil, reason: "cannot be read (\(error.localizedDescription))")
            }
        }
    }
}

/// A reference file that is missing or holds a row TollGuard cannot use.
package struct ReferenceDataError: Error, Sendable, Hashable, CustomStringConvertible {
    package let file: String
    package let line: Int?
    package let reason: String

    package var description: String {
        if let line { return "\(file) line \(line): \(reason)" }
        return "\(file): \(reason)"
    }
}
