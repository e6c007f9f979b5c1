import Foundation

/// The files a CDR file was rotated into, beside it: `Master.csv.1`, `Master.csv.2.gz`
/// (logrotate), `Master.csv-20261110.gz` (logrotate's `dateext`), `Master.csv.2026-11-10-00-00-00`
/// (FreeSWITCH's `cdr_csv rotate`).
package enum RotatedFiles {
    /// The rotated files of `path`, oldest first (by modification time), then `path` itself when
    /// it exists: the order their calls were written in.
    package static func withRotated(_ path: String) throws -> [String] {
        let file = URL(fileURLWithPath: path)
        let folder = file.deletingLastPathComponent()
        let name = file.lastPathComponent
        let manager = FileManager.default
        let entries = try manager.contentsOfDirectory(atPath: folder.path)
        var rotated: [(path: String, modified: Date)] = []
        for entry in entries where entry.count > name.count + 1 && entry.hasPrefix(name) {
            // The separator, then a number or a date: not `Master.csv.swp` or `Master.csv-notes`.
            let suffix = entry.dropFirst(name.count)
            guard suffix.first == "." || suffix.first == "-", suffix.dropFirst().first?.isNumber == true else {
                continue
            }
            let candidate = folder.appendingPathComponent(entry).path
            let attributes = try manager.attributesOfItem(atPath: candidate)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            rotated.append((candidate, attributes[.modificationDate] as? Date ?? .distantPast))
        }
        rotated.sort { ($0.modified, $0.path) < ($1.modified, $1.path) }
        let current = manager.fileExists(atPath: path) ? [path] : []
        return rotated.map(\.path) + current
    }
}
