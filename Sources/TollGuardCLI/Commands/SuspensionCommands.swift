import ArgumentParser
import Foundation
import Logging
import TollGuardCluster
import TollGuardCore
import TollGuardHooks

struct SuspendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend",
        abstract: "Suspend an account and run the suspend hooks.",
        discussion: """
            The account's open alerts are attached as the evidence. Suspending an account that is already \
            suspended changes nothing and runs no hook again.

            On a node of a cluster (database.url set), the account is suspended in the cluster: every edge \
            hangs up its calls on its switch within a second, and the suspend event goes to the hooks \
            from the cluster store. --local suspends it in this node's own store only.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The account (extension or accountcode).")
    var account: String

    @Option(help: "Why (sent to the hooks).")
    var reason: String

    @Option(help: "Lift it by itself: a site-time \"YYYY-MM-DD HH:MM\" or a duration like 30m, 12h, 2d.")
    var until: String?

    @Option(help: "Who (default: the login name).")
    var by: String?

    @Flag(help: "In this node's own store only, not its cluster's (with database.url set).")
    var local = false

    func run() async throws {
        let configuration = try global.loadConfiguration().configuration
        let zone = global.siteTimeZone(configuration)
        let now = Date()
        let end = try until.map { try Self.parseUntil($0, now: now, zone: zone, global: global) }
        if let end, end <= now { throw ValidationError("--until \(until ?? ""): that is not in the future") }
        let time = LocalTimeFormatter(timeZone: zone)
        if !local, let cluster = try ClusterAccess(configuration, application: "suspend") {
            let (account, reason, actor) = (self.account, self.reason, GlobalOptions.actor(by))
            let (hooks, summarizer) = (configuration.hooks, global.summarizer(configuration))
            let outcome = try await cluster.onPrimary(to: "suspend \(account) there") { store in
                try await store.migrate()
                return try await store.suspend(
                    account: account, reason: reason, until: end, by: actor, hooks: hooks, summarizer: summarizer)
            }
            print(Self.describe(outcome, time: time, held: "in the cluster", suspension: "cluster suspension"))
            if case .suspended = outcome {
                print(
                    "every edge hangs up its calls within a second; the suspend event goes to the hooks from the cluster store"
                )
            }
            return
        }
        let database = try global.openDatabase(configuration)
        let (outcome, pass) = try await ActionLayer(
            database: database, configuration: configuration, logger: Logger(label: "tollguard.suspend")
        ).suspend(account: account, reason: reason, until: end, actor: GlobalOptions.actor(by))
        print(Self.describe(outcome, time: time))
        if let line = Output.deliveries(pass) { print(line) }
        try Output.requireDelivered(pass, what: "the suspension of \(account)")
    }

    /// What `outcome` says, `held` where (in the cluster or this node's store).
    static func describe(
        _ outcome: SuspendOutcome, time: LocalTimeFormatter, held: String? = nil, suspension noun: String = "suspension"
    ) -> String {
        let place = held.map { " \($0)" } ?? ""
        switch outcome {
        case .suspended(let suspension):
            return TextTable.printable(
                "suspended \(suspension.account)\(place) (\(noun) \(suspension.id))"
                    + (suspension.until.map { " until \(time.minutes($0))" } ?? "")
                    + (suspension.alertIDs.isEmpty ? "" : "; alerts \(Output.ids(suspension.alertIDs))"))
        case .alreadySuspended(let suspension):
            return TextTable.printable(
                "\(suspension.account) is already suspended\(place) since \(time.minutes(suspension.since)) "
                    + "(\(noun) \(suspension.id), by \(suspension.actor)); nothing changed, no hook runs")
        }
    }

    /// `2026-11-21 18:00` (site time), `2026-11-22`, or `90m`, `12h`, `2d` from now.
    static func parseUntil(_ text: String, now: Date, zone: TimeZone, global: GlobalOptions) throws -> Date {
        let units: [Character: Double] = ["m": 60, "h": 3600, "d": 86400]
        if let unit = text.last, let seconds = units[unit], let count = Double(text.dropLast()), count > 0 {
            return now.addingTimeInterval(count * seconds)
        }
        return try global.localDate(text, option: "--until", zone: zone)
    }
}

struct UnsuspendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unsuspend", abstract: "Lift an account's suspension and run the unsuspend hooks.",
        discussion: """
            In a cluster (database.url set), the suspension the cluster's analyzer holds is lifted too \
            (its unsuspend event goes to the hooks through the cluster store; the edges lift their copies \
            within a second); this node's copy of it is lifted with no hook of its own. The password \
            comes from PGPASSWORD.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The account.")
    var account: String

    @Option(help: "Why (kept in the history, sent to the hooks).")
    var comment: String?

    @Option(help: "Who (default: the login name).")
    var by: String?

    func run() async throws {
        let configuration = try global.loadConfiguration().configuration
        let database = try global.openStoreToRead(configuration)
        let actor = GlobalOptions.actor(by)
        var liftedInCluster = false
        if !configuration.database.url.isEmpty {
            liftedInCluster = try await liftInCluster(configuration, database: database, actor: actor)
        }
        let (lifted, pass) = try await ActionLayer(
            database: database, configuration: configuration, logger: Logger(label: "tollguard.unsuspend")
        ).unsuspend(account: account, comment: comment, actor: actor)
        guard let lifted else {
            if liftedInCluster { return }
            throw CommandFailure(TextTable.printable("\(account) is not suspended"))
        }
        print(TextTable.printable("lifted the suspension of \(lifted.account) (suspension \(lifted.id))"))
        if let line = Output.deliveries(pass) { print(line) }
        try Output.requireDelivered(pass, what: "the lifting of \(account)'s suspension")
    }

    /// Lifts the cluster's suspension of the account, and this node's copy of it; whether the
    /// cluster held one.
    private func liftInCluster(_ configuration: TollGuardConfiguration, database: TollGuardDatabase, actor: String)
        async throws -> Bool
    {
        guard let cluster = try ClusterAccess(configuration, application: "unsuspend") else { return false }
        let summarizer = global.summarizer(configuration)
        let (account, comment, hooks) = (self.account, self.comment, configuration.hooks)
        let lifted = try await cluster.onPrimary(to: "lift its suspension") { store in
            try await store.migrate()
            return try await store.liftSuspension(
                account: account, by: actor, comment: comment, hooks: hooks, summarizer: summarizer)
        }
        guard let lifted else { return false }
        // This node's copy goes with it, with no hook of its own (the cluster's event is the one).
        _ = try await database.liftClusterCopy(account: account)
        print(
            TextTable.printable(
                "lifted the cluster's suspension of \(lifted.account) (cluster suspension \(lifted.id)); "
                    + "its unsuspend event goes to the hooks from the cluster store"))
        return true
    }
}

struct SuspensionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspensions",
        abstract: "List the suspended accounts (--all: the history, report-only decisions included).",
        discussion: """
            Suspensions whose --until has passed are lifted first, running the unsuspend hooks. On a node of \
            a cluster (database.url set), the cluster's suspensions are listed (its leading analyzer lifts \
            the expired ones); --local lists this node's own store.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Every suspension: lifted, expired and report-only ones too.")
    var all = false

    @Flag(help: "This node's own suspensions, not its cluster's (with database.url set).")
    var local = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let configuration = try global.loadConfiguration().configuration
        if !local, let cluster = try ClusterAccess(configuration, application: "suspensions") {
            let all = self.all
            let suspensions = try await cluster.onPrimary(to: "list its suspensions") { store in
                all ? try await store.suspensions() : try await store.suspensionsInForce()
            }
            if !output.json {
                print(TextTable.printable("the cluster's suspensions (\(cluster.url)); --local: this node's own"))
            }
            try show(suspensions, configuration: configuration)
            return
        }
        let database = try global.openStoreToRead(configuration)
        let actions = ActionLayer(
            database: database, configuration: configuration, logger: Logger(label: "tollguard.suspensions"))
        if !(try actions.liftExpiredSuspensions()).isEmpty {
            let pass = try await actions.deliverDue()
            if !output.json, let line = Output.deliveries(pass) { print(line) }
        }
        try show(try database.suspensions(includeHistory: all), configuration: configuration)
    }

    private func show(_ suspensions: [Suspension], configuration: TollGuardConfiguration) throws {
        if output.json {
            try printJSON(suspensions)
            return
        }
        guard !suspensions.isEmpty else {
            print(all ? "no suspensions yet" : "no account is suspended")
            return
        }
        print(TextTable.suspensions(suspensions, zone: global.siteTimeZone(configuration)).render())
    }
}
