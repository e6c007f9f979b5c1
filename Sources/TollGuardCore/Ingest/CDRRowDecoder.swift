import Foundation

/// Turns one CDR line into a ``CallRecord``, or says precisely why it cannot.
///
/// Works on the raw bytes of the line: fields are located without copying and only the
/// values the record keeps become strings. One decoder serves one file (it caches time-zone
/// offsets and its field buffer), so it is a value type owned by the reading loop.
package struct CDRRowDecoder {
    package let format: CDRFormat
    /// The layout for header-less formats and for a generic CSV after its header was read.
    package private(set) var layout: CDRLayout?
    private let splitter: CSVLineSplitter
    private var timeConverter: LocalTimeConverter
    private let maxFieldBytes: Int
    private var fields: [CSVFieldRange] = []

    /// Creates a decoder for `format` (not `.auto`); a `.csv` decoder needs ``readHeader(_:columnMap:)`` first.
    package init(format: CDRFormat, timeZone: TimeZone, maxFieldBytes: Int = 65_536, delimiter: UInt8 = 44) {
        precondition(format != .auto, "resolve .auto with CDRFormatDetector first")
        self.format = format
        self.layout = CDRLayout.fixed(format)
        self.splitter = CSVLineSplitter(delimiter: delimiter)
        self.timeConverter = LocalTimeConverter(timeZone: timeZone)
        self.maxFieldBytes = maxFieldBytes
        fields.reserveCapacity(32)
    }

    /// Reads the header row of a generic CSV file and fixes the column layout.
    package mutating func readHeader(
        _ line: UnsafeBufferPointer<UInt8>, columnMap: [String: String]
    ) throws(CSVHeaderError) {
        if let column = splitter.split(line, into: &fields) {
            throw CSVHeaderError(description: "the header row has an unterminated quote in column \(column)")
        }
        let names = fields.map {
            String(decoding: UnsafeBufferPointer(rebasing: line[$0.start..<$0.end]), as: UTF8.self)
        }
        layout = try CDRLayout.generic(header: names, columnMap: columnMap)
    }

    /// Decodes one non-empty line (without its line terminator).
    package mutating func decode(_ rawLine: UnsafeBufferPointer<UInt8>) -> Result<CallRecord, RowProblem> {
        let scan = ByteScan.scan(rawLine)
        if let nul = scan.firstNUL {
            return .failure(RowProblem(.nulByte, "NUL byte at byte \(nul + 1) of the row"))
        }
        var line = rawLine
        if format == .fsSQL {
            guard let inner = Self.sqlValues(rawLine) else {
                return .failure(RowProblem(.badValue, "not an INSERT INTO cdr VALUES (...); statement"))
            }
            line = inner
        }
        if let column = splitter.split(line, into: &fields) {
            return .failure(
                RowProblem(.brokenQuoting, column: column, "quoted field is not closed before the end of the line"))
        }
        let layout: CDRLayout
        if format == .asterisk {
            guard let chosen = asteriskLayout(line) else {
                return .failure(
                    RowProblem(.columnCount, "\(fields.count) columns; the asterisk format has 16 to 21"))
            }
            layout = chosen
        } else if let fixed = self.layout {
            guard fixed.columnCounts.contains(fields.count) else {
                let expected = fixed.columnCounts.sorted().map(String.init).joined(separator: " or ")
                return .failure(
                    RowProblem(.columnCount, "\(fields.count) columns; the \(format.rawValue) format has \(expected)"))
            }
            layout = fixed
        } else {
            return .failure(RowProblem(.badValue, "no header row was read before the data"))
        }
        for (index, field) in fields.enumerated() where field.end - field.start > maxFieldBytes {
            return .failure(
                RowProblem(
                    .fieldTooLong, column: index + 1,
                    "field of \(field.end - field.start) bytes; the limit is \(maxFieldBytes) ([ingest] max_field_bytes)"
                ))
        }
        if !scan.isASCII {
            for (index, field) in fields.enumerated() {
                let bytes = UnsafeBufferPointer(rebasing: line[field.start..<field.end])
                if String(validating: bytes, as: UTF8.self) == nil {
                    return .failure(RowProblem(.invalidUTF8, column: index + 1, "invalid UTF-8"))
                }
            }
        }
        do {
            return .success(try record(line, rawLine: rawLine, layout: layout))
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Field access

    private func text(_ line: UnsafeBufferPointer<UInt8>, _ column: Int?) -> String {
        guard let column, column < fields.count else { return "" }
        let field = fields[column]
        let bytes = UnsafeBufferPointer(rebasing: line[field.start..<field.end])
        guard field.hasDoubledQuotes else { return String(decoding: bytes, as: UTF8.self) }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            unescaped.append(bytes[index])
            if bytes[index] == 34, index + 1 < bytes.count, bytes[index + 1] == 34 { index += 1 }
            index += 1
        }
        return String(decoding: unescaped, as: UTF8.self)
    }

    private func isEmpty(_ column: Int?) -> Bool {
        guard let column, column < fields.count else { return true }
        return fields[column].start == fields[column].end
    }

    private mutating func time(
        _ line: UnsafeBufferPointer<UInt8>, _ column: Int?, name: String, required: Bool
    ) throws(RowProblem) -> Int64? {
        guard let column, column < fields.count, !isEmpty(column) else {
            if required { throw RowProblem(.missingField, column: column.map { $0 + 1 }, "\(name) time is empty") }
            return nil
        }
        let field = fields[column]
        guard let parsed = TimestampParser.parse(line[field.start..<field.end]) else {
            throw RowProblem(.badTime, column: column + 1, "unparseable \(name) time \"\(text(line, column))\"")
        }
        let epoch = timeConverter.epochSeconds(parsed)
        // FreeSWITCH writes the zero time (1970-01-01, local) for a call that was never answered.
        if epoch < 86_400 * 365 * 20 { return required ? epoch : nil }
        return epoch
    }

    private func integer(_ line: UnsafeBufferPointer<UInt8>, _ column: Int?, name: String) throws(RowProblem) -> Int? {
        guard let column, column < fields.count, !isEmpty(column) else { return nil }
        let field = fields[column]
        var value = 0
        var sawDigit = false
        for byte in line[field.start..<field.end] {
            if byte >= 48, byte <= 57, value < 1_000_000_000 {
                value = value * 10 + Int(byte - 48)
                sawDigit = true
            } else if byte == 32, !sawDigit {
                continue
            } else {
                throw RowProblem(
                    .badNumber, column: column + 1,
                    "\(name) is not a whole number of seconds: \"\(text(line, column))\"")
            }
        }
        return value
    }

    // MARK: - Record

    private mutating func record(
        _ line: UnsafeBufferPointer<UInt8>, rawLine: UnsafeBufferPointer<UInt8>, layout: CDRLayout
    ) throws(RowProblem) -> CallRecord {
        let destination = text(line, layout.destination)
        var answerEpoch = try time(line, layout.answer, name: "answer", required: false)
        var endEpoch = try time(line, layout.end, name: "end", required: layout.start == nil)
        var startEpoch = try time(line, layout.start, name: "start", required: layout.start != nil && layout.end == nil)
        let durationField = try integer(line, layout.duration, name: "duration")
        let billsecField = try integer(line, layout.billsec, name: "billsec")
        if startEpoch == nil {
            // opencdrrate writes no start: the call started at answer, or billsec before the end.
            startEpoch = answerEpoch ?? endEpoch.map { $0 - Int64(durationField ?? billsecField ?? 0) }
        }
        guard let start = startEpoch else {
            throw RowProblem(.missingField, column: (layout.start ?? layout.end).map { $0 + 1 }, "start time is empty")
        }
        if endEpoch == nil { endEpoch = start + Int64(durationField ?? 0) }
        let end = max(endEpoch ?? start, start)
        if let answer = answerEpoch, answer < start { answerEpoch = start }
        let duration = durationField ?? Int(end - start)
        let billsec = billsecField ?? answerEpoch.map { Int(end - $0) } ?? 0

        let cause = text(line, layout.hangupCause)
        let answered = answerEpoch != nil || billsec > 0
        let disposition: CallDisposition
        switch layout.dispositionStyle {
        case .freeswitchCause:
            if CallDisposition(asteriskDisposition: cause) != nil {
                throw RowProblem(
                    .badValue, column: (layout.hangupCause ?? 0) + 1,
                    "\"\(cause)\" is an Asterisk disposition, not a FreeSWITCH hangup cause")
            }
            disposition = CallDisposition(freeswitchCause: cause, answered: answered)
        case .asteriskDisposition:
            guard let known = CallDisposition(asteriskDisposition: cause) else {
                throw RowProblem(
                    .badValue, column: (layout.hangupCause ?? 0) + 1,
                    "unknown disposition \"\(cause)\" (ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION, CANCEL)")
            }
            disposition = known
        case .anySpelling:
            disposition = CallDisposition(anySpelling: cause) ?? (answered ? .answered : .failed)
        }

        let callerNumber = text(line, layout.callerNumber)
        var callerName = text(line, layout.callerName)
        if layout.callerName == nil, layout.callerID != nil {
            callerName = CallerID.name(in: text(line, layout.callerID))
        }
        let channel = text(line, layout.channel)
        var account = text(line, layout.account)
        if account.isEmpty { account = ChannelName.endpoint(of: channel) ?? callerNumber }

        var trunk: String? = layout.trunk.map { text(line, $0) }
        if trunk?.isEmpty ?? true, layout.lastData != nil {
            trunk = DialString.trunk(in: text(line, layout.lastData))
        }
        let sourceIP = layout.sourceIP.map { text(line, $0) }
        let userAgent = layout.userAgent.map { text(line, $0) }

        let callID = text(line, layout.callID)
        let dedupKey: String
        switch layout.format {
        case .asterisk:
            if let sequenceColumn = layout.sequence, !callID.isEmpty, !isEmpty(sequenceColumn) {
                dedupKey = callID + "/" + text(line, sequenceColumn)
            } else {
                let hash = RowHasher.hex(UnsafeRawBufferPointer(rawLine))
                dedupKey = callID.isEmpty ? "#" + hash : callID + "#" + hash
            }
        default:
            dedupKey = callID.isEmpty ? "#" + RowHasher.hex(UnsafeRawBufferPointer(rawLine)) : callID
        }

        return CallRecord(
            dedupKey: dedupKey, callID: callID, account: account, callerNumber: callerNumber,
            callerName: callerName, destination: destination, context: text(line, layout.context),
            sourceIP: sourceIP?.isEmpty == false ? sourceIP : nil, trunk: trunk?.isEmpty == false ? trunk : nil,
            startedAt: Date(timeIntervalSince1970: TimeInterval(start)),
            answeredAt: answerEpoch.map { Date(timeIntervalSince1970: TimeInterval($0)) },
            endedAt: Date(timeIntervalSince1970: TimeInterval(end)), duration: duration, billsec: billsec,
            disposition: disposition, hangupCause: cause,
            userAgent: userAgent?.isEmpty == false ? userAgent : nil)
    }

    // MARK: - Format specifics

    private func asteriskLayout(_ line: UnsafeBufferPointer<UInt8>) -> CDRLayout? {
        let count = fields.count
        let optional = count - 16 - (count >= 19 ? 3 : 0)
        guard optional == 1 else { return CDRLayout.asterisk(columns: count) }
        // With one optional column it is the uniqueid (loguniqueid=yes) unless it does not look like one.
        return CDRLayout.asterisk(columns: count, uniqueIDFirst: AsteriskUniqueID.looksLikeOne(text(line, 16)))
    }

    /// The part between `VALUES (` and the closing `);` of an `sql` template line.
    private static func sqlValues(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        let prefix = Array("INSERT INTO ".utf8)
        guard line.count > prefix.count,
            zip(line.prefix(prefix.count), prefix).allSatisfy({ ($0 | 0x20) == ($1 | 0x20) })
        else { return nil }
        let marker = Array("VALUES".utf8)
        var index = prefix.count
        var found = -1
        while index + marker.count <= line.count {
            if zip(line[index..<(index + marker.count)], marker).allSatisfy({ ($0 | 0x20) == ($1 | 0x20) }) {
                found = index + marker.count
                break
            }
            index += 1
        }
        guard found >= 0 else { return nil }
        var open = found
        while open < line.count, line[open] == 32 { open += 1 }
        guard open < line.count, line[open] == 40 else { return nil }  // (
        var close = line.count
        while close > open, line[close - 1] == 32 || line[close - 1] == 59 { close -= 1 }  // spaces and ;
        guard close > open, line[close - 1] == 41 else { return nil }  // )
        return UnsafeBufferPointer(rebasing: line[(open + 1)..<(close - 1)])
    }
}
