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
