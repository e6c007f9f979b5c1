import Foundation

/// Pretty, key-sorted JSON, slashes left alone, times as UTC ISO 8601: how TollGuard writes its
/// JSON files and prints `--json` answers.
package enum PrettyJSON {
    package static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value)
    }
}
