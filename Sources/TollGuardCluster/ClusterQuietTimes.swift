import Foundation
import PostgresNIO
import TollGuardCore

/// The quiet times false positives gave (`cluster_suppressions`) that the analyzer's findings
/// of one step may fall in: a finding of a quiet rule about a quiet subject, at a time within
/// the span, is not written — as the single box drops the drafts its suppressions cover.
package struct ClusterQuietTimes: Sendable {
    private struct Key: Hashable {
        var rule: String
        var subject: Subject
    }

    private var spans: [Key: [ClosedRange<Date>]] = [:]

    package init() {}

    /// Keeps `rule` quiet for `subject` from `from` to `until`.
    package mutating func add(rule: String, subject: Subject, from: Date, until: Date) {
        guard from <= until else { return }
        spans[Key(rule: rule, subject: subject), default: []].append(from...until)
    }

    /// Whether a false positive keeps `finding` quiet.
    package func covers(_ finding: Finding) -> Bool {
        spans[Key(rule: finding.rule.rawValue, subject: finding.subject)]?.contains { $0.contains(finding.time) }
            ?? false
    }
}

extension ClusterStore {
    /// The quiet times that reach the times of `findings` (none asked when there are none).
    package func quietTimes(for findings: [Finding]) async throws -> ClusterQuietTimes {
        var quiet = ClusterQuietTimes()
        guard let earliest = findings.lazy.map(\.time).min(), let latest = findings.lazy.map(\.time).max() else {
            return quiet
        }
        let rows = try await client.query(
            """
            SELECT rule, subject_type, subject, from_utc, until_utc FROM cluster_suppressions
            WHERE until_utc >= \(earliest) AND from_utc <= \(latest)
            """, logger: logger)
        for try await (rule, kind, subject, from, until) in rows.decode((String, String, String, Date, Date).self) {
            guard let kind = Subject.Kind(rawValue: kind) else { continue }
            quiet.add(rule: rule, subject: Subject(kind, subject), from: from, until: until)
        }
        return quiet
    }
}
