import ArgumentParser
import Foundation
import TollGuardCore

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check or print the configuration.",
        subcommands: [Check.self, Dump.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration file; exits non-zero when it cannot be used.")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let loaded: LoadedConfiguration
            do {
                loaded = try ConfigurationLoader.load(explicitPath: global.config)
            } catch {
                for reason in error.reasons { print("error: \(error.path.map { "\($0): " } ?? "")\(reason)") }
                throw ExitCode(1)
            }
            let source = loaded.path ?? "no file (built-in defaults)"
            for key in loaded.unknownKeys { print("warning: \(source): unknown setting \(key) is ignored") }
            let errors = loaded.configuration.validationErrors() + loaded.configuration.hookProgramErrors()
            for error in errors { print("error: \(source): \(error)") }
            guard errors.isEmpty else { throw ExitCode(1) }
            print("ok: \(source) (configuration version \(loaded.configuration.version))")
            print("database: \(global.databasePath(loaded.configuration))")
            print("site time zone: \(loaded.configuration.siteTimeZone?.identifier ?? "?")")
            let plan = loaded.configuration.dialplan.site
            let prefixes = plan.outsideLinePrefixes.isEmpty ? "none" : plan.outsideLinePrefixes.joined(separator: ", ")
            // Shown because a wrong home region (the default is US) blinds the destination checks.
            print(
                "dial plan: home region \(plan.homeRegion), outside-line prefixes \(prefixes) "
                    + "(tollguard classify NUMBER shows how a dialled number is read)")
        }
    }

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration as TOML (defaults filled in, secrets redacted).")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            var configuration = try global.loadConfiguration().configuration
            // Paths as they are used (relative ones from the current folder), so the dump reads back the same.
            let absolute = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
            configuration.database.path = absolute(global.databasePath(configuration))
            configuration.reports.directory = absolute(configuration.reports.directory)
            print(try ConfigurationLoader.dump(configuration))
        }
    }
}
