/// Escapes text for HTML element content and quoted attribute values (`&`, `<`, `>`, `"`, `'`).
///
/// Everything a report takes from a CDR goes through it: a caller name can be `<script>`. It is
/// also bounded first (``DisplayText/bounded(_:limit:)``): no bidi override reverses the rest
/// of a line, no huge name bloats the page.
package enum HTMLEscaping {
    package static func escape(_ text: String) -> String {
        let text = DisplayText.bounded(text)
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            return text
        }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 16)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
