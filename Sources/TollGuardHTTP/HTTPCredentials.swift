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

    /// Whether an `Authorization` header carries one of them (the scheme's case does not
    /// matter: `bearer` is `Bearer`, as RFC 9110 says).
    package func authorize(_ header: String?) -> Bool {
        guard let header, let space = header.firstIndex(of: " ") else { return false }
        let scheme = header[..<space].lowercased()
        let credentials = header[header.index(after: space)...].trimmingCharacters(in: .whitespaces)
        if let basic, scheme == "basic", let decoded = Data(base64Encoded: credentials) {
            return Self.constantTimeEquals(Array(decoded), Array(basic.utf8))
        }
        if let token, scheme == "bearer" {
            return Self.constantTimeEquals(Array(credentials.utf8), Array(token.utf8))
        }
        return false
    }

    private static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
