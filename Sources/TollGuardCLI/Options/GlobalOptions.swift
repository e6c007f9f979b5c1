import ArgumentParser
import Foundation
import TollGuardCore

/// Options every command takes: where the configuration and the store are.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Configuration file (default: $TOLLGUARD_CONFIG, ./tollguard.toml, /etc/tollguard/tollguard.toml).")
    var config: String?

    @Option(name: .long, help: "SQLite database file (default: $TOLLGUARD_DB, then [database] path).")
    var db: String?

    /// The loaded configuration; a broken file is a validation error naming it.
    ///
    /// `checkingDialPlan: false` for commands that classify no number (the check compiles every dial plan).
    func loadConfiguration(checkingDialPlan: Bool = true) throws -> LoadedConfiguration {
        do {
            let loaded = try ConfigurationLoader.load(explicitPath: config)
            let errors = loaded.configuration.validationErrors(includingDialPlan: checkingDialPlan)
            guard errors.isEmpty else {
                throw CommandFailure((loaded.path.map { "\($0): " } ?? "") + errors.joined(separator: "; "))
            }
            return loaded
        } catch let error as ConfigurationError {
            throw CommandFailure(error.description)
        }
    }

    /// The store path: `--db`, then `TOLLGUARD_DB`, then the configuration.
    func databasePath(_ configuration: TollGuardConfiguration) -> String {
        if let db { return db }
        if let fromEnvironment = ProcessInfo.processInfo.environment["TOLLGUARD_DB"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return configuration.database.path
    }

    /// The built-in numbering plan; a broken build is reported, not crashed on.
    func numberingPlan() throws -> NumberingPlan {
        do {
            return try NumberingPlan.builtIn.get()
        } catch {
            throw CommandFailure("reference data: \(error.description)")
        }
    }

    /// Classifies and prices calls with the configured dial plan, the stored rate deck and the fallback rate.
    func destinationRater(_ configuration: TollGuardConfiguration, database: TollGuardDatabase?) throws
        -> DestinationRater
    {
        try destinationRater(configuration, deck: try database?.rateDeck() ?? .empty)
    }

    /// The rater of `configuration`'s dial plan with `deck`.
    func destinationRater(_ configuration: TollGuardConfiguration, deck: RateDeck) throws -> DestinationRater {
        do {
            return try configuration.destinationRater(plan: try numberingPlan(), deck: deck)
        } catch let error as DialPlanError {
            throw CommandFailure(error.description)
        }
    }

    /// Opens the store only if its file exists (for commands that can do without one).
    func openExistingDatabase(_ configuration: TollGuardConfiguration) throws -> TollGuardDatabase? {
        guard FileManager.default.fileExists(atPath: databasePath(configuration)) else { return nil }
        return try openDatabase(configuration)
    }

    /// Opens the store a read command answers from; a store that does not exist is an error
    /// naming the path and where it came from, never a new empty store and an empty answer.
    func openStoreToRead(_ configuration: TollGuardConfiguration) throws -> TollGuardDatabase {
        guard let database = try openExistingDatabase(configuration) else {
            let path = databasePath(configuration)
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            throw CommandFailure(
                "no database at \(absolute) (\(databasePathOrigin(configuration))): nothing was ever stored there. "
                    + "Name the store with --db or [database] path, or fill it with 'tollguard ingest'.")
        }
        return database
    }

    /// Where ``databasePath(_:)`` took the path from, for messages.
    func databasePathOrigin(_ configuration: TollGuardConfiguration) -> String {
        if db != nil { return "--db" }
        if let fromEnvironment = ProcessInfo.processInfo.environment["TOLLGUARD_DB"], !fromEnvironment.isEmpty {
            return "TOLLGUARD_DB"
        }
        if let loaded = try? ConfigurationLoader.load(explicitPath: config), let path = loaded.path {
            return "[database] path of \(path)"
        }
        return "the default, in the current folder; no configuration file was found"
    }

    /// Opens (and migrates) the store.
    func openDatabase(_ configuration: TollGuardConfiguration, loadingNewStoreDirectly: Bool = false) throws
        -> TollGuardDatabase
    {
        let path = databasePath(configuration)
        do {
            return try TollGuardDatabase.open(
                path: path, busyTimeout: .milliseconds(configuration.database.busyTimeoutMilliseconds),
                loadingNewStoreDirectly: loadingNewStoreDirectly)
        } catch {
            throw CommandFailure("cannot open the database \(path): \(error)")
        }
    }
}

extension GlobalOptions {
    /// The site's time zone from a validated configuration.
    func siteTimeZone(_ configuration: TollGuardConfiguration) -> TimeZone {
        configuration.siteTimeZone ?? .current
    }

    /// How alerts are summed up at this site: its time zone and currency.
    func summarizer(_ configuration: TollGuardConfiguration) -> AlertSummarizer {
        AlertSummarizer(
            timeZone: siteTimeZone(configuration), currency: configuration.rating.currency, countryNames: [:])
    }

    /// A `--from`/`--to`/`--since` value: a local date or date and time in the site's zone.
    func localDate(_ text: String, option: String, zone: TimeZone) throws -> Date {
        var converter = LocalTimeConverter(timeZone: zone)
        guard let date = converter.date(localText: text) else {
            throw ValidationError("\(option) \(text): use YYYY-MM-DD or \"YYYY-MM-DD HH:MM\" (site time)")
        }
        return date
    }

    /// Who a person's change is recorded as: `--by`, else the login name.
    static func actor(_ explicit: String?) -> String {
        let environment = ProcessInfo.processInfo.environment
        return explicit ?? environment["SUDO_USER"] ?? environment["USER"] ?? "cli"
    }
}
