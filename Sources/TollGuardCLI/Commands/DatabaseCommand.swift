import ArgumentParser
import Foundation
import GRDB
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
            try database.writer.read { db in
                for table in ["calls", "ingested_files", "rejected_rows"] {
                    let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
                    print("\(table): \(count) rows")
                }
            }
        }
    }
}
