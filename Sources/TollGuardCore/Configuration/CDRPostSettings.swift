import Foundation

/// `[cdr_post]`: the `POST /cdr` endpoint of `tollguard serve` for mod_json_cdr and mod_xml_cdr
/// (`url = http://host:9476/cdr`).
///
/// Every post must authenticate: HTTP basic with `user:password`
/// from `credentials_env` (the modules' `cred` with `auth-scheme basic`), or a bearer token from `token_env`.
package struct CDRPostSettings: Sendable, Codable, Equatable {
    package var enabled = true
    package var credentialsEnvironment = "TOLLGUARD_CDR_CREDENTIALS"
    package var tokenEnvironment = "TOLLGUARD_CDR_TOKEN"
    /// Larger bodies are refused (413).
    package var maxBodyBytes = 4 << 20

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled
        case credentialsEnvironment = "credentials_env"
        case tokenEnvironment = "token_env"
        case maxBodyBytes = "max_body_bytes"
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self, table: "cdr_post")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CDRPostSettings()
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
        credentialsEnvironment =
            try container.decodeIfPresent(String.self, forKey: .credentialsEnvironment)
            ?? defaults.credentialsEnvironment
        tokenEnvironment =
            try container.decodeIfPresent(String.self, forKey: .tokenEnvironment) ?? defaults.tokenEnvironment
        maxBodyBytes = try container.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? defaults.maxBodyBytes
    }

    package func validationErrors() -> [String] {
        maxBodyBytes < 1024 ? ["cdr_post.max_body_bytes must be at least 1024"] : []
    }

    /// Who may post, from the environment: (`user:password` for basic, bearer token).
    package func secrets(environment: [String: String] = ProcessInfo.processInfo.environment) -> (
        basic: String?, token: String?
    ) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        return (value(credentialsEnvironment), value(tokenEnvironment))
    }
}
