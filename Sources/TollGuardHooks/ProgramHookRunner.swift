import Foundation
import TollGuardCore

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program hook: the configured path with its fixed arguments — never a shell — the event
/// JSON on standard input, its main fields in `TOLLGUARD_*` variables of an otherwise clean
/// environment (only `PATH` and `LANG` are passed on), stopped after the hook's timeout.
package struct ProgramHookRunner: Sendable {
    /// Bytes of output (stdout and stderr together) kept.
    package var outputLimit: Int
    /// `PATH` for the program.
    package var searchPath: String

    package init(outputLimit: Int = 4096, searchPath: String? = nil) {
        self.outputLimit = outputLimit
        self.searchPath =
            searchPath ?? ProcessInfo.processInfo.environment["PATH"]
            ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    }

    /// Writing to a program that stopped reading must be an error, not a signal that ends TollGuard.
    private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Runs `path` with `arguments`, feeding it `payload`; delivered when it exits 0.
    package func run(
        path: String, arguments: [String], event: HookEvent, payload: Data, timeout: Duration
    ) async -> DeliveryAttempt {
        var environment = event.environment
        environment["PATH"] = searchPath
        environment["LANG"] = "C.UTF-8"
        let request = (path, arguments, environment, payload, timeout, outputLimit)
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    returning: Self.runBlocking(
                        path: request.0, arguments: request.1, environment: request.2, payload: request.3,
                        timeout: request.4, outputLimit: request.5))
            }
            thread.name = "tollguard-hook"
            thread.start()
        }
    }

    private static func runBlocking(
        path: String, arguments: [String], environment: [String: String], payload: Data, timeout: Duration,
        outputLimit: Int
    ) -> DeliveryAttempt {
        _ = ignoreBrokenPipes
        let clock = ContinuousClock()
        let started = clock.now
        guard FileManager.default.isExecutableFile(atPath: path) else {
            return DeliveryAttempt(
                outcome: .rejected, status: nil, duration: clock.now - started,
                error: "\(path) is not an executable file")
        }
        let result: (ending: ChildProcess.Ending, output: String)
        do {
            result = try ChildProcess.run(
                path: path, arguments: arguments, environment: environment, input: payload, timeout: timeout,
                outputLimit: outputLimit)
        } catch {
            return DeliveryAttempt(
                outcome: .failed, status: nil, duration: clock.now - started, error: error.description)
        }
        let duration = clock.now - started
        switch result.ending {
        case .exited(0):
            return DeliveryAttempt(outcome: .delivered, status: 0, duration: duration, output: result.output)
        case .exited(let status):
            return DeliveryAttempt(
                outcome: .failed, status: Int(status), duration: duration, output: result.output,
                error: "exited with status \(status)")
        case .signalled(let signal):
            return DeliveryAttempt(
                outcome: .failed, status: nil, duration: duration, output: result.output,
                error: "killed by signal \(signal)")
        case .timedOut:
            return DeliveryAttempt(
                outcome: .failed, status: nil, duration: duration, output: result.output,
                error: "timed out after \(timeout.seconds) s; stopped")
        }
    }
}
