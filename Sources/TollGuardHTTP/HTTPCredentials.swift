import Foundation

/// What `serve`'s HTTP side accepts as proof of access: HTTP Basic `user:password`
/// (`TOLLGUARD_CDR_CREDENTIALS`, as mod_json_cdr/mod_xml_cdr send it) or a bearer token
/// (`TOLLGUARD_CDR_TOKEN`), compared in constant time.
package struct HTTPCredentials: Sendable {
    package var basic: String?
    package var token: String?

    package init(basic: String?, token: String?) {
        self.basic = basic
        self.token = token
    }

    /// Neither is configured.
    package var isEmpty: Bool { basic == nil && token == nil }

    /// Whether an `Authorization` header carries one of them.
    package func authorize(_ header: String?) -> Bool {
        guard let header else { return false }
        if let basic, header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces))
        {
            return Self.constantTimeEquals(Array(decoded), Array(basic.utf8))
        }
        if let token, header.hasPrefix("Bearer ") {
            return Self.constantTimeEquals(Array(header.dropFirst(7).utf8), Array(token.utf8))
        }
        return false
    }

    private static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
