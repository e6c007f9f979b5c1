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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            return DeliveryAttempt(
                outcome: .rejected, status: nil, duration: clock.now - started, error: "cannot start \(path): \(error)")
        }
        let writer = input.fileHandleForWriting
        DispatchQueue.global().async {
            // A program that exits without reading makes this fail (EPIPE): that is fine.
            try? writer.write(contentsOf: payload)
            try? writer.close()
        }
        let prefix = OutputPrefix(limit: outputLimit)
        let drained = DispatchSemaphore(value: 0)
        let reader = output.fileHandleForReading
        DispatchQueue.global().async {
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                prefix.append(chunk)
            }
            drained.signal()
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        var timedOut = false
        if exited.wait(timeout: .now() + seconds) == .timedOut {
            timedOut = true
            process.terminate()
            if exited.wait(timeout: .now() + 2) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                exited.wait()
            }
        }
        // A background child still holding the output open must not hold the delivery.
        _ = drained.wait(timeout: .now() + 1)
        let duration = clock.now - started
        let status = Int(process.terminationStatus)
        if timedOut {
            return DeliveryAttempt(
                outcome: .failed, status: nil, duration: duration, output: prefix.text,
                error: "timed out after \(seconds) s; stopped")
        }
        if process.terminationReason == .uncaughtSignal {
            return DeliveryAttempt(
                outcome: .failed, status: nil, duration: duration, output: prefix.text,
                error: "killed by signal \(status)")
        }
        return DeliveryAttempt(
            outcome: status == 0 ? .delivered : .failed, status: status, duration: duration, output: prefix.text,
            error: status == 0 ? nil : "exited with status \(status)")
    }
}
