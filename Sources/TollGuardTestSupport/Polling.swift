/// Asks `condition` every `interval` until it holds or `seconds` have passed; true when it held.
///
/// Bounded by the clock, not by a number of tries: on a loaded machine each try (an HTTP
/// request, a file read) takes longer, and a count of tries then runs out before the time a
/// test means to give.
package func poll(
    upTo seconds: Double, every interval: Duration = .milliseconds(10), until condition: () async throws -> Bool
) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + .milliseconds(Int(seconds * 1000))
    while try await !condition() {
        guard clock.now < deadline else { return false }
        try await Task.sleep(for: interval)
    }
    return true
}
