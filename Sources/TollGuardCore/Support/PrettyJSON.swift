import Foundation

/// Pretty, key-sorted JSON, slashes left alone: how TollGuard writes its JSON files and prints `--json` answers.
package enum PrettyJSON {
    package static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
