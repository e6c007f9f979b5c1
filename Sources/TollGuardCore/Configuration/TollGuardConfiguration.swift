import Foundation

/// Everything an operator can set in `tollguard.toml`. Every setting has a default, so no
/// file is needed; the file only holds what differs.
package struct TollGuardConfiguration: Sendable, Codable, Equatable {
    /// The newest configuration version this build reads.
    package static let currentVersion = 1

    /// Schema version of the file (`version = 1`).
    package var version = currentVersion
    package var site = Site()
    package var database = DatabaseSettings()
    package var ingest = Ingest()

    package init() {}

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

        package init() {}

        enum CodingKeys: String, CodingKey {
            case path
            case busyTimeoutMilliseconds = "busy_timeout_ms"
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = DatabaseSettings()
            path = try container.decodeIfPresent(String.self, forKey: .path) ?? defaults.path
            busyTimeoutMilliseconds =
                try container.decodeIfPresent(Int.self, forKey: .busyTimeoutMilliseconds)
                ?? defaults.busyTimeoutMilliseconds
        }
    }

    /// How CDR files are read.
    package struct Ingest: Sendable, Codable, Equatable {
        /// Format used when `--format` is not given (`auto` detects it).
        package var format = CDRFormat.auto
        /// Rows per transaction (and per checkpoint).
        package var batchSize = 20_000
        /// A field longer than this rejects its row.
        package var maxFieldBytes = 65_536
        /// A line longer than this is cut, rejected and skipped.
        package var maxLineBytes = 4 << 20
        package var csv = CSV()

        package init() {}

        enum CodingKeys: String, CodingKey {
            case format
            case batchSize = "batch_size"
            case maxFieldBytes = "max_field_bytes"
            case maxLineBytes = "max_line_bytes"
            case csv
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Ingest()
            format = try container.decodeIfPresent(CDRFormat.self, forKey: .format) ?? defaults.format
            batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
            maxFieldBytes = try container.decodeIfPresent(Int.self, forKey: .maxFieldBytes) ?? defaults.maxFieldBytes
            maxLineBytes = try container.decodeIfPresent(Int.self, forKey: .maxLineBytes) ?? defaults.maxLineBytes
            csv = try container.decodeIfPresent(CSV.self, forKey: .csv) ?? defaults.csv
        }
    }

    /// The generic CSV format.
    package struct CSV: Sendable, Codable, Equatable {
        /// Our field name → the file's header name, e.g. `destination = "dialed"`.
        package var columns: [String: String] = [:]

        package init() {}

        enum CodingKeys: String, CodingKey { case columns }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            columns = try container.decodeIfPresent([String: String].self, forKey: .columns) ?? [:]
        }
    }

    enum CodingKeys: String, CodingKey { case version, site, database, ingest }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decodeIfPresent(Int.self, forKey: .version) ?? Self.currentVersion
        site = try container.decodeIfPresent(Site.self, forKey: .site) ?? Site()
        database = try container.decodeIfPresent(DatabaseSettings.self, forKey: .database) ?? DatabaseSettings()
        ingest = try container.decodeIfPresent(Ingest.self, forKey: .ingest) ?? Ingest()
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
    package func validationErrors() -> [String] {
        var errors: [String] = []
        if version < 1 || version > Self.currentVersion {
            errors.append("version = \(version): this build reads configuration version 1 to \(Self.currentVersion)")
        }
        if siteTimeZone == nil {
            errors.append("site.timezone = \"\(site.timezone)\" is not a time zone (use an IANA name like \"Europe/Berlin\", or \"local\")")
        }
        if ingest.batchSize < 1 { errors.append("ingest.batch_size must be at least 1") }
        if ingest.maxFieldBytes < 16 { errors.append("ingest.max_field_bytes must be at least 16") }
        if ingest.maxLineBytes < ingest.maxFieldBytes {
            errors.append("ingest.max_line_bytes must be at least ingest.max_field_bytes")
        }
        if database.busyTimeoutMilliseconds < 0 { errors.append("database.busy_timeout_ms cannot be negative") }
        for key in ingest.csv.columns.keys where GenericCSVField(rawValue: key) == nil {
            errors.append(
                "ingest.csv.columns.\(key) is not a call field (known: "
                    + GenericCSVField.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        return errors
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
