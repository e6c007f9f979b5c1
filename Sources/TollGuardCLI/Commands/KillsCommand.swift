import ArgumentParser
import Foundation
import TollGuardCore

/// `tollguard kills`: the live calls `serve` hung up, what for and what the switch answered.
struct KillsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kills",
        abstract: "List the live calls serve hung up (uuid_kill), oldest first: why, and what FreeSWITCH answered.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this account's calls.")
    var account: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let configuration = try global.loadConfiguration().configuration
        let database = try global.openStoreToRead(configuration)
        let kills = try database.callKills(account: account)
        if output.json {
            try printJSON(kills)
            return
        }
        guard !kills.isEmpty else {
            print(TextTable.printable(account.map { "no call of \($0) was killed" } ?? "no call was killed"))
            return
        }
        let time = LocalTimeFormatter(timeZone: global.siteTimeZone(configuration))
        var table = TextTable("KILLED", "ACCOUNT", "CALL", "REASON", "SWITCH ANSWERED")
        for kill in kills {
            table.append([time.seconds(kill.at), kill.account, kill.uuid, kill.reason, kill.reply])
        }
        print(table.render())
    }
}
