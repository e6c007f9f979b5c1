import Foundation

/// Paths of the fixtures bundled with this test target.
enum FixtureFiles {
    /// A CDR fixture under `Fixtures/cdr`.
    static func path(_ name: String) -> String {
        url("cdr/\(name)").path
    }

    /// Any fixture, by its path under `Fixtures/`.
    static func url(_ relativePath: String) -> URL {
        Bundle.module.bundleURL.appendingPathComponent("Fixtures/\(relativePath)")
    }
}
