import ArgumentParser
import Foundation
import TollGuardCluster
import TollGuardCore

struct QuotaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota",
        abstract: "Set per-account daily cost quotas.",
        discussion: """
            A quota set here wins over daily_quota in the configuration ([analysis.accounts."ID"], its groups, \
            [analysis.account] — the default for everyone). The day runs in the site's time zone; a warning comes at \
            quota_warning_share (default 80 %), a breach at 100 %.
            """,
        subcommands: [Set.self, Raise.self, List.self, Remove.self]
    )

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an account's daily quota (in the rating currency).",
            discussion: """
                On a node of a cluster (database.url set), the quota is the cluster's: the leading analyzer and \
                every node's live view take it within seconds.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Account (extension or accountcode).")
        var account: String

        @Argument(help: "Amount per day, e.g. 25 or 12.50; 0 switches the quota off for the account.")
        var amount: String

        @Option(help: "Who (default: the login name).")
        var by: String?

        @Option(help: "Why, for the journal.")
        var reason: String?

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            guard let micros = Money.micros(amount), micros >= 0 else {
                throw ValidationError("amount \(amount): use a number like 25 or 12.50")
            }
            let currency = configuration.rating.currency
            let seen: Bool
            var unseen = "no call of account \(account) is stored"
            if let cluster = try ClusterAccess(configuration, application: "quota set") {
                let quota = QuotaEntry(
                    account: account, dailyMicros: micros, currency: currency, setBy: GlobalOptions.actor(by),
                    setAt: Date())
                let (reason, account) = (reason, account)
                seen = try await cluster.onPrimary(to: "set the quota") { store in
                    try await store.setQuota(quota, reason: reason)
                    return try await store.hasSpend(ofAccount: account)
                }
                print(TextTable.printable("the cluster's quota (\(cluster.url)): every node takes it within seconds"))
                unseen = "the cluster has counted no spend of account \(account)"
            } else {
                let database = try global.openDatabase(configuration)
                try database.setQuota(
                    account: account, dailyMicros: micros, currency: currency, setBy: GlobalOptions.actor(by),
                    reason: reason)
                seen = try database.hasCalls(ofAccount: account)
            }
            print(TextTable.printable("quota for \(account): \(Money.format(micros, decimals: 2)) \(currency) per day"))
            if !seen {
                FileHandle.standardError.write(
                    Data(
                        TextTable.printable(
                            "warning: \(unseen); a quota counts the account the switch "
                                + "writes (accountcode, else the extension): check the spelling with "
                                + "'tollguard quota list' after the next ingest\n"
                        ).utf8))
            }
        }
    }

    struct Raise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Raise an account's daily quota until the end of today (site time), with a reason.",
            discussion: """
                The raise is the account's quota for today only: the daily-quota rule measures today against it \
                (a running serve takes it within its refresh), and at midnight the standing quota holds again. \
                A second raise on the same day replaces the first. Journaled as quota.raised.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Account (extension or accountcode).")
        var account: String

        @Argument(help: "Today's quota, e.g. 150 or 99.50.")
        var amount: String

        @Option(help: "Why (required), for the journal.")
        var reason: String

        @Option(help: "Who (default: the login name).")
        var by: String?

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            guard let micros = Money.micros(amount), micros >= 0 else {
                throw ValidationError("amount \(amount): use a number like 150 or 99.50")
            }
            let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty else { throw ValidationError("--reason: say why, for the journal") }
            let zone = global.siteTimeZone(configuration)
            let today = LocalTimeFormatter(timeZone: zone).day(Date())
            let currency = configuration.rating.currency
            let raise = QuotaRaise(
                account: account, day: today, dailyMicros: micros, currency: currency, reason: reason,
                setBy: GlobalOptions.actor(by), setAt: Date())
            let analysis = configuration.analysis
            if let cluster = try ClusterAccess(configuration, application: "quota raise") {
                try await cluster.onPrimary(to: "raise the quota") {
                    try await $0.raiseQuota(raise, analysis: analysis)
                }
                print(TextTable.printable("the cluster's quota (\(cluster.url)): every node takes it within seconds"))
            } else {
                try global.openDatabase(configuration).raiseQuota(raise, analysis: analysis)
            }
            print(
                TextTable.printable(
                    "quota for \(account) raised to \(Money.format(micros, decimals: 2)) \(currency) until the end of \(today)"
                ))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the quotas with a day's spend (today's).",
            discussion: """
                On a node of a cluster (database.url set), the quotas and the spend are the cluster's: every \
                switch's calls its analyzer has taken. --local shows this node's own store's (its copy of the \
                cluster's quotas, its own switches' spend).
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "The day whose spend to show, YYYY-MM-DD in site time (default: today).")
        var date: String?

        @Flag(help: "This node's own store's quotas and spend, not its cluster's (with database.url set).")
        var local = false

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            let zone = global.siteTimeZone(configuration)
            let day =
                try date.map { text in
                    let from = try global.localDate(text, option: "--date", zone: zone)
                    return (from: from, to: LocalClock.adding(days: 1, to: from, in: zone))
                } ?? LocalClock.day(containing: Date(), in: zone)
            let database = try global.openStoreToRead(configuration)
            let dayText = LocalTimeFormatter(timeZone: zone).day(day.from)
            let quotas: [(quota: QuotaEntry, spentMicros: Int64)]
            let raises: [QuotaRaise]
            if !local, let cluster = try ClusterAccess(configuration, application: "quota list") {
                let (entries, spent, raised) = try await cluster.onPrimary(to: "read its quotas and spend") { store in
                    (
                        try await store.quotas(), try await store.spend(onDay: dayText),
                        try await store.raises(onDay: dayText)
                    )
                }
                quotas = entries.map { ($0, spent[$0.account] ?? 0) }
                raises = raised
                if !output.json {
                    print(
                        TextTable.printable(
                            "the cluster's quotas and spend, every switch (\(cluster.url)); --local: this node's store's"
                        ))
                }
            } else {
                quotas = try database.quotaStatus(
                    from: day.from, to: day.to, publicContexts: configuration.analysis.publicContexts)
                raises = try database.quotaRaises(onDay: dayText).values.sorted { $0.account < $1.account }
            }
            if output.json {
                try printJSON(
                    QuotaAnswer(
                        day: dayText, defaultQuota: configuration.analysis.account.limits[.dailyQuota] ?? 0,
                        currency: configuration.rating.currency,
                        quotas: quotas.map { QuotaAnswer.Entry($0.quota, spentMicros: $0.spentMicros) },
                        raises: raises))
                return
            }
            let fallback = configuration.analysis.account.limits[.dailyQuota] ?? 0
            let currency = configuration.rating.currency
            print(
                "default for everyone ([analysis.account] daily_quota): "
                    + (fallback > 0 ? "\(Money.format(Money.micros(fallback), decimals: 2)) \(currency)" : "none"))
            let time = LocalTimeFormatter(timeZone: zone)
            defer {
                if !raises.isEmpty {
                    var raised = TextTable("RAISED FOR \(dayText)", "QUOTA", "BY", "SET", "REASON")
                    for raise in raises {
                        raised.append([
                            raise.account, "\(Money.format(raise.dailyMicros, decimals: 2)) \(raise.currency)",
                            raise.setBy, time.minutes(raise.setAt), raise.reason,
                        ])
                    }
                    print("\n" + raised.render())
                }
            }
            guard !quotas.isEmpty else {
                print("no account quotas set")
                return
            }
            var table = TextTable(
                "ACCOUNT", "QUOTA",
                date == nil ? "SPENT TODAY" : "SPENT \(LocalTimeFormatter(timeZone: zone).day(day.from))",
                "SHARE", "SET BY", "SET")
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

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an account's quota; the configured default applies again.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Account.")
        var account: String

        @Option(help: "Who (default: the login name).")
        var by: String?

        @Option(help: "Why, for the journal.")
        var reason: String?

        func run() async throws {
            let configuration = try global.loadConfiguration().configuration
            let (account, actor, reason) = (account, GlobalOptions.actor(by), reason)
            if let cluster = try ClusterAccess(configuration, application: "quota remove") {
                guard
                    try await cluster.onPrimary(
                        to: "remove the quota",
                        {
                            try await $0.removeQuota(account: account, removedBy: actor, reason: reason)
                        })
                else { throw CommandFailure("no quota set for \(account) in the cluster (\(cluster.url))") }
            } else {
                guard
                    try global.openStoreToRead(configuration).removeQuota(
                        account: account, removedBy: actor, reason: reason)
                else { throw CommandFailure("no quota set for \(account)") }
            }
            print(TextTable.printable("quota for \(account) removed"))
        }
    }
}

/// `quota list --json`: the day, the default, and each account's quota with the day's spend.
struct QuotaAnswer: Encodable {
    var day: String
    var defaultQuota: Double
    var currency: String
    var quotas: [Entry]
    /// The quotas raised for the day, until its end.
    var raises: [QuotaRaise]

    struct Entry: Encodable {
        var account: String
        var quota: MetricValue
        var spent: MetricValue
        var share: Double?
        var setBy: String
        var setAt: String

        init(_ quota: QuotaEntry, spentMicros: Int64) {
            account = quota.account
            self.quota = .money(quota.dailyMicros)
            spent = .money(spentMicros)
            share =
                quota.dailyMicros > 0 ? (Double(spentMicros) / Double(quota.dailyMicros) * 100).rounded() / 100 : nil
            setBy = quota.setBy
            setAt = CivilTime.utcText(quota.setAt) + "Z"
        }

        enum CodingKeys: String, CodingKey {
            case account, quota, spent, share
            case setBy = "set_by"
            case setAt = "set_at"
        }
    }

    enum CodingKeys: String, CodingKey {
        case day, currency, quotas, raises
        case defaultQuota = "default_quota"
    }
}
