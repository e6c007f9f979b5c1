import Foundation
import Testing

@testable import TollGuardCLI

/// The command reference in the operators' documentation is the commands' own `--help`.
@Suite struct CommandReferenceTests {
    static var article: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(
                "Sources/TollGuardCLI/Documentation.docc/CommandReference.md")
    }

    @Test func theCheckedInReferenceIsWhatTheCommandsSay() throws {
        let generated = CommandReferencePage.markdown()
        if ProcessInfo.processInfo.environment["TOLLGUARD_UPDATE_REFERENCE"] == "1" {
            try generated.write(to: Self.article, atomically: true, encoding: .utf8)
        }
        let checkedIn = try String(contentsOf: Self.article, encoding: .utf8)
        #expect(
            checkedIn == generated,
            """
            Sources/TollGuardCLI/Documentation.docc/CommandReference.md differs from the commands' --help: \
            run `TOLLGUARD_UPDATE_REFERENCE=1 swift test --filter CommandReference` and commit the file.
            """)
        // Every command is in it, with its options as --help lists them.
        #expect(generated.contains("## tollguard alerts list"))
        #expect(generated.contains("--state <state>"))
        #expect(generated.contains("(values: open, acknowledged, resolved, false_positive, all)"))
        #expect(generated.contains("## tollguard serve"))
    }
}
