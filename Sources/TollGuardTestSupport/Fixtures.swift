import Foundation
import TollGuardCore

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

    /// Writes `bytes` to `name` and returns its path.
    @discardableResult
    package func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    package func write(_ name: String, text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }
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
        return CDRFileIngester(database: database, options: options)
    }
}
