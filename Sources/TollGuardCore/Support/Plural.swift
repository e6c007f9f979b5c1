/// Counted nouns as people write them: `1 call`, `2 calls`, `0 deliveries`.
package enum Plural {
    /// `count` and the noun, singular for exactly one; `plural` defaults to the noun with `s`
    /// (`y` after a consonant becomes `ies`).
    package static func of(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
        if count == 1 { return "1 \(singular)" }
        if let plural { return "\(count) \(plural)" }
        if singular.hasSuffix("y"), let before = singular.dropLast().last, !"aeiou".contains(before) {
            return "\(count) \(singular.dropLast())ies"
        }
        return "\(count) \(singular)s"
    }
}
