import Foundation

/// One `[[hooks]]` entry: a program or a webhook that receives the events it subscribes to.
package struct HookSettings: Sendable, Codable, Equatable {
    package enum Kind: String, Sendable, Codable, Equatable {
        case program
        case webhook
    }

    /// Names the hook in the outbox and in `tollguard hooks status`; unique.
    package var name: String
    package var kind: Kind
    /// Subscribed events; `suspend` subscribers also get `would_suspend` in report-only mode.
    package var events: [HookEventType] = [.suspend, .unsuspend]
    /// `alert` events below this severity are not sent to this hook.
    package var minSeverity = Severity.high
    /// A program is stopped, or a request abandoned, after this long; the delivery is retried.
    package var timeoutSeconds = 10.0
    /// program: the executable, run directly (never through a shell).
    package var path: String?
    /// program: fixed arguments.
    ///
    /// Nothing from an event is ever put here.
    package var arguments: [String] = []
    /// webhook: where the event is POSTed.
    package var url: String?
    /// webhook: the environment variable holding the HMAC-SHA256 secret for `X-TollGuard-Signature`.
    package var secretEnvironment: String?

    package init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, events, path, arguments, url
        case kind = "type"
        case minSeverity = "min_severity"
        case timeoutSeconds = "timeout_seconds"
        case secretEnvironment = "secret_env"
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self, table: "hook")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        kind = try container.decode(Kind.self, forKey: .kind)
        events = try container.decodeIfPresent([HookEventType].self, forKey: .events) ?? [.suspend, .unsuspend]
        minSeverity = try container.decodeIfPresent(Severity.self, forKey: .minSeverity) ?? .high
        timeoutSeconds = try container.decodeNumberIfPresent(forKey: .timeoutSeconds) ?? 10
        path = try container.decodeIfPresent(String.self, forKey: .path)
        arguments = try container.decodeIfPresent([String].self, forKey: .arguments) ?? []
        url = try container.decodeIfPresent(String.self, forKey: .url)
        secretEnvironment = try container.decodeIfPresent(String.self, forKey: .secretEnvironment)
    }

    /// Whether this hook receives `event`.
    package func receives(_ type: HookEventType, severity: Severity?) -> Bool {
        guard events.contains(type.subscription) else { return false }
        if type == .alert, let severity { return severity >= minSeverity }
        return true
    }

    /// Problems that make this hook unusable, as sentences naming it.
    package func validationErrors(index: Int) -> [String] {
        let label = "hooks[\(index)] \"\(name)\""
        var errors: [String] = []
        if name.isEmpty || name.contains(where: { $0.isWhitespace || $0.isNewline }) {
            errors.append("hooks[\(index)].name must be a non-empty word")
        }
        if events.isEmpty { errors.append("\(label): events is empty; the hook would receive nothing") }
        if let bad = events.first(where: { !HookEventType.subscribable.contains($0) }) {
            errors.append(
                "\(label): \"\(bad.rawValue)\" is delivered to suspend subscribers; subscribe to "
                    + HookEventType.subscribable.map(\.rawValue).joined(separator: ", "))
        }
        if !(timeoutSeconds > 0 && timeoutSeconds <= 3600) {
            errors.append("\(label): timeout_seconds must be more than 0 and at most 3600")
        }
        switch kind {
        case .program:
            guard let path, path.hasPrefix("/") || path.hasPrefix(".") else {
                errors.append("\(label): a program hook needs path, an absolute or ./relative path to an executable")
                break
            }
            if url != nil || secretEnvironment != nil { errors.append("\(label): url and secret_env are for webhooks") }
        case .webhook:
            guard let url, let parsed = URL(string: url),
                ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
                parsed.host != nil
            else {
                errors.append("\(label): a webhook needs url, an http:// or https:// address")
                break
            }
            if path != nil || !arguments.isEmpty { errors.append("\(label): path and arguments are for program hooks") }
            if (secretEnvironment ?? "").isEmpty {
                errors.append(
                    "\(label): a webhook needs secret_env, the environment variable holding its HMAC secret")
            }
        }
        return errors
    }
}

/// `[hook_delivery]`: how the outbox retries deliveries.
package struct HookDeliverySettings: Sendable, Codable, Equatable {
    /// A delivery still failing after this many attempts is marked failed (`tollguard hooks retry` resends it).
    package var maxAttempts = 10
    /// Wait before the first retry; doubled after each failure.
    package var retrySeconds = 30.0
    /// The longest wait between retries.
    package var maxRetrySeconds = 3600.0
    /// Bytes of a program's output, or a webhook's answer, kept with each attempt.
    package var outputBytes = 4096

    package init() {}

    enum CodingKeys: String, CodingKey {
        case maxAttempts = "max_attempts"
        case retrySeconds = "retry_seconds"
        case maxRetrySeconds = "max_retry_seconds"
        case outputBytes = "output_bytes"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = HookDeliverySettings()
        maxAttempts = try container.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? defaults.maxAttempts
        retrySeconds = try container.decodeNumberIfPresent(forKey: .retrySeconds) ?? defaults.retrySeconds
        maxRetrySeconds =
            try container.decodeNumberIfPresent(forKey: .maxRetrySeconds) ?? defaults.maxRetrySeconds
        outputBytes = try container.decodeIfPresent(Int.self, forKey: .outputBytes) ?? defaults.outputBytes
    }

    /// The wait before attempt `attempt + 1` after `attempt` failures: `retry_seconds`, doubled each time, capped.
    package func backoff(afterAttempts attempt: Int) -> TimeInterval {
        min(maxRetrySeconds, retrySeconds * pow(2, Double(max(0, min(attempt - 1, 40)))))
    }

    /// Problems that make these settings unusable.
    package func validationErrors() -> [String] {
        var errors: [String] = []
        if maxAttempts < 1 { errors.append("hook_delivery.max_attempts must be at least 1") }
        if !(retrySeconds >= 0) || !(maxRetrySeconds >= retrySeconds) {
            errors.append("hook_delivery.retry_seconds must be zero or more, and max_retry_seconds at least that")
        }
        if outputBytes < 0 { errors.append("hook_delivery.output_bytes cannot be negative") }
        return errors
    }
}

extension TollGuardConfiguration {
    /// The program hooks whose program is missing or not executable (`config check`).
    ///
    /// Found now, not at 3 a.m. when the first suspension's block does not happen.
    package func hookProgramErrors() -> [String] {
        hooks.enumerated().compactMap { index, hook in
            guard hook.kind == .program, let path = hook.path else { return nil }
            let label = "hooks[\(index)] \"\(hook.name)\""
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                return "\(label): the program \(path) does not exist"
            }
            guard !isFolder.boolValue, FileManager.default.isExecutableFile(atPath: path) else {
                return "\(label): the program \(path) is not executable (chmod +x)"
            }
            return nil
        }
    }
}
