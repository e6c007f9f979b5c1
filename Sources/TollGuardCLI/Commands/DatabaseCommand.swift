import ArgumentParser
import Foundation
import TollGuardCore

struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Inspect the store.",
        subcommands: [Status.self]
    )

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the database file, its migrations, and what it holds.")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            let database = try global.openDatabase(configuration)
            print("database: \(global.databasePath(configuration))")
            print("migrations: \(try database.appliedMigrations().joined(separator: ", "))")
            for (table, rows) in try database.rowCounts() {
                print("\(table): \(rows) rows")
            }
        }
    }
}
