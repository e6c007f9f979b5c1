import Foundation

/// Everything an operator can set in `tollguard.toml`.
///
/// Every setting has a default, so no
/// file is needed; the file only holds what differs.
package struct TollGuardConfiguration: Sendable, Codable, Equatable {
    /// The newest configuration version this build reads.
    package static let currentVersion = 1

    /// Schema version of the file (`version = 1`).
    package var version = currentVersion
    package var site = Site()
    package var database = DatabaseSettings()
    package var ingest = Ingest()
    package var dialplan = DialPlanSettings()
    package var rating = Rating()
    package var analysis = AnalysisSettings()
    package var reports = Reports()
    package var suspension = SuspensionPolicy()
    /// `[[hooks]]`: programs and webhooks told of alerts and suspensions.
    package var hooks: [HookSettings] = []
    package var hookDelivery = HookDeliverySettings()
    package var sipWatch = SIPWatchSettings()
    /// `[event_socket]` (one FreeSWITCH) or `[[event_socket]]` (several, each with a `name`).
    package var eventSockets: [EventSocketSettings] = []
    /// `[[ami]]`: the Asterisk Managers read live.
    package var managers: [AMISettings] = []
    package var cdrPost = CDRPostSettings()
    package var cdrTail = CDRTailSettings()
    package var cluster = ClusterSettings()

    package init() {}

    /// The site dial plan, and per-context differences for PBXes that serve several sites.
    package struct DialPlanSettings: Sendable, Codable, Equatable {
        package var site = DialPlan()
        /// Dial-plan context (FreeSWITCH context, Asterisk dcontext) → what differs there.
        package var contexts: [String: DialPlan.Override] = [:]

        package init() {}

        enum CodingKeys: String, CodingKey { case contexts }

        package init(from decoder: any Decoder) throws {
            site = try DialPlan(from: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            contexts = try container.decodeIfPresent([String: DialPlan.Override].self, forKey: .contexts) ?? [:]
        }

        package func encode(to encoder: any Encoder) throws {
            try site.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            if !contexts.isEmpty { try container.encode(contexts, forKey: .contexts) }
        }

        /// The dial plan in force for `context`.
        package func plan(forContext context: String) -> DialPlan {
            contexts[context].map(site.applying) ?? site
        }
    }

    /// How calls are priced.
    package struct Rating: Sendable, Codable, Equatable {
        /// Currency of the rate deck and of quotas.
        package var currency = "USD"
        /// Per-minute price for international destinations the rate deck does not cover (flagged `unpriced`).
        package var fallbackRatePerMinute = 1.0

        package init() {}

        enum CodingKeys: String, CodingKey {
            case currency
            case fallbackRatePerMinute = "fallback_rate_per_min"
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Rating()
            currency = try container.decodeIfPresent(String.self, forKey: .currency) ?? defaults.currency
            fallbackRatePerMinute =
                try container.decodeNumberIfPresent(forKey: .fallbackRatePerMinute)
                ?? defaults.fallbackRatePerMinute
        }
    }

    /// The PBX site TollGuard watches.
    package struct Site: Sendable, Codable, Equatable {
        /// IANA time zone the PBX writes CDR times in (`Europe/Berlin`), or `local` for this machine's zone.
        package var timezone = "local"

        package init() {}

        enum CodingKeys: String, CodingKey { case timezone }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            timezone = try container.decodeIfPresent(String.self, forKey: .timezone) ?? "local"
        }
    }

    /// Where the store lives.
    package struct DatabaseSettings: Sendable, Codable, Equatable {
        /// Path of the SQLite file; `TOLLGUARD_DB` and `--db` override it.
        package var path = "tollguard.sqlite"
        /// How long a writer waits for another process's lock, in milliseconds.
        package var busyTimeoutMilliseconds = 5000
        /// The cluster's PostgreSQL store (``PostgresURL``); empty: this box alone, on SQLite.
        ///
        /// With one, `serve` ships the calls its SQLite store journals to it.
        package var url = ""

        package init() {}

        enum CodingKeys: String, CodingKey {
            case path, url
            case busyTimeoutMilliseconds = "busy_timeout_ms"
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = DatabaseSettings()
            path = try container.decodeIfPresent(String.self, forKey: .path) ?? defaults.path
            busyTimeoutMilliseconds =
                try container.decodeIfPresent(Int.self, forKey: .busyTimeoutMilliseconds)
                ?? defaults.busyTimeoutMilliseconds
            url = try container.decodeIfPresent(String.self, forKey: .url) ?? defaults.url
        }

        /// `url` read; nil when none is set (a parse error is a validation error).
        package var postgresURL: PostgresURL? {
            url.isEmpty ? nil : try? PostgresURL(parsing: url)
        }
    }

    /// How CDR files are read.
    package struct Ingest: Sendable, Codable, Equatable {
        /// CDR files `tollguard ingest` loads when it is named none (the nightly timer's).
        package var files: [String] = []
        /// Format used when `--format` is not given (`auto` detects it).
        package var format = CDRFormat.auto
        /// Rows per transaction (and per checkpoint).
        package var batchSize = 10_000
        /// A field longer than this rejects its row.
        package var maxFieldBytes = 65_536
        /// A line longer than this is cut, rejected and skipped.
        package var maxLineBytes = 4 << 20
        package var csv = CSV()

        package init() {}

        enum CodingKeys: String, CodingKey {
            case files, format
            case batchSize = "batch_size"
            case maxFieldBytes = "max_field_bytes"
            case maxLineBytes = "max_line_bytes"
            case csv
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Ingest()
            files = try container.decodeIfPresent([String].self, forKey: .files) ?? defaults.files
            format = try container.decodeIfPresent(CDRFormat.self, forKey: .format) ?? defaults.format
            batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
            maxFieldBytes = try container.decodeIfPresent(Int.self, forKey: .maxFieldBytes) ?? defaults.maxFieldBytes
            maxLineBytes = try container.decodeIfPresent(Int.self, forKey: .maxLineBytes) ?? defaults.maxLineBytes
            csv = try container.decodeIfPresent(CSV.self, forKey: .csv) ?? defaults.csv
        }
    }

    /// The generic CSV format.
    package struct CSV: Sendable, Codable, Equatable {
        /// Our field name → the file's header name, as in `destination = "dialed"`.
        package var columns: [String: String] = [:]

        package init() {}

        enum CodingKeys: String, CodingKey { case columns }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            columns = try container.decodeIfPresent([String: String].self, forKey: .columns) ?? [:]
        }
    }

    /// `[reports]`: where `analyze` writes the morning report.
    package struct Reports: Sendable, Codable, Equatable {
        /// Folder for `YYYY-MM-DD.html`, `.json` and `-alerts.csv`.
        package var directory = "reports"
        /// Whether `analyze` writes a report for each day it analyzes.
        package var enabled = true

        package init() {}

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            directory = try container.decodeIfPresent(String.self, forKey: .directory) ?? "reports"
            enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        }
    }

    enum CodingKeys: String, CodingKey {
        case version, site, database, ingest, dialplan, rating, analysis, reports, suspension, hooks
        case hookDelivery = "hook_delivery"
        case sipWatch = "sip_watch"
        case eventSockets = "event_socket"
        case managers = "ami"
        case cdrPost = "cdr_post"
        case cdrTail = "cdr_tail"
        case cluster
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decodeIfPresent(Int.self, forKey: .version) ?? Self.currentVersion
        site = try container.decodeIfPresent(Site.self, forKey: .site) ?? Site()
        database = try container.decodeIfPresent(DatabaseSettings.self, forKey: .database) ?? DatabaseSettings()
        ingest = try container.decodeIfPresent(Ingest.self, forKey: .ingest) ?? Ingest()
        dialplan = try container.decodeIfPresent(DialPlanSettings.self, forKey: .dialplan) ?? DialPlanSettings()
        rating = try container.decodeIfPresent(Rating.self, forKey: .rating) ?? Rating()
        analysis = try container.decodeIfPresent(AnalysisSettings.self, forKey: .analysis) ?? AnalysisSettings()
        reports = try container.decodeIfPresent(Reports.self, forKey: .reports) ?? Reports()
        suspension = try container.decodeIfPresent(SuspensionPolicy.self, forKey: .suspension) ?? SuspensionPolicy()
        hooks = try container.decodeIfPresent([HookSettings].self, forKey: .hooks) ?? []
        hookDelivery =
            try container.decodeIfPresent(HookDeliverySettings.self, forKey: .hookDelivery) ?? HookDeliverySettings()
        sipWatch = try container.decodeIfPresent(SIPWatchSettings.self, forKey: .sipWatch) ?? SIPWatchSettings()
        eventSockets = try Self.decodeEventSockets(container)
        managers = try container.decodeIfPresent([AMISettings].self, forKey: .managers) ?? []
        cdrPost = try container.decodeIfPresent(CDRPostSettings.self, forKey: .cdrPost) ?? CDRPostSettings()
        cdrTail = try container.decodeIfPresent(CDRTailSettings.self, forKey: .cdrTail) ?? CDRTailSettings()
        cluster = try container.decodeIfPresent(ClusterSettings.self, forKey: .cluster) ?? ClusterSettings()
    }

    /// `[event_socket]` as one table (read only with `enabled = true`, as it always was), or
    /// `[[event_socket]]` as a list (each read unless `enabled = false`).
    private static func decodeEventSockets(_ container: KeyedDecodingContainer<CodingKeys>) throws
        -> [EventSocketSettings]
    {
        guard container.contains(.eventSockets) else { return [] }
        if (try? container.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .eventSockets)) != nil {
            // The defaults (off) as a table say what no table says.
            let single = try container.decode(EventSocketSettings.self, forKey: .eventSockets)
            return single == EventSocketSettings() ? [] : [single]
        }
        return try container.decode([ListedEventSocket].self, forKey: .eventSockets).map(\.settings)
    }

    /// One `[[event_socket]]` of a list: enabled unless it says otherwise.
    private struct ListedEventSocket: Decodable {
        var settings: EventSocketSettings

        init(from decoder: any Decoder) throws {
            settings = try EventSocketSettings(from: decoder)
            let keys = try decoder.container(keyedBy: EventSocketSettings.CodingKeys.self)
            if !keys.contains(.enabled) { settings.enabled = true }
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(site, forKey: .site)
        try container.encode(database, forKey: .database)
        try container.encode(ingest, forKey: .ingest)
        try container.encode(dialplan, forKey: .dialplan)
        try container.encode(rating, forKey: .rating)
        try container.encode(analysis, forKey: .analysis)
        try container.encode(reports, forKey: .reports)
        try container.encode(suspension, forKey: .suspension)
        try container.encode(hooks, forKey: .hooks)
        try container.encode(hookDelivery, forKey: .hookDelivery)
        try container.encode(sipWatch, forKey: .sipWatch)
        // One switch reads back as the table it was always written as.
        if eventSockets.count > 1 {
            try container.encode(eventSockets, forKey: .eventSockets)
        } else {
            try container.encode(eventSocket, forKey: .eventSockets)
        }
        if !managers.isEmpty { try container.encode(managers, forKey: .managers) }
        try container.encode(cdrPost, forKey: .cdrPost)
        try container.encode(cdrTail, forKey: .cdrTail)
        try container.encode(cluster, forKey: .cluster)
    }

    /// The first (or only) event socket: what a single `[event_socket]` table sets.
    package var eventSocket: EventSocketSettings {
        get { eventSockets.first ?? EventSocketSettings() }
        set {
            if eventSockets.isEmpty { eventSockets = [newValue] } else { eventSockets[0] = newValue }
        }
    }

    /// What the live source of switch `name` does to the calls of suspended accounts (the
    /// first event socket's, or the defaults, for a call that names no switch).
    package func killPolicy(ofSwitch name: String?) -> LiveKillPolicy {
        if let name {
            if let socket = eventSockets.first(where: { $0.name == name }) { return socket.killPolicy }
            if let manager = managers.first(where: { $0.name == name }) { return manager.killPolicy }
        }
        return eventSocket.killPolicy
    }

    /// The live sources read: the enabled event sockets and Managers.
    package var liveSwitchNames: [String] {
        eventSockets.filter(\.enabled).map(\.name) + managers.filter(\.enabled).map(\.name)
    }
}

extension TollGuardConfiguration {
    /// The site's time zone; `nil` when `site.timezone` names no known zone.
    package var siteTimeZone: TimeZone? {
        Self.timeZone(named: site.timezone)
    }

    /// Resolves `local`, `UTC` and IANA names.
    package static func timeZone(named name: String) -> TimeZone? {
        switch name.lowercased() {
        case "local", "system": return TimeZone.current
        case "utc", "gmt", "z": return TimeZone(identifier: "UTC")
        default: return TimeZone(identifier: name)
        }
    }

    /// Problems that make the configuration unusable, as sentences naming the setting.
    ///
    /// `includingDialPlan: false` skips compiling the dial plans (commands that classify no number).
    package func validationErrors(includingDialPlan: Bool = true) -> [String] {
        var errors: [String] = []
        if version < 1 || version > Self.currentVersion {
            errors.append("version = \(version): this build reads configuration version 1 to \(Self.currentVersion)")
        }
        if siteTimeZone == nil {
            errors.append(
                "site.timezone = \"\(site.timezone)\" is not a time zone (use an IANA name like \"Europe/Berlin\", or \"local\")"
            )
        }
        if ingest.batchSize < 1 { errors.append("ingest.batch_size must be at least 1") }
        if ingest.maxFieldBytes < 16 { errors.append("ingest.max_field_bytes must be at least 16") }
        if ingest.maxLineBytes < ingest.maxFieldBytes {
            errors.append("ingest.max_line_bytes must be at least ingest.max_field_bytes")
        }
        if database.busyTimeoutMilliseconds < 0 { errors.append("database.busy_timeout_ms cannot be negative") }
        if !database.url.isEmpty {
            do { _ = try PostgresURL(parsing: database.url) } catch { errors.append("database.url: \(error)") }
        }
        errors += cluster.validationErrors()
        for key in ingest.csv.columns.keys where GenericCSVField(rawValue: key) == nil {
            errors.append(
                "ingest.csv.columns.\(key) is not a call field (known: "
                    + GenericCSVField.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        if rating.fallbackRatePerMinute < 0 { errors.append("rating.fallback_rate_per_min cannot be negative") }
        errors += analysis.validationErrors()
        errors += suspension.validationErrors()
        errors += hookDelivery.validationErrors()
        errors += sipWatch.validationErrors()
        errors += liveSourceErrors()
        errors += cdrPost.validationErrors()
        errors += cdrTail.validationErrors()
        var hookNames: Set<String> = []
        for (index, hook) in hooks.enumerated() {
            errors += hook.validationErrors(index: index)
            if !hookNames.insert(hook.name).inserted {
                errors.append("hooks[\(index)]: the name \"\(hook.name)\" is used twice")
            }
        }
        if includingDialPlan, case .success(let plan) = NumberingPlan.builtIn {
            do {
                _ = try destinationRater(plan: plan, deck: .empty)
            } catch {
                errors.append(error.description)
            }
        }
        return errors
    }

    /// Problems of the live sources: each source's settings, and names that tell the switches apart.
    private func liveSourceErrors() -> [String] {
        var errors: [String] = []
        var names: Set<String> = []
        func check(_ name: String, setting: String) {
            let allowed = name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x5F || byte == 0x2E
            }
            if name.isEmpty || name.count > 64 || !allowed {
                errors.append("\(setting).name \"\(name)\" must be 1 to 64 letters, digits, '-', '_' or '.'")
            } else if !names.insert(name).inserted {
                errors.append("\(setting).name \"\(name)\" is used by another switch: give each switch its own name")
            }
        }
        for (index, socket) in eventSockets.enumerated() {
            let setting = eventSockets.count == 1 ? "event_socket" : "event_socket[\(index)]"
            errors += socket.validationErrors(setting: setting)
            if socket.enabled { check(socket.name, setting: setting) }
        }
        for (index, manager) in managers.enumerated() {
            errors += manager.validationErrors(index: index)
            if manager.enabled { check(manager.name, setting: "ami[\(index)]") }
        }
        return errors
    }

    /// Classifiers for the site and each context, with `deck` and the fallback rate.
    package func destinationRater(plan: NumberingPlan, deck: RateDeck) throws(DialPlanError) -> DestinationRater {
        func classifier(_ dialPlan: DialPlan, setting: String) throws(DialPlanError) -> NumberClassifier {
            do {
                return try NumberClassifier(plan: plan, dialPlan: dialPlan)
            } catch {
                throw DialPlanError("\(setting).\(error.description)")
            }
        }
        let site = try classifier(dialplan.site, setting: "dialplan")
        var contexts: [String: NumberClassifier] = [:]
        for name in dialplan.contexts.keys.sorted() {
            contexts[name] = try classifier(dialplan.plan(forContext: name), setting: "dialplan.contexts.\(name)")
        }
        return DestinationRater(
            classifier: site, contextClassifiers: contexts, deck: deck,
            fallbackRatePerMinuteMicros: Money.micros(rating.fallbackRatePerMinute))
    }

    /// The ingest options this configuration implies.
    package func ingestOptions(timeZone: TimeZone) -> IngestOptions {
        var options = IngestOptions(timeZone: timeZone)
        options.format = ingest.format
        options.batchSize = ingest.batchSize
        options.maxFieldBytes = ingest.maxFieldBytes
        options.maxLineBytes = ingest.maxLineBytes
        options.columnMap = ingest.csv.columns
        return options
    }
}
