/// Text from calls and logs (caller names, account codes, SIP user parts) made safe to show:
/// bounded in length, and without the Unicode controls that reorder what follows them.
///
/// An unterminated RIGHT-TO-LEFT OVERRIDE (U+202E) in a caller name would reverse the rest of a
/// report line or terminal row; a 60 KB account name would repeat into megabytes of output.
package enum DisplayText {
    /// Characters shown of one value; the rest is cut with "…".
    package static let defaultLimit = 1_000

    /// `text` without bidirectional formatting controls (each shown as `?`) and cut at `limit`
    /// characters.
    package static func bounded(_ text: String, limit: Int = defaultLimit) -> String {
        guard text.utf8.count > limit || text.utf8.contains(where: { $0 == 0xE2 || $0 == 0xD8 }) else { return text }
        var shown = ""
        var count = 0
        for character in text {
            if count == limit {
                shown += "…"
                break
            }
            if character.unicodeScalars.contains(where: isBidiControl) {
                shown += "?"
            } else {
                shown.append(character)
            }
            count += 1
        }
        return shown
    }

    /// The explicit bidirectional formatting characters: embeddings, overrides, isolates and marks.
    package static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true
        default: false
        }
    }
}
