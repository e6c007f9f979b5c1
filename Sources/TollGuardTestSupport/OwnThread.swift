import Foundation

/// Runs blocking work (waiting for a child process, reading its pipes) on a thread of its own.
///
/// Swift Testing runs tests on the cooperative pool, which on a two-core machine has two threads.
/// A test that blocks one of them while a child process runs starves the async tests of other
/// suites (the live pipeline, NIO bridges) meanwhile; awaiting this instead holds no pool thread.
package func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

extension Process {
    /// Waits for the process to end without blocking a thread of the cooperative pool.
    package func waitForExit() async {
        while isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        waitUntilExit()  // already ended: returns at once, with the status set
    }
}
