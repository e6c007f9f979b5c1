import Foundation
import TOMLKit

/// Why the configuration file cannot be used.
package struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    package var path: String?
    package var reason: String
    package var description: String {
        if let path { return "\(path): \(reason)" }
        return reason
    }
}

/// A configuration together with where it came from and what looked odd in it.
package struct LoadedConfiguration: Sendable {
    package var configuration: TollGuardConfiguration
    /// The file read, or `nil` when only defaults apply.
    package var path: String?
    /// Keys in the file that no setting uses (typos, settings of a newer version).
    package var unknownKeys: [String]
}

/// Finds, reads and decodes `tollguard.toml`.
///
/// The file is the one named by `--config`, else `TOLLGUARD_CONFIG`, else `./tollguard.toml`,
/// else `/etc/tollguard/tollguard.toml`; when none exists the defaults apply.
package enum ConfigurationLoader {
    package static let searchPaths = ["tollguard.toml", "/etc/tollguard/tollguard.toml"]

    /// Loads the configuration named by `explicitPath` or the environment, or the defaults.
    package static func load(
        explicitPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> LoadedConfiguration {
        let named = explicitPath ?? environment["TOLLGUARD_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if let named {
            guard FileManager.default.fileExists(atPath: named) else {
                throw ConfigurationError(path: named, reason: "no such configuration file")
            }
            return try read(path: named)
        }
        for candidate in searchPaths where FileManager.default.fileExists(atPath: candidate) {
            return try read(path: candidate)
        }
        return LoadedConfiguration(configuration: TollGuardConfiguration(), path: nil, unknownKeys: [])
    }

    /// Reads and decodes one file.
    package static func read(path: String) throws(ConfigurationError) -> LoadedConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(text, path: path)
    }

    /// Decodes TOML text.
    package static func decode(_ text: String, path: String? = nil) throws(ConfigurationError) -> LoadedConfiguration {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                path: path, reason: "line \(error.source.begin.line): \(error.description)")
        } catch {
            throw ConfigurationError(path: path, reason: "\(error)")
        }
        var configuration: TollGuardConfiguration
        do {
            configuration = try TOMLDecoder().decode(TollGuardConfiguration.self, from: table)
        } catch let error as DecodingError {
            throw ConfigurationError(path: path, reason: describe(error))
        } catch {
            throw ConfigurationError(path: path, reason: "\(error)")
        }
        if let path {
            configuration.resolvePaths(
                writtenIn: table, folder: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }
        return LoadedConfiguration(
            configuration: configuration, path: path, unknownKeys: unknownKeys(in: table))
    }

    /// The effective configuration as TOML, secrets redacted.
    package static func dump(_ configuration: TollGuardConfiguration) throws -> String {
        try TOMLEncoder().encode(configuration)
    }

    private static func unknownKeys(in table: TOMLTable) -> [String] {
        guard let reference = try? TOMLTable(TollGuardConfiguration()) else { return [] }
        var unknown: [String] = []
        func walk(_ table: TOMLTable, _ reference: TOMLTable, prefix: String) {
            for key in table.keys {
                let path = prefix.isEmpty ? key : prefix + "." + key
                // Free-form maps: any key is allowed (validated separately).
                if path.hasPrefix("ingest.csv.columns") || path == "suspension.rules" { continue }
                // Hook tables are checked key by key when decoded.
                if path == "hooks" { continue }
                // Analysis tables are checked key by key when decoded (unknown limit names are errors).
                if ["analysis.account", "analysis.ip", "analysis.trunk", "analysis.groups", "analysis.accounts"]
                    .contains(path)
                {
                    continue
                }
                if path == "dialplan.contexts", let contexts = table[key]?.table {
                    for name in contexts.keys {
                        for setting in contexts[name]?.table?.keys ?? []
                        where DialPlan.CodingKeys(rawValue: setting) == nil {
                            unknown.append("\(path).\(name).\(setting)")
                        }
                    }
                    continue
                }
                guard let expected = reference[key] else {
                    // Optional dial-plan settings with no default are absent from the reference.
                    if prefix == "dialplan", DialPlan.CodingKeys(rawValue: key) != nil { continue }
                    unknown.append(path)
                    continue
                }
                if let child = table[key]?.table, let expectedChild = expected.table {
                    walk(child, expectedChild, prefix: path)
                }
            }
        }
        walk(table, reference, prefix: "")
        return unknown.sorted()
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.reduce(into: "") { text, key in
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context)): expected \(type) (\(context.debugDescription))"
        case .valueNotFound(let type, let context):
            return "\(path(context)): missing \(type)"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing key \(key.stringValue)"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
