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
            let database = try global.openStoreToRead(configuration)
            print("database: \(global.databasePath(configuration))")
            print("migrations: \(try database.appliedMigrations().joined(separator: ", "))")
            for (table, rows) in try database.rowCounts() {
                print("\(table): \(Plural.of(rows, "row"))")
            }
            let files = try database.ingestedFiles(limit: 20)
            if !files.isEmpty {
                print("files read, latest first (the format each was read with):")
                for file in files {
                    print(
                        TextTable.printable(
                            "  \(file.path): \(file.format), \(Plural.of(file.rowsRead, "row")) read, \(file.inserted) inserted, "
                                + "\(file.rejected) rejected\(file.isCompleted ? "" : ", not read to its end")"))
                }
            }
            let problems = try database.integrityProblems()
            guard problems.isEmpty else {
                throw CommandFailure(
                    "the store is damaged (SQLite quick_check):\n  "
                        + problems.map(TextTable.printable)
                        .joined(separator: "\n  ") + "\nrestore it from a backup, or move it away to start a new one")
            }
            print("integrity: ok (quick_check)")
        }
    }
}
