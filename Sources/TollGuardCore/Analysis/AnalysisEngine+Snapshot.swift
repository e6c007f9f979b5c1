import Foundation

extension AnalysisEngine {
    /// The form of ``snapshot()``'s bytes: a snapshot of another is refused (a build whose
    /// analyzers remember otherwise counts it up).
    static let memoryFormat = 2

    /// What the engine remembers of the events so far — every analyzer's memory, the subjects
    /// met and the events waiting — as bytes ``restore(_:)`` takes back.
    ///
    /// A cluster's leader writes one now and then, so a node taking over starts from it instead
    /// of replaying the calls of the engine's whole reach (four weeks by default).
    ///
    /// The bytes: the length of the evidence table's JSON (8 bytes, big-endian), that JSON (each
    /// evidence call once, ``EvidenceTable``), then the engine's JSON, which names its evidence
    /// by place in the table.
    package func snapshot() throws -> Data {
        let table = EvidenceTable()
        let encoder = JSONEncoder()
        if let key = EvidenceTable.key { encoder.userInfo[key] = table }
        let memory = try encoder.encode(Memory(engine: self))
        let evidence = try JSONEncoder().encode(table.stored)
        var bytes = Data()
        withUnsafeBytes(of: UInt64(evidence.count).bigEndian) { bytes.append(contentsOf: $0) }
        return bytes + evidence + memory
    }

    /// Takes back a ``snapshot()`` of an engine configured the same (``configuration``) into
    /// this one, made anew.
    package mutating func restore(_ snapshot: Data) throws {
        let bytes = [UInt8](snapshot.prefix(8))
        let length = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard bytes.count == 8, length <= UInt64(snapshot.count - 8), let tableKey = EvidenceTable.key,
            let engineKey = RecalledEngine.key
        else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not a snapshot of the engine"))
        }
        let start = snapshot.startIndex + 8
        let evidence = snapshot[start..<start + Int(length)]
        let table = EvidenceTable(
            calls: try JSONDecoder().decode([EvidenceTable.StoredEvidence].self, from: evidence).map(\.call))
        let decoder = JSONDecoder()
        let recalled = RecalledEngine(self)
        decoder.userInfo[engineKey] = recalled
        decoder.userInfo[tableKey] = table
        _ = try decoder.decode(Recall.self, from: snapshot[(start + Int(length))...])
        self = recalled.engine
    }

    /// The resolved policies of a call's subjects, as its events carry them.
    package mutating func subjects(of call: ObservedCall) -> CallSubjects {
        resolver.subjects(of: call)
    }

    /// What shapes the analyzers' memory, written out with sorted keys.
    static func configuration(settings: AnalysisSettings, timeZone: TimeZone, strongHotspots: Set<String>?) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let text = try? encoder.encode(settings) else { return nil }
        let hotspots = strongHotspots.map { $0.sorted().joined(separator: ",") } ?? "*"
        return "\(timeZone.identifier)|\(hotspots)|" + String(decoding: text, as: UTF8.self)
    }

    /// A waiting event as a snapshot keeps it: its subjects are resolved again.
    private struct WaitingEvent: Codable {
        var time: Double
        var kind: CallEvent.Kind
        var call: ObservedCall
    }

    private struct SubjectPlace: Codable {
        var subject: Subject
        var ordinal: Int
    }

    /// The engine written out: the subjects' places, each analyzer's memory in order, the
    /// waiting events in the order they would be played.
    private struct Memory: Encodable {
        let engine: AnalysisEngine

        func encode(to encoder: any Encoder) throws {
            var memory = encoder.unkeyedContainer()
            try memory.encode(AnalysisEngine.memoryFormat)
            try memory.encode(engine.analyzers.count)
            try memory.encode(
                engine.resolver.subjectOrdinals.map { SubjectPlace(subject: $0.key, ordinal: $0.value) }
                    .sorted { $0.ordinal < $1.ordinal })
            for analyzer in engine.analyzers { try analyzer.remember(into: &memory) }
            try memory.encode(
                engine.pending.ordered.map { WaitingEvent(time: $0.time, kind: $0.element.kind, call: $0.element.call) }
            )
        }
    }

    private struct Recall: Decodable {
        init(from decoder: any Decoder) throws {
            guard let key = RecalledEngine.key, let recalled = decoder.userInfo[key] as? RecalledEngine else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "no engine to restore into"))
            }
            var engine = recalled.engine
            var memory = try decoder.unkeyedContainer()
            guard try memory.decode(Int.self) == AnalysisEngine.memoryFormat else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: [], debugDescription: "a snapshot of another form (another version of TollGuard)")
                )
            }
            guard try memory.decode(Int.self) == engine.analyzers.count else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: [], debugDescription: "a snapshot of another set of analyzers"))
            }
            var resolver = engine.resolver
            resolver.restore(
                subjectOrdinals: Dictionary(
                    try memory.decode([SubjectPlace].self).map { ($0.subject, $0.ordinal) },
                    uniquingKeysWith: { first, _ in first }))
            for index in engine.analyzers.indices {
                try engine.analyzers[index].recall(from: &memory) { resolver.policy(for: $0) }
            }
            var pending = TimeOrderedQueue<CallEvent>()
            for waiting in try memory.decode([WaitingEvent].self) {
                let event = CallEvent(
                    kind: waiting.kind, call: waiting.call, subjects: resolver.subjects(of: waiting.call))
                pending.insert(event, at: Date(timeIntervalSince1970: waiting.time))
            }
            engine.resolver = resolver
            engine.pending = pending
            recalled.engine = engine
        }
    }

    /// The engine a snapshot is restored into, handed to the decoder.
    private final class RecalledEngine: @unchecked Sendable {
        static let key = CodingUserInfoKey(rawValue: "TollGuard.RecalledEngine")
        var engine: AnalysisEngine
        init(_ engine: AnalysisEngine) { self.engine = engine }
    }
}
