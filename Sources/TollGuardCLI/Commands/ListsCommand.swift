import ArgumentParser
import Foundation
import TollGuardCore

struct ListsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lists",
        abstract: "Manage known-fraud lists of numbers, prefixes, IP addresses and ranges.",
        subcommands: [Import.self, Show.self, Remove.self]
    )

    struct Import: ParsableCommand {
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

        func run() throws {
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
            let database = try global.openDatabase(configuration)
            try database.saveFraudList(list, sourcePath: file)
            print(
                "list \(name): \(list.numbers.count) numbers/prefixes, \(list.ipRanges.count) IP addresses/ranges"
                    + (skipped.isEmpty ? "" : ", \(skipped.count) lines skipped"))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the lists, or one list's entries.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "List name (all lists when omitted).")
        var name: String?

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            let database = try global.openStoreToRead(configuration)
            let lists = try database.fraudLists()
            if let name {
                guard let list = lists.first(where: { $0.name == name }) else {
                    throw CommandFailure("no list named \(name) (have: \(lists.map(\.name).joined(separator: ", ")))")
                }
                for number in list.numbers { print("+" + number) }
                for range in list.ipRanges { print(range.text) }
                return
            }
            var table = TextTable("list", "numbers", "ip ranges", "source", "imported (UTC)")
            let summaries = try database.fraudListSummaries()
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

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a list.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "List name.")
        var name: String

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            let database = try global.openDatabase(configuration)
            guard try database.removeFraudList(named: name) else { throw CommandFailure("no list named \(name)") }
            print("removed list \(name)")
        }
    }
}
