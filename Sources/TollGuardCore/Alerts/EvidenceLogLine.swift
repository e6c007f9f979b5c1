import Foundation

/// What an alert keeps of one log line behind it (the SIP attack watcher's evidence).
package struct EvidenceLogLine: Sendable, Hashable {
    package var file: String
    /// 1-based.
    package var line: Int
    package var time: Date
    /// The line as written: attacker text, escaped wherever it is shown.
    package var text: String

    package init(file: String, line: Int, time: Date, text: String) {
        self.file = file
        self.line = line
        self.time = time
        self.text = text
    }

    /// Where the line is: unique per alert.
    package struct Key: Hashable, Sendable {
        var file: String
        var line: Int
    }

    package var key: Key { Key(file: file, line: line) }
}
