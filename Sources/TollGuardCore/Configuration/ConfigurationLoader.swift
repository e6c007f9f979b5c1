import Foundation
import TOMLKit

/// Why the configuration file cannot be used.
package struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    package var path: String?
    /// Every problem found, one sentence each.
    package var reasons: [String]
    package var reason: String { reasons.joined(separator: "; ") }
    package var description: String {
        if let path { return "\(path): \(reason)" }
        return reason
    }

    package init(path: String?, reason: String) {
        self.path = path
        reasons = [reason]
    }

    package init(path: String?, reasons: [String]) {
        self.path = path
        self.reasons = reasons
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
        let problems = ConfigurationTypeCheck.problems(in: table)
        if !problems.isEmpty {
            // The rest of the file, decoded without the wrong values, for its other errors.
            // A hook that lost a value cannot be decoded: the others are checked without it.
            let brokenHooks = Set(problems.compactMap { $0.firstMatch(of: /^hooks\[(\d+)\]/).flatMap { Int($0.1) } })
            if !brokenHooks.isEmpty, let hooks = table["hooks"]?.array {
                let kept = TOMLArray()
                for index in 0..<hooks.count where !brokenHooks.contains(index) { kept.append(hooks[index]) }
                table["hooks"] = kept
            }
            var rest = try? TOMLDecoder().decode(TollGuardConfiguration.self, from: table)
            rest?.resolvePaths(writtenIn: table, configurationFile: path)
            let more = rest.map { $0.validationErrors() + $0.hookProgramErrors() } ?? []
            throw ConfigurationError(path: path, reasons: problems + more)
        }
        var configuration: TollGuardConfiguration
        do {
            configuration = try TOMLDecoder().decode(TollGuardConfiguration.self, from: table)
        } catch let error as DecodingError {
            throw ConfigurationError(path: path, reason: describe(error))
        } catch {
            throw ConfigurationError(path: path, reason: "\(error)")
        }
        configuration.resolvePaths(writtenIn: table, configurationFile: path)
        return LoadedConfiguration(
            configuration: configuration, path: path, unknownKeys: unknownKeys(in: table))
    }

    /// The effective configuration as TOML, secrets redacted.
    ///
    /// Whole numbers print as integers (`daily_quota = 5`, not `5.0`): they read back the same.
    package static func dump(_ configuration: TollGuardConfiguration) throws -> String {
        let text = try TOMLEncoder().encode(configuration)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard let match = line.wholeMatch(of: /(\s*[^=]+= )(-?\d+)\.0/) else { return String(line) }
            return String(match.1 + match.2)
        }.joined(separator: "\n")
    }

    private static func unknownKeys(in table: TOMLTable) -> [String] {
        guard let reference = try? TOMLTable(TollGuardConfiguration()) else { return [] }
        var unknown: [String] = []
        func walk(_ table: TOMLTable, _ reference: TOMLTable, prefix: String) {
            for key in table.keys {
                let path = prefix.isEmpty ? key : prefix + "." + key
                // Free-form maps: any key is allowed (validated separately).
                if path.hasPrefix("ingest.csv.columns") || path == "suspension.rules" { continue }
                // Hook and live-source tables are checked key by key when decoded.
                if ["hooks", "event_socket", "ami"].contains(path) { continue }
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
            let key = path(context).replacing(/\[\d+\]/, with: "")
            if let allowed = ConfigurationTypeCheck.choices[key] {
                return "\(path(context)): not one of \(allowed.joined(separator: ", "))"
            }
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
