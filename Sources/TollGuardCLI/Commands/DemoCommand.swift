import ArgumentParser
import Foundation
import GRDB
import TollGuardCore

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a day of sample PBX traffic in a fresh folder, ingest it, and show what was stored.",
        discussion: "Touches nothing outside the folder (default ./tollguard-demo, emptied first)."
    )

    @Option(name: .long, help: "Folder for the demo's CDR file and database.")
    var directory = "tollguard-demo"

    @Option(name: .long, help: "Number of calls to generate.")
    var calls = 20_000

    @Option(name: .long, help: "Random seed; the same seed gives the same traffic.")
    var seed: UInt64 = 2026

    func run() throws {
        let folder = URL(fileURLWithPath: directory)
        let manager = FileManager.default
        if manager.fileExists(atPath: folder.path) {
            for name in try manager.contentsOfDirectory(atPath: folder.path)
            where name == "Master.csv" || name.hasPrefix("tollguard.sqlite") {
                try manager.removeItem(at: folder.appendingPathComponent(name))
            }
        }
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        let cdrPath = folder.appendingPathComponent("Master.csv").path
        let databasePath = folder.appendingPathComponent("tollguard.sqlite").path

        print("Generating \(calls) FreeSWITCH CDRs (example template) into \(cdrPath)")
        try ExampleCDRWriter.writeFile(path: cdrPath, rows: calls, seed: seed)
        let database = try TollGuardDatabase.open(path: databasePath)
        guard let utc = TimeZone(identifier: "UTC") else { throw ExitCode(1) }
        // The example rate deck and the default (US) dial plan price every call as it is stored.
        let deck = try RateDeck.parse(
            try ReferenceData.embedded.table("ratedeck-example.csv"), defaultCurrency: "USD")
        try database.replaceRateDeck(deck, sourcePath: "built-in Data/ratedeck-example.csv")
        var options = IngestOptions(timeZone: utc)
        options.rater = try TollGuardConfiguration().destinationRater(
            plan: try NumberingPlan.builtIn.get(), deck: deck)
        let ingester = CDRFileIngester(database: database, options: options)
        let started = Date()
        let summary = try ingester.ingest(path: cdrPath)
        let seconds = Date().timeIntervalSince(started)
        print(
            "Ingested: format \(summary.format.rawValue) (\(summary.formatSource)), \(summary.rowsRead) rows read, "
                + "\(summary.inserted) inserted, \(summary.rejected) rejected in " + String(format: "%.2f s", seconds))
        let again = try ingester.ingest(path: cdrPath)
        print("Ingested again: \(again.inserted) inserted (idempotent: the file's checkpoint is at its end)")

        print("\nTop accounts by spend (priced at ingest with the example rate deck):")
        try database.writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT account, count(*) AS calls, sum(disposition = 'answered') AS answered,
                           sum(billsec) / 60 AS minutes, sum(dest_scope = 'international') AS international,
                           sum(cost_micros) AS cost
                    FROM calls GROUP BY account ORDER BY cost DESC LIMIT 5
                    """)
            var table = TextTable("account", "calls", "answered", "minutes", "international", "spend (USD)")
            for row in rows {
                table.append([
                    row["account"], String(row["calls"] as Int), String(row["answered"] as Int),
                    String(row["minutes"] as Int), String(row["international"] as Int),
                    Money.format(row["cost"] as Int64, decimals: 2),
                ])
            }
            print(table.render())
        }
        print("\nDatabase: \(databasePath)")
        print("Try: sqlite3 \(databasePath) 'SELECT * FROM daily_calls_per_account LIMIT 10'")
    }
}
