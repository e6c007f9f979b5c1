import Foundation

/// The evidence calls of one snapshot of the engine, each written once.
///
/// A call sits in many windows at once (attempts, answered and international per account, address
/// and trunk; pumping; fraud score; the day's spend): written in each, an hour of a busy site's
/// calls made a snapshot of hundreds of megabytes. The windows write a call's place in this table.
final class EvidenceTable: @unchecked Sendable {  // used by one encoder or decoder at a time
    static let key = CodingUserInfoKey(rawValue: "TollGuard.EvidenceTable")

    private(set) var calls: [EvidenceCall] = []
    private var places: [EvidenceCall: Int] = [:]

    init(calls: [EvidenceCall] = []) { self.calls = calls }

    /// The place of `call`, added when new.
    func place(of call: EvidenceCall) -> Int {
        if let place = places[call] { return place }
        places[call] = calls.count
        calls.append(call)
        return calls.count - 1
    }

    /// The call at `place`, if the table has one there.
    func call(at place: Int) -> EvidenceCall? {
        calls.indices.contains(place) ? calls[place] : nil
    }

    /// The table's calls as written, each with its fields.
    var stored: [StoredEvidence] { calls.map(StoredEvidence.init) }

    struct StoredEvidence: Codable {
        var key: String
        var rowID: Int64?
        var time: Date
        var number: String
        var region: String?
        var costMicros: Int64
        var switchName: String?
        var costKnown: Bool

        init(_ call: EvidenceCall) {
            (key, rowID, time, number) = (call.key, call.rowID, call.time, call.number)
            (region, costMicros, switchName, costKnown) = (
                call.region, call.costMicros, call.switchName, call.costKnown
            )
        }

        var call: EvidenceCall {
            EvidenceCall(
                key: key, rowID: rowID, time: time, number: number, region: region, costMicros: costMicros,
                switchName: switchName, costKnown: costKnown)
        }
    }
}

/// An evidence call in a snapshot: its place in the snapshot's ``EvidenceTable``.
extension EvidenceCall: Codable {
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let place = try container.decode(Int.self)
        guard let key = EvidenceTable.key, let table = decoder.userInfo[key] as? EvidenceTable,
            let call = table.call(at: place)
        else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "evidence call \(place) is not in the snapshot's table")
        }
        self = call
    }

    package func encode(to encoder: any Encoder) throws {
        guard let key = EvidenceTable.key, let table = encoder.userInfo[key] as? EvidenceTable else {
            throw EncodingError.invalidValue(
                self, .init(codingPath: encoder.codingPath, debugDescription: "evidence is written with a table"))
        }
        var container = encoder.singleValueContainer()
        try container.encode(table.place(of: self))
    }
}
