import Foundation

/// Classifies and prices dialled numbers read one per line, and writes one answer per line.
///
/// What `tollguard classify -` and `classify --file` run: the input is read in large blocks,
/// each block's lines are answered on every core at once, and the answers are written in input
/// order. An answer is a JSON object (the keys of `classify --json`, sorted) or a tab-separated
/// row (a header first). Blank lines are skipped; leading and trailing blanks are trimmed.
package struct ClassificationStream: Sendable {
    /// How each answer is written.
    package enum Format: Sendable {
        case json
        /// `dialled`, `scope`, `e164`, `region`, `type`, `risk`, `per min`, tab-separated.
        case tabSeparated
    }

    /// The tab-separated header line.
    package static let header = "dialled\tscope\te164\tregion\ttype\trisk\tper min\n"

    private let classifier: NumberClassifier
    private let rater: DestinationRater
    private let format: Format
    private let pricedAt: Date

    /// Answers with `classifier`'s reading and `rater`'s per-minute price at `pricedAt`.
    package init(classifier: NumberClassifier, rater: DestinationRater, format: Format, pricedAt: Date = Date()) {
        self.classifier = classifier
        self.rater = rater
        self.format = format
        self.pricedAt = pricedAt
    }

    /// The answer lines for `numbers`, in their order.
    package func answers(for numbers: [String]) -> [UInt8] {
        var writer = AnswerWriter(stream: self)
        for number in numbers { writer.append(number) }
        return writer.output
    }

    /// Reads `input` to its end and writes the answers to `output`; returns how many numbers were answered.
    package func run(input: Int32, output: Int32, blockBytes: Int = 1 << 20) throws -> Int {
        let workers = (0..<max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))).map { _ in
            WorkerOutput(writer: AnswerWriter(stream: self))
        }
        var pending: [UInt8] = []
        var block = [UInt8](repeating: 0, count: blockBytes)
        var answered = 0
        if format == .tabSeparated { try Self.writeAll(Array(Self.header.utf8), to: output) }
        var atEnd = false
        while !atEnd {
            let count = block.withUnsafeMutableBytes { read(input, $0.baseAddress, blockBytes) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileReadError(path: "standard input", reason: String(cString: strerror(errno)))
            }
            atEnd = count == 0
            pending += block[..<count]
            // Whole lines only, but for the last block.
            let end = atEnd ? pending.endIndex : (pending.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0)
            guard end > 0 else { continue }
            let lines = Self.lines(pending[..<end])
            answered += lines.count
            answer(lines, in: pending, by: lines.count > 256 ? workers : [workers[0]])
            for worker in workers {
                try Self.writeAll(worker.writer.output, to: output)
                worker.writer.output.removeAll(keepingCapacity: true)
            }
            pending.removeSubrange(..<end)
        }
        return answered
    }

    /// Answers `lines` (ranges of `bytes`), a contiguous share to each worker, all at once.
    private func answer(_ lines: [Range<Int>], in bytes: [UInt8], by workers: [WorkerOutput]) {
        let share = (lines.count + workers.count - 1) / workers.count
        DispatchQueue.concurrentPerform(iterations: workers.count) { part in
            let slice = lines[min(part * share, lines.count)..<min((part + 1) * share, lines.count)]
            let worker = workers[part]
            for line in slice { worker.writer.append(String(decoding: bytes[line], as: UTF8.self)) }
        }
    }

    /// The non-blank lines of `bytes`, without their surrounding blanks.
    private static func lines(_ bytes: ArraySlice<UInt8>) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = bytes.startIndex
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        while start < bytes.endIndex {
            let newline = bytes[start...].firstIndex(of: 0x0A) ?? bytes.endIndex
            var lower = start
            var upper = newline
            while lower < upper, isBlank(bytes[lower]) { lower += 1 }
            while upper > lower, isBlank(bytes[upper - 1]) { upper -= 1 }
            if lower < upper { lines.append(lower..<upper) }
            start = newline + 1
        }
        return lines
    }

    private static func writeAll(_ bytes: [UInt8], to output: Int32) throws {
        try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var written = 0
            while written < buffer.count {
                let count = write(output, base + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw FileReadError(path: "standard output", reason: String(cString: strerror(errno)))
                }
                written += count
            }
        }
    }

    /// One thread's answers, with the texts that repeat across numbers (risk lists, prices,
    /// hotspots) rendered once.
    fileprivate struct AnswerWriter {
        let stream: ClassificationStream
        var output: [UInt8] = []
        private var risks: [UInt16: (json: [UInt8], text: [UInt8])] = [:]
        private var prices: [Int64: [UInt8]] = [:]
        private var hotspots: [String: (json: [UInt8], text: [UInt8])] = [:]

        init(stream: ClassificationStream) { self.stream = stream }

        mutating func append(_ dialed: String) {
            var classification = stream.classifier.classify(dialed)
            let price = stream.rater.price(classification, billsec: 60, startedAt: stream.pricedAt)
            if price.usedFallback { classification.risk.insert(.unpriced) }
            let risk = renderedRisk(classification.risk)
            var perMinute: [UInt8]?
            if let micros = price.ratePerMinuteMicros { perMinute = renderedPrice(micros) }
            var hotspot: (json: [UInt8], text: [UInt8])?
            if let entry = classification.hotspot { hotspot = renderedHotspot(entry) }
            switch stream.format {
            case .json:
                appendJSON(classification, price: price, risk: risk.json, perMinute: perMinute, hotspot: hotspot?.json)
            case .tabSeparated:
                appendRow(
                    classification, risk: hotspot == nil ? risk.text : nil, perMinute: perMinute, hotspot: hotspot)
            }
        }

        private mutating func appendJSON(
            _ classification: NumberClassification, price: CallPrice, risk: [UInt8], perMinute: [UInt8]?,
            hotspot: [UInt8]?
        ) {
            // Keys in sorted order, as `JSONEncoder` with `.sortedKeys` writes them.
            output.append(static: #"{"calling_code":"#)
            if let code = classification.callingCode {
                output += String(code).utf8
            } else {
                output.append(static: "null")
            }
            output.append(static: #","cost_per_min":"#)
            if let perMinute { quoted(perMinute) } else { output.append(static: "null") }
            output.append(static: #","dialed":"#)
            JSONText.appendString(classification.dialed, to: &output)
            output.append(static: #","e164":"#)
            optional(classification.e164)
            if let hotspot {
                output.append(static: #","hotspot":"#)
                output += hotspot
            }
            output.append(static: #","number_type":"#)
            optional(classification.numberType?.rawValue)
            if let prefix = price.ratePrefix {
                output.append(static: #","rate_prefix":"+"#)
                output += prefix.utf8
                output.append(0x22)
            }
            output.append(static: #","region":"#)
            optional(classification.region)
            output.append(static: #","risk":"#)
            output += risk
            output.append(static: #","scope":""#)
            output += classification.scope.rawValue.utf8
            output.append(0x22)
            if let cost = classification.shortNumberCost {
                output.append(static: #","short_number_cost":""#)
                output += cost.rawValue.utf8
                output.append(0x22)
            }
            output.append(static: "}\n")
        }

        private mutating func appendRow(
            _ classification: NumberClassification, risk: [UInt8]?, perMinute: [UInt8]?,
            hotspot: (json: [UInt8], text: [UInt8])?
        ) {
            // The dialled text is the input's: no control character may break the row.
            output += classification.dialed.utf8.lazy.map { $0 < 0x20 || $0 == 0x7F ? 0x3F : $0 }
            output.append(0x09)
            output += classification.scope.rawValue.utf8
            output.append(0x09)
            output += (classification.e164 ?? "-").utf8
            output.append(0x09)
            output += (classification.region ?? "-").utf8
            output.append(0x09)
            if let type = classification.numberType {
                output += type.rawValue.utf8
            } else if let cost = classification.shortNumberCost {
                output += "short code, \(cost.rawValue)".utf8
            } else {
                output.append(0x2D)
            }
            output.append(0x09)
            if let hotspot {
                output += textRisk(classification.risk, hotspot: hotspot.text)
            } else {
                output += risk ?? []
            }
            output.append(0x09)
            output += perMinute ?? [0x2D]
            output.append(0x0A)
        }

        private mutating func optional(_ text: String?) {
            guard let text else {
                output.append(static: "null")
                return
            }
            JSONText.appendString(text, to: &output)
        }

        private mutating func quoted(_ bytes: [UInt8]) {
            output.append(0x22)
            output += bytes
            output.append(0x22)
        }

        private mutating func renderedRisk(_ flags: RiskFlags) -> (json: [UInt8], text: [UInt8]) {
            if let known = risks[flags.rawValue] { return known }
            let labels = flags.labels
            var json: [UInt8] = [0x5B]
            for (index, label) in labels.enumerated() {
                if index > 0 { json.append(0x2C) }
                JSONText.appendString(label, to: &json)
            }
            json.append(0x5D)
            let rendered = (json, Array((labels.isEmpty ? "-" : labels.joined(separator: ",")).utf8))
            risks[flags.rawValue] = rendered
            return rendered
        }

        private func textRisk(_ flags: RiskFlags, hotspot: [UInt8]) -> [UInt8] {
            var parts: [[UInt8]] = []
            for label in flags.labels {
                parts.append(label == "irsf_hotspot" ? hotspot : Array(label.utf8))
            }
            return parts.isEmpty ? [0x2D] : Array(parts.joined(separator: [0x2C]))
        }

        private mutating func renderedPrice(_ micros: Int64) -> [UInt8] {
            if let known = prices[micros] { return known }
            let rendered = Array(Money.format(micros).utf8)
            prices[micros] = rendered
            return rendered
        }

        private mutating func renderedHotspot(_ entry: HotspotTable.Entry) -> (json: [UInt8], text: [UInt8]) {
            if let known = hotspots[entry.prefix] { return known }
            var json: [UInt8] = Array(#"{"country":"#.utf8)
            JSONText.appendString(entry.country, to: &json)
            json.append(static: #","evidence":["#)
            for (index, evidence) in entry.evidence.enumerated() {
                if index > 0 { json.append(0x2C) }
                JSONText.appendString(evidence, to: &json)
            }
            json.append(static: #"],"prefix":"+"#)
            json += entry.prefix.utf8
            json.append(static: #"","sources":"#)
            json += String(entry.sourceCount).utf8
            json.append(0x7D)
            let text = Array("irsf_hotspot(+\(entry.prefix), \(entry.sourceCount) sources)".utf8)
            hotspots[entry.prefix] = (json, text)
            return (json, text)
        }
    }
}

/// One worker thread's answers and caches; used by that thread while a block is answered, and
/// by the reading thread between blocks.
private final class WorkerOutput: @unchecked Sendable {
    var writer: ClassificationStream.AnswerWriter

    init(writer: ClassificationStream.AnswerWriter) { self.writer = writer }
}

/// JSON string literals written byte by byte, as `JSONEncoder` writes them (`/` unescaped).
package enum JSONText {
    /// Appends `text` quoted and escaped.
    package static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(0x22)
        // Most texts (numbers, codes) need no escape: copied at once.
        var text = text
        let plain = text.withUTF8 { bytes in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return false }
            output.append(contentsOf: bytes)
            return true
        }
        if plain {
            output.append(0x22)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case 0x22: output += [0x5C, 0x22]
            case 0x5C: output += [0x5C, 0x5C]
            case 0x0A: output += [0x5C, 0x6E]
            case 0x0D: output += [0x5C, 0x72]
            case 0x09: output += [0x5C, 0x74]
            case 0x08: output += [0x5C, 0x62]
            case 0x0C: output += [0x5C, 0x66]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output += [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: output.append(byte)
            }
        }
        output.append(0x22)
    }
}

extension [UInt8] {
    /// Appends a literal's bytes in one copy.
    mutating func append(static text: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
