import Foundation
import TollGuardCore

#if canImport(Glibc)
    import Glibc
#endif

/// A folder under the system temporary directory, removed when the value is deinitialized.
package final class TemporaryDirectory: @unchecked Sendable {
    package let url: URL

    package init(_ label: String = "tollguard-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// The path of `name` inside the folder.
    package func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Writes `bytes` to `name` (folders made as needed) and returns its path.
    @discardableResult
    package func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = path(name)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    package func write(_ name: String, text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes an executable script at `name` (folders made as needed) and returns its path.
    ///
    /// The
    /// file is written through a close-on-exec descriptor: a program another test starts at that
    /// moment must not keep it open, or running the script fails with "Text file busy".
    @discardableResult
    package func writeExecutable(_ name: String, text: String) throws -> String {
        let path = path(name)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return path
    }
}

/// Appends `bytes` to the file at `path` (a log or CDR file growing under a follower).
package func appendToFile(_ bytes: some Sequence<UInt8>, path: String) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(bytes))
}

extension TimeZone {
    /// A zone by identifier that the tests rely on existing.
    package static func named(_ identifier: String) -> TimeZone {
        TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0) ?? .current
    }
}

extension CDRFileIngester {
    /// An ingester over `database` reading times in `zone`, for tests.
    package static func forTests(
        _ database: TollGuardDatabase, zone: String = "UTC", format: CDRFormat = .auto, batchSize: Int = 20_000
    ) -> CDRFileIngester {
        var options = IngestOptions(timeZone: .named(zone))
        options.format = format
        options.batchSize = batchSize
        return CDRFileIngester(database: database, options: options, logger: testLogger)
    }
}
