/// What a recognized security-log line says.
package enum SecurityLineReading: Sendable, Hashable {
    case event(SecurityEvent)
    /// A security line whose attacker-written fields imitate the address field, so that the
    /// address read from one end differs from the one read from the other — or a record whose
    /// address is not where the PBX writes it (no candidates): none is trusted, and the line is
    /// reported rather than attributed.
    case forged(candidates: [String])
}

/// One recognized line of a log, where it was, and its text (for an alert's evidence).
package struct SecurityLogEntry: Sendable, Hashable {
    package var reading: SecurityLineReading
    /// 1-based line number where the record starts.
    package var line: Int
    /// The line as written (a record broken by a line break is joined with `\n`), at most 1,000 bytes.
    package var text: String

    package init(reading: SecurityLineReading, line: Int, text: String) {
        self.reading = reading
        self.line = line
        self.text = text
    }

    package var event: SecurityEvent? {
        if case .event(let event) = reading { return event }
        return nil
    }
}

extension SecurityLogEntry {
    /// How a line whose address fields were forged is reported: `file:line: forged address fields (…); attributed to nobody`,
    /// or, with no candidates, a record whose address is not where the PBX writes it.
    package static func forgedNotice(file: String, line: Int, candidates: [String]) -> String {
        guard !candidates.isEmpty else {
            return "\(file):\(line): a security record without its address where the PBX writes it "
                + "(line breaks in its user part?); attributed to nobody"
        }
        return "\(file):\(line): forged address fields (\(candidates.joined(separator: ", "))); attributed to nobody"
    }
}
