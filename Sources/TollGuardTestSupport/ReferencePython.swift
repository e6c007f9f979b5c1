import Foundation

/// A Python interpreter for the tests that drive a tool written by others (Selenium, panoramisk).
package enum ReferencePython {
    /// The interpreter named by the environment variable `key` (else `/usr/bin/python3`) when it
    /// can import `module`; nil otherwise.
    package static func find(environment key: String, importing module: String) -> String? {
        let python = ProcessInfo.processInfo.environment[key] ?? "/usr/bin/python3"
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import \(module)"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return nil }
        probe.waitUntilExit()
        return probe.terminationStatus == 0 ? python : nil
    }
}
