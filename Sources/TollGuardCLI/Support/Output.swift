import Foundation
import TollGuardCore

/// Prints `value` as pretty, key-sorted JSON.
func printJSON(_ value: some Encodable) throws {
    print(String(decoding: try PrettyJSON.encode(value), as: UTF8.self))
}

extension Duration {
    /// `1.25` (seconds, two decimals), for summaries.
    var secondsText: String { String(format: "%.2f", seconds) }
}
