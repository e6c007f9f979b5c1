import ArgumentParser
import Foundation
import TollGuardCluster
import TollGuardCore

struct RatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rates",
        abstract: "Manage the rate deck that prices calls.",
        discussion: """
            On a node of a cluster (database.url set), the deck is the cluster's: every node prices its switches' \
            new calls with an import within seconds. rates reprice prices the cluster's stored calls again (--local: \
            this node's).
            """,
        subcommands: [Import.self, Reprice.self, Show.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the rate deck with a CSV file.",
            discussion: """
                The CSV has a header with prefix (E.164 digits), destination, rate_per_min, and optionally \
                connect_fee, billing (60/60, 30/6, 1/1; default 60/60), currency, effective_from (YYYY-MM-DD, UTC). \
                The longest matching prefix prices a call. A bad row stops the import with its line number and the \
                old deck stays. Stored calls keep their old prices until 'tollguard rates reprice'.
                """)

        @OptionGroup var global: GlobalOptions

        @Flag(name: .long, help: "Import the example deck built into TollGuard (Data/ratedeck-example.csv).")
        var example = false

        @Argument(help: "Rate deck CSV file.")
        var file: String?

        func validate() throws {
            if (file == nil) == !example { throw ValidationError("name a rate deck file, or --example") }
        }

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            let table: CSVTable
            let source: String
            do {
                if let file {
                    table = try CSVTable(contentsOf: URL(fileURLWithPath: file))
                    source = file
                } else {
                    table = try ReferenceData.embedded.table("ratedeck-example.csv")
                    source = "built-in Data/ratedeck-example.csv"
                }
            } catch {
                throw CommandFailure("cannot read \(file ?? "the example deck"): \(error)")
            }
            let deck: RateDeck
            do {
                deck = try RateDeck.parse(table, defaultCurrency: configuration.rating.currency)
            } catch {
                throw CommandFailure(error.description)
            }
            if let problem = deck.currencyProblem(siteCurrency: configuration.rating.currency) {
                throw CommandFailure("\(source): \(problem)")
            }
            if let cluster = try ClusterAccess(configuration, application: "rates import") {
                try await cluster.onPrimary(to: "replace its rate deck") {
                    try await $0.replaceRateDeck(deck, sourcePath: source)
                }
                print(
                    TextTable.printable(
                        "imported \(deck.entries.count) rates from \(source) as the cluster's deck (\(cluster.url)): "
                            + "every node prices new calls with it within seconds"))
                return
            }
            let database = try global.openDatabase(configuration)
            try database.replaceRateDeck(deck, sourcePath: source)
            print(
                "imported \(deck.entries.count) rates from \(source); run 'tollguard rates reprice' to price stored calls"
            )
        }
    }

    struct Reprice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Classify and price stored calls again with the current dial plan and rate deck.",
            discussion: """
                On a node of a cluster (database.url set) it prices the cluster's calls again with the cluster's \
                rate deck, and counts again the spend of each day it touched as the analyzer counted it (the \
                calls it has played), which the quotas and tollguard quota list read. --local prices this \
                node's own stored calls with its copy of the deck.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: "Only calls started on or after this day (YYYY-MM-DD, UTC).")
        var from: String?

        @Flag(help: "This node's own stored calls, not its cluster's (with database.url set).")
        var local = false

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            var start: Date?
            if let from {
                guard let date = CivilTime.parseUTC(dateOrDateTime: from) else {
                    throw ValidationError("--from \(from) is not a date (YYYY-MM-DD)")
                }
                start = date
            }
            let since = from.map { " from \($0)" } ?? ""
            if !local, let cluster = try ClusterAccess(configuration, application: "rates reprice") {
                let deck =
                    try await cluster.onPrimary(to: "read its rate deck") { try await $0.rateDeck()?.deck }
                    ?? RateDeck(entries: [])
                let rater = try global.destinationRater(configuration, deck: deck)
                let (zone, first) = (global.siteTimeZone(configuration), start)
                let done = try await cluster.onPrimary(to: "price its calls again") { store in
                    try await store.reprice(with: rater, from: first, timeZone: zone)
                }
                print(
                    TextTable.printable(
                        "repriced \(Plural.of(done.calls, "call")) of the cluster (\(cluster.url))\(since) with its rate "
                            + "deck (\(Plural.of(deck.entries.count, "rate"))); the spend of "
                            + "\(Plural.of(done.days.count, "day")) counted again"
                            + (done.timeZone.identifier == zone.identifier
                                ? ""
                                : " in the analyzer's time zone, \(done.timeZone.identifier) (this node's is \(zone.identifier))")
                    ))
                return
            }
            let database = try global.openDatabase(configuration)
            let rater = try global.destinationRater(configuration, database: database)
            let count = try database.reprice(with: rater, from: start)
            print("repriced \(Plural.of(count, "call"))" + since)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the rate deck, or the rate that prices a number.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "E.164 number or prefix to look up (all rates when omitted).")
        var number: String?

        @Flag(help: "This node's own copy of the deck, not its cluster's (with database.url set).")
        var local = false

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            let deck: RateDeck
            if !local, let cluster = try ClusterAccess(configuration, application: "rates show") {
                deck =
                    try await cluster.onPrimary(to: "read its rate deck") { try await $0.rateDeck()?.deck }
                    ?? RateDeck(entries: [])
                print(TextTable.printable("the cluster's rate deck (\(cluster.url)); --local: this node's copy"))
            } else {
                deck = try global.openStoreToRead(configuration).rateDeck()
            }
            var table = TextTable("prefix", "destination", "per min", "connect", "billing", "currency", "from")
            var entries = deck.entries.sorted { $0.prefix < $1.prefix }
            if let number {
                let digits = number.filter(\.isNumber)
                entries = deck.rate(for: digits, at: Date()).map { [$0] } ?? []
                if entries.isEmpty {
                    print(
                        "no rate covers +\(digits): international calls there take the fallback rate "
                            + Money.format(Money.micros(configuration.rating.fallbackRatePerMinute)))
                    return
                }
            }
            for entry in entries {
                table.append([
                    "+" + entry.prefix, entry.destination, Money.format(entry.ratePerMinuteMicros),
                    Money.format(entry.connectFeeMicros), entry.billing.description, entry.currency,
                    entry.effectiveFrom.map { String(CivilTime.utcText($0).prefix(10)) } ?? "-",
                ])
            }
            print(table.render())
        }
    }
}
