/// What a recognized security-log line says.
package enum SecurityLineReading: Sendable, Hashable {
    case event(SecurityEvent)
    /// A known attack message whose source address cannot be located where the PBX writes it:
    /// attacker text imitates the text around the address, or a line break cut the record. No
    /// address in it is trusted; the line is reported (`unparsed_attack`), never dropped.
    case unparsedAttack(reason: String)
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
    /// How an attack line without a locatable address is reported:
    /// `file:line: unparsed_attack: REASON; attributed to nobody`.
    package static func unparsedAttackNotice(file: String, line: Int, reason: String) -> String {
        "\(file):\(line): unparsed_attack: \(reason); attributed to nobody"
    }
}
