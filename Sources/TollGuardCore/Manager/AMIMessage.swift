import Foundation

/// One message of the Asterisk Manager Interface: `Name: value` lines in the order they came,
/// ended by an empty line (`main/manager.c`).
///
/// Names are matched without regard to case, as Asterisk's `astman_get_header` does; a name may
/// repeat (`ChanVariable`, `Output`), and each value is kept in order. Text is decoded as UTF-8,
/// invalid bytes replaced, so a caller name in another encoding is never dropped.
package struct AMIMessage: Sendable, Hashable {
    /// The lines, in order.
    package var headers: [(name: String, value: String)]

    package init(_ headers: [(name: String, value: String)]) {
        self.headers = headers
    }

    /// An action to send: `Action: name`, then the fields in order.
    package static func action(_ name: String, _ fields: KeyValuePairs<String, String> = [:]) -> AMIMessage {
        AMIMessage([("Action", name)] + fields.map { ($0.key, $0.value) })
    }

    /// The first value of `name`, nil when absent.
    package subscript(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Every value of `name`, in order.
    package func values(_ name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    /// The event's name (`Newchannel`), nil for a response.
    package var event: String? { self["Event"] }
    /// `Success`, `Error`, `Goodbye`, `Follows`; nil for an event.
    package var response: String? { self["Response"] }
    package var actionID: String? { self["ActionID"] }

    /// The channel variables `manager.conf` `channelvars` adds: `ChanVariable: NAME=value` in a
    /// snapshot, `ChanVariable(PJSIP/…): NAME=value` in events about several channels; the last
    /// value of a name wins.
    package var channelVariables: [String: String] {
        var variables: [String: String] = [:]
        for (name, value) in headers where name.lowercased().hasPrefix("chanvariable") {
            guard let equals = value.firstIndex(of: "=") else { continue }
            variables[String(value[..<equals])] = String(value[value.index(after: equals)...])
        }
        return variables
    }

    /// The message as Asterisk writes it: `Name: value\r\n` lines and an empty line.
    ///
    /// A CR or LF inside a value would end the line early and let the value forge lines of its
    /// own; they are written as spaces.
    package var wireText: String {
        var text = ""
        for (name, value) in headers {
            text += Self.oneLine(name) + ": " + Self.oneLine(value) + "\r\n"
        }
        return text + "\r\n"
    }

    private static func oneLine(_ text: String) -> String {
        guard text.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return text }
        return String(text.map { $0 == "\r" || $0 == "\n" || $0 == "\r\n" ? " " : $0 })
    }

    package static func == (left: AMIMessage, right: AMIMessage) -> Bool {
        left.headers.count == right.headers.count
            && zip(left.headers, right.headers).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    package func hash(into hasher: inout Hasher) {
        for (name, value) in headers {
            hasher.combine(name)
            hasher.combine(value)
        }
    }
}
