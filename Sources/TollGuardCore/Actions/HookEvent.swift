import Foundation

/// What TollGuard tells a hook: one JSON object, schema version 1 (documented in the README).
///
/// Its `id` is the idempotency key: a receiver that has seen it may ignore the delivery.
package struct HookEvent: Sendable, Codable, Equatable {
    package static let currentSchemaVersion = 1

    package var schemaVersion = currentSchemaVersion
    package var id: String
    package var type: HookEventType
    /// When the event was made (UTC).
    package var time: Date
    /// The suspension policy's mode, on `suspend`/`would_suspend` events the policy made.
    package var mode: String?
    package var subject: EventSubject
    /// The account, when the subject is one.
    package var account: String?
    /// Why: the suspension's reason, or the alert's summary.
    package var reason: String
    /// Who: `policy`, `expiry`, `analysis` or the person who ran the command.
    package var actor: String
    /// The highest severity of the alerts behind the event.
    package var severity: Severity?
    package var suspension: SuspensionInfo?
    package var alerts: [AlertInfo] = []
    package var figures: Figures?
    /// What a person changed, on `alert_changed` events.
    package var change: ChangeInfo?

    package init(
        id: String, type: HookEventType, time: Date, mode: String? = nil, subject: EventSubject, account: String?,
        reason: String, actor: String, severity: Severity? = nil, suspension: SuspensionInfo? = nil,
        alerts: [AlertInfo] = [], figures: Figures? = nil
    ) {
        self.id = id
        self.type = type
        self.time = time
        self.mode = mode
        self.subject = subject
        self.account = account
        self.reason = reason
        self.actor = actor
        self.severity = severity
        self.suspension = suspension
        self.alerts = alerts
        self.figures = figures
    }

    /// A person's change of an alert: the journal's action, before → after, and the note.
    package struct ChangeInfo: Sendable, Codable, Equatable {
        package var action: String
        package var before: String?
        package var after: String?
        package var note: String?

        package init(action: String, before: String?, after: String?, note: String?) {
            self.action = action
            self.before = before
            self.after = after
            self.note = note
        }
    }

    package struct EventSubject: Sendable, Codable, Equatable {
        package var type: Subject.Kind
        package var value: String

        package init(type: Subject.Kind, value: String) {
            self.type = type
            self.value = value
        }
    }

    package struct SuspensionInfo: Sendable, Codable, Equatable {
        package var id: Int64
        package var enforced: Bool
        package var since: Date
        package var until: Date?
        package var comment: String?
    }

    package struct AlertInfo: Sendable, Codable, Equatable {
        package var id: Int64
        package var rule: String
        package var severity: Severity
        package var summary: String
        package var firstSeen: Date
        package var lastSeen: Date
        package var calls: Int
        package var costMicros: Int64

        enum CodingKeys: String, CodingKey {
            case id, rule, severity, summary, calls
            case firstSeen = "first_seen"
            case lastSeen = "last_seen"
            case costMicros = "cost_micros"
        }
    }

    /// The key figures of the calls behind the event's alerts (distinct evidence calls).
    package struct Figures: Sendable, Codable, Equatable {
        package var calls: Int
        package var costMicros: Int64
        /// `costMicros` as a decimal amount (`"212.40"`).
        package var cost: String
        package var currency: String
        /// Numbers called most often first, at most ten.
        package var destinations: [String]
        /// ISO region codes of those calls, most frequent first.
        package var countries: [String]
        /// The live switches that carried those calls, most calls first; absent when none did
        /// (calls from files and posts, a site's only, unnamed switch).
        package var switches: [String]? = nil

        enum CodingKeys: String, CodingKey {
            case calls, cost, currency, destinations, countries, switches
            case costMicros = "cost_micros"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, type, time, mode, subject, account, reason, actor, severity, suspension, alerts, figures, change
        case schemaVersion = "schema_version"
    }

    /// A fresh event id: `evt_` and a random UUID.
    package static func newID() -> String { "evt_" + UUID().uuidString.lowercased() }

    /// The exact bytes delivered: compact, key-sorted JSON with UTC ISO 8601 times.
    package func payload() throws -> Data {
        try Self.encoder.encode(self)
    }

    /// Decodes stored or received bytes.
    package static func decode(_ payload: Data) throws -> HookEvent {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(HookEvent.self, from: payload)
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// The main fields as `TOLLGUARD_*` environment variables for program hooks.
    ///
    /// Values are
    /// data: the program must quote them (`"$TOLLGUARD_ACCOUNT"`) and never `eval` them.
    package var environment: [String: String] {
        var variables: [String: String] = [
            "TOLLGUARD_SCHEMA_VERSION": String(schemaVersion),
            "TOLLGUARD_EVENT": type.rawValue,
            "TOLLGUARD_EVENT_ID": id,
            "TOLLGUARD_TIME": time.formatted(.iso8601),
            "TOLLGUARD_SUBJECT_TYPE": subject.type.rawValue,
            "TOLLGUARD_SUBJECT": subject.value,
            "TOLLGUARD_REASON": reason,
            "TOLLGUARD_ACTOR": actor,
        ]
        variables["TOLLGUARD_ACCOUNT"] = account
        variables["TOLLGUARD_MODE"] = mode
        variables["TOLLGUARD_SEVERITY"] = severity?.name
        if subject.type == .ip, IPAddressRange.address(subject.value) != nil {
            // Only a value inet_pton accepts: a ban script may pass it to nft.
            variables["TOLLGUARD_IP"] = subject.value.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        }
        if let suspension {
            variables["TOLLGUARD_SUSPENSION_ID"] = String(suspension.id)
            variables["TOLLGUARD_UNTIL"] = suspension.until.map { $0.formatted(.iso8601) }
        }
        if let change {
            variables["TOLLGUARD_CHANGE"] = change.action
            variables["TOLLGUARD_CHANGE_BEFORE"] = change.before
            variables["TOLLGUARD_CHANGE_AFTER"] = change.after
        }
        if let figures {
            variables["TOLLGUARD_CALLS"] = String(figures.calls)
            variables["TOLLGUARD_COST"] = figures.cost
            variables["TOLLGUARD_CURRENCY"] = figures.currency
            // Names of the configured switches (letters, digits, `.`, `_`, `-`), comma-joined.
            variables["TOLLGUARD_SWITCHES"] = figures.switches?.joined(separator: ",")
        }
        // An environment string ends at NUL; nothing hostile may cut or join variables.
        return variables.mapValues { $0.replacingOccurrences(of: "\0", with: "") }
    }
}
