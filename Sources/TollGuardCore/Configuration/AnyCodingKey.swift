/// A coding key for any name: lets a configuration table list its keys and refuse unknown ones.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Refuses a table holding a key that is not one of `Keys`: "\"KEY\" is not a TABLE setting (settings: …)".
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type, table: String) throws {
        let keys = try container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
        let known = Keys.allCases.map(\.stringValue)
        if let unknown = keys.first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: codingPath,
                    debugDescription: "\"\(unknown)\" is not a \(table) setting (settings: "
                        + known.joined(separator: ", ") + ")"))
        }
    }
}

extension KeyedDecodingContainer {
    /// A decimal setting, written either way in TOML: `timeout_seconds = 10` as well as `10.0`
    /// (TOML tells integers from floats; a person writing a number of seconds does not).
    func decodeNumberIfPresent(forKey key: Key) throws -> Double? {
        guard contains(key) else { return nil }
        if let whole = try? decode(Int.self, forKey: key) { return Double(whole) }
        return try decode(Double.self, forKey: key)
    }
}
