import Foundation

/// Keeps the first `limit` bytes of a stream and counts the rest: what a hook's output or a
/// webhook's answer is recorded as.
///
/// Filled from one reading thread, read after it finished.
final class OutputPrefix: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()
    private var dropped = 0
    let limit: Int

    init(limit: Int) { self.limit = max(0, limit) }

    func append(_ chunk: some Collection<UInt8>) {
        lock.lock()
        defer { lock.unlock() }
        let room = max(0, limit - bytes.count)
        bytes.append(contentsOf: chunk.prefix(room))
        dropped += max(0, chunk.count - room)
    }

    /// The kept bytes as text (invalid UTF-8 repaired), noting how much was cut.
    var text: String {
        lock.lock()
        defer { lock.unlock() }
        let kept = String(decoding: bytes, as: UTF8.self)
        return dropped > 0 ? kept + "\n[… \(dropped) more bytes not kept]" : kept
    }
}
