import ArgumentParser
import Foundation
import Logging
import TollGuardCore
import TollGuardHooks

@main
struct TollGuardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollguard",
        abstract: "Toll-fraud detection for FreeSWITCH and Asterisk PBXes.",
        discussion: """
            TollGuard loads CDRs into a SQLite store and watches them for toll fraud.
            Settings come from tollguard.toml (--config or TOLLGUARD_CONFIG); the store from --db or TOLLGUARD_DB.

            Exit status: 0 done; 1 failed (one line says why: a store, file or configuration problem, an alert \
            or list that does not exist, a hook delivery that failed); 3 ingest --strict rejected rows; \
            64 a usage mistake (the usage is printed).
            """,
        version: "0.1.0",
        subcommands: [
            DemoCommand.self, SimulateCommand.self, IngestCommand.self, AnalyzeCommand.self, ReportCommand.self,
            AlertsCommand.self, SuspendCommand.self, UnsuspendCommand.self, SuspensionsCommand.self, KillsCommand.self,
            HooksCommand.self, LogsCommand.self, QuotaCommand.self, ClassifyCommand.self, RatesCommand.self,
            ListsCommand.self, UsersCommand.self,
            ServeCommand.self, ClusterCommand.self, ConfigCommand.self, DatabaseCommand.self,
        ]
    )

    static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            let level = ProcessInfo.processInfo.environment["TOLLGUARD_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            handler.logLevel = level ?? .warning
            return handler
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // A damaged page met mid-command is said as what it is, not as SQLite's error number.
            exit(withError: StoreOpenError.damage(in: error).map { CommandFailure($0.description) } ?? error)
        }
    }
}
