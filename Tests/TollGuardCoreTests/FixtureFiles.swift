import Foundation

/// Paths of the CDR fixtures bundled with this test target.
enum FixtureFiles {
    static func path(_ name: String) -> String {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/cdr")?.path
            ?? Bundle.module.bundleURL.appendingPathComponent("Fixtures/cdr/\(name)").path
    }
}
