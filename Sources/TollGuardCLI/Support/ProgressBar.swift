import Foundation
import TollGuardCore

/// A one-line progress display on standard error, shown only when it is a terminal.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let started = Date()
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var drew = false

    init() {
        enabled = isatty(2) == 1
    }

    func update(_ progress: IngestProgress) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(progress.rowsRead) / elapsed
        var line =
            "\(URL(fileURLWithPath: progress.path).lastPathComponent): \(progress.rowsRead) rows, \(Int(rate)) rows/s"
        if let size = progress.sizeOnDisk, size > 0 {
            let fraction = min(1, Double(progress.positionOnDisk) / Double(size))
            let width = 24
            let filled = Int(fraction * Double(width))
            let eta = fraction > 0 ? elapsed / fraction - elapsed : 0
            line =
                "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
                + String(format: "%3.0f%% ", fraction * 100) + line + String(format: ", ETA %.0fs", eta)
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        drew = true
    }

    func finish() {
        guard enabled, drew else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
