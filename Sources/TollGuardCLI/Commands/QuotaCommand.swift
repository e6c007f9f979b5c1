import ArgumentParser
import Foundation
import TollGuardCore

struct QuotaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota",
        abstract: "Set per-account daily cost quotas.",
        discussion: """
            A quota set here wins over daily_quota in the configuration ([analysis.accounts."ID"], its groups, \
            [analysis.account] — the default for everyone). The day runs in the site's time zone; a warning comes at \
            quota_warning_share (default 80 %), a breach at 100 %.
            """,
        subcommands: [Set.self, List.self, Remove.self]
    )

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an account's daily quota (in the rating currency).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Account (extension or accountcode).")
        var account: String

        @Argument(help: "Amount per day, e.g. 25 or 12.50; 0 switches the quota off for the account.")
        var amount: String

        @Option(help: "Who (default: the login name).")
        var by: String?

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            guard let micros = Money.micros(amount), micros >= 0 else {
                throw ValidationError("amount \(amount): use a number like 25 or 12.50")
            }
            let database = try global.openDatabase(configuration)
            try database.setQuota(
                account: account, dailyMicros: micros, currency: configuration.rating.currency,
                setBy: GlobalOptions.actor(by))
            print(
                TextTable.printable(
                    "quota for \(account): \(Money.format(micros, decimals: 2)) \(configuration.rating.currency) per day"
                ))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the quotas with today's spend.")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            let zone = global.siteTimeZone(configuration)
            let fallback = configuration.analysis.account.limits[.dailyQuota] ?? 0
            let currency = configuration.rating.currency
            print(
                "default for everyone ([analysis.account] daily_quota): "
                    + (fallback > 0 ? "\(Money.format(Money.micros(fallback), decimals: 2)) \(currency)" : "none"))
            let database = try global.openStoreToRead(configuration)
            let today = LocalClock.day(containing: Date(), in: zone)
            let quotas = try database.quotaStatus(
                from: today.from, to: today.to, publicContexts: configuration.analysis.publicContexts)
            guard !quotas.isEmpty else {
                print("no account quotas set")
                return
            }
            let time = LocalTimeFormatter(timeZone: zone)
            var table = TextTable("ACCOUNT", "QUOTA", "SPENT TODAY", "SHARE", "SET BY", "SET")
            for (quota, spent) in quotas {
                let share = quota.dailyMicros > 0 ? "\(Int(Double(spent) / Double(quota.dailyMicros) * 100)) %" : "off"
                table.append([
                    quota.account, "\(Money.format(quota.dailyMicros, decimals: 2)) \(quota.currency)",
                    Money.format(spent, decimals: 2), share, quota.setBy, time.minutes(quota.setAt),
                ])
            }
            print(table.render())
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an account's quota; the configured default applies again.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Account.")
        var account: String

        func run() throws {
            let configuration = try global.loadConfiguration().configuration
            guard try global.openStoreToRead(configuration).removeQuota(account: account)
            else { throw CommandFailure("no quota set for \(account)") }
            print(TextTable.printable("quota for \(account) removed"))
        }
    }
}
