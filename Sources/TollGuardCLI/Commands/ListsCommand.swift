import ArgumentParser
import Foundation
import TollGuardCluster
import TollGuardCore

struct ListsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lists",
        abstract: "Manage known-fraud lists of numbers, prefixes, IP addresses and ranges.",
        discussion: """
            On a node of a cluster (database.url set), the lists are the cluster's: every node's engine takes \
            an import or a removal within seconds. --local shows this node's copy.
            """,
        subcommands: [Import.self, Show.self, Remove.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import (or replace) a named list.",
            discussion: """
                One entry per line (# starts a comment): a number or prefix, with or without + or 00 \
                (+37190123, 0037190), or an IP address or CIDR range (203.0.113.7, 198.51.100.0/24, 2001:db8::/32) \
                as in APIBAN's export; or a CSV whose header has a number column. Destinations match an entry \
                exactly or by prefix, source IPs by range. Lines that are neither are reported and skipped.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "List name (letters, digits, - and _).")
        var name: String

        @Argument(help: "List file.")
        var file: String

        func validate() throws {
            guard !name.isEmpty,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            else { throw ValidationError("list name \"\(name)\": use letters, digits, - and _") }
        }

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            let text: String
            do {
                text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self)
            } catch {
                throw CommandFailure("cannot read \(file): \(error.localizedDescription)")
            }
            let (list, skipped) = FraudList.parse(name: name, text: text, source: file)
            for line in skipped.prefix(20) {
                FileHandle.standardError.write(Data("tollguard lists import: skipped \(line)\n".utf8))
            }
            if skipped.count > 20 {
                FileHandle.standardError.write(Data("tollguard lists import: … and \(skipped.count - 20) more\n".utf8))
            }
            if let cluster = try ClusterAccess(configuration, application: "lists import") {
                let file = file
                try await cluster.onPrimary(to: "import the list") {
                    try await $0.saveFraudList(list, sourcePath: file)
                }
                print(TextTable.printable("the cluster's list (\(cluster.url)): every node takes it within seconds"))
            } else {
                try global.openDatabase(configuration).saveFraudList(list, sourcePath: file)
            }
            print(
                "list \(name): \(list.numbers.count) numbers/prefixes, \(list.ipRanges.count) IP addresses/ranges"
                    + (skipped.isEmpty ? "" : ", \(skipped.count) lines skipped"))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the lists, or one list's entries.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "List name (all lists when omitted).")
        var name: String?

        @Flag(help: "This node's own copy of the lists, not its cluster's (with database.url set).")
        var local = false

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            let lists: [FraudList]
            let summaries: [FraudListSummary]
            if !local, let cluster = try ClusterAccess(configuration, application: "lists show") {
                (lists, summaries) = try await cluster.onPrimary(to: "read its lists") { store in
                    let versions = try await store.fraudListVersions()
                    return (
                        try await store.fraudLists(),
                        versions.map {
                            FraudListSummary(
                                name: $0.name, source: $0.source, imported: StoredTime.date($0.imported) ?? Date())
                        }
                    )
                }
                if name == nil {
                    print(TextTable.printable("the cluster's lists (\(cluster.url)); --local: this node's copy"))
                }
            } else {
                let database = try global.openStoreToRead(configuration)
                (lists, summaries) = (try database.fraudLists(), try database.fraudListSummaries())
            }
            if let name {
                guard let list = lists.first(where: { $0.name == name }) else {
                    throw CommandFailure("no list named \(name) (have: \(lists.map(\.name).joined(separator: ", ")))")
                }
                for number in list.numbers { print("+" + number) }
                for range in list.ipRanges { print(range.text) }
                return
            }
            var table = TextTable("list", "numbers", "ip ranges", "source", "imported (UTC)")
            for list in lists {
                let summary = summaries.first { $0.name == list.name }
                table.append([
                    list.name, String(list.numbers.count), String(list.ipRanges.count), summary?.source ?? "",
                    summary.map { StoredTime.text($0.imported) } ?? "",
                ])
            }
            print(lists.isEmpty ? "no lists yet" : table.render())
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a list.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "List name.")
        var name: String

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            if let cluster = try ClusterAccess(configuration, application: "lists remove") {
                let name = name
                guard try await cluster.onPrimary(to: "remove the list", { try await $0.removeFraudList(named: name) })
                else { throw CommandFailure("no list named \(name) in the cluster (\(cluster.url))") }
            } else {
                let database = try global.openDatabase(configuration)
                guard try database.removeFraudList(named: name) else { throw CommandFailure("no list named \(name)") }
            }
            print("removed list \(name)")
        }
    }
}
