import ArgumentParser
import Foundation
import Logging
import TollGuardCore
import TollGuardDemo
import TollGuardHTTP
import TollGuardHooks
import TollGuardLive

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Simulate a week of a PBX with injected fraud, ingest it, analyze it, show the alerts and the report.",
        discussion: """
            Touches nothing outside its folder (default ./tollguard-demo): the CDR file, the injected scenarios, \
            the known-fraud list, the site's tollguard.toml, the database and reports/ are written there, and \
            earlier demo files in it are replaced. No configuration is needed. The demo's tollguard.toml enforces a \
            suspension policy and configures one program hook, hooks/log-event.sh, that logs every event to \
            hook-events.log in the folder.
            """
    )

    @Option(name: .long, help: "Folder for the demo's files.")
    var directory = "tollguard-demo"

    @Option(help: "Days to simulate.")
    var days = 7

    @Option(help: "Extensions: a sixth are call-centre agents.")
    var accounts = 60

    @Option(name: .long, help: "Random seed; the same seed gives the same traffic.")
    var seed: UInt64 = 2026

    @Flag(
        help:
            "Then replay the IRSF burst's night live through the event-socket replay server: suspension, kills, money saved."
    )
    var live = false

    @Flag(help: "Replay the live night as Asterisk Manager events through the fake Asterisk (implies --live).")
    var asterisk = false

    @Option(help: "Events per second of the live replay.")
    var eventsPerSecond = 2000.0

    @Flag(help: "Then keep serving the demo store, with the review console, until Ctrl-C.")
    var serve = false

    /// The demo's console login (an admin), printed at the end.
    static let consoleUser = "demo"
    static let consolePassword = "tollguard-demo"

    func run() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        var settings = SimulationSettings()
        settings.days = days
        settings.accounts = accounts
        settings.seed = seed
        let simulation = try Simulation(settings)
        let folder = URL(fileURLWithPath: directory).standardizedFileURL
        let (site, hookLog) = try DemoSite.prepare(folder: folder)
        print(
            "Simulating \(days) days of a New York FreeSWITCH PBX (\(accounts) extensions, call centre included, "
                + "seed \(seed)) with \(simulation.scenarios.count) injected fraud scenarios")
        let logger = Logger(label: "tollguard.demo")
        let outcome = try site.run(simulation, logger: logger)
        let ingest = outcome.ingest
        print(
            "Ingested \(site.cdrPath): \(ingest.rowsRead) rows (\(ingest.format.rawValue), \(ingest.formatSource)), "
                + "\(ingest.inserted) inserted, \(ingest.rejected) rejected")
        let analysis = outcome.analysis
        print(
            "Analyzed \(analysis.callsAnalyzed) calls in \(analysis.elapsed.secondsText) s: "
                + "\(analysis.changes.newCount) alerts\(Output.bySeverity(analysis.changes.new))")

        let zone = Simulation.timeZone
        let alerts = try outcome.database.alerts(AlertFilter(states: Set(AlertState.allCases)))
        var table = TextTable("SEVERITY", "SUBJECT", "SUMMARY")
        for alert in alerts {
            table.append([alert.severity.name, "\(alert.subject.kind.rawValue) \(alert.subject.value)", alert.summary])
        }
        print("\nAlerts, most severe first (times are \(zone.identifier)):")
        print(table.render())

        let actions = ActionLayer(database: outcome.database, configuration: outcome.configuration, logger: logger)
        let pass = try await actions.deliverDue()
        print(
            "\nSuspended by the policy (\(outcome.actions.suspended.count) accounts; suspension.mode = enforce, "
                + "rules in \(site.configurationPath)):")
        print(TextTable.suspensions(outcome.actions.suspended, zone: zone).render())
        let logged = (try? String(contentsOf: hookLog, encoding: .utf8))?.split(separator: "\n") ?? []
        print(
            "The program hook ran \(pass.attempts.count) times (\(pass.delivered) delivered) and logged each event "
                + "with its JSON to \(hookLog.path):")
        for line in logged.filter({ !$0.hasPrefix("{") }).prefix(4) { print("  " + TextTable.printable(String(line))) }

        print("\nInjected scenarios (\(site.labelsPath)):")
        for scenario in simulation.scenarios { print("  \(scenario.start)  \(scenario.description)") }

        let paths = try ReportBuilder(
            database: outcome.database, configuration: outcome.configuration, timeZone: zone,
            countryNames: try NumberingPlan.builtIn.get().countryNames
        ).write(from: outcome.from, to: outcome.to, with: ReportWriter(folder: site.reportsFolder))
        print("\nReport: \(paths.first ?? "")")
        print("        (\(paths.dropFirst().joined(separator: ", ")))")
        let attack = try await DemoSite.watchSIPAttacks(folder: folder, outcome: outcome, actions: actions)
        print(
            "\nSIP attack watcher: \(attack.log) (\(attack.lines) lines, \(attack.attackLines) attack lines from "
                + "\(attack.attackers) addresses): \(attack.alerts) alerts about addresses, "
                + "\(attack.bans.count) bans in \(attack.banLog) for fail2ban's tollguard jail")
        for ban in attack.bans.prefix(3) { print("  ban \(ban.ip) (\(ban.rule.rawValue), \(ban.count) in the window)") }
        if live || asterisk { try await replayLive(simulation, site: site) }
        print("Done in \((clock.now - started).secondsText) s. Look around:")
        print("  cd \(directory) && tollguard alerts list && tollguard alerts show 1")
        print("  tollguard suspensions --all && tollguard hooks status --all")
        print("  tollguard simulate --evaluate    # recall and precision over five seeds")
        print("  tollguard logs scan --ban-log bans.log freeswitch.log")
        try addConsoleUser(site.databasePath)
        let login = "log in as \(Self.consoleUser) / \(Self.consolePassword)"
        guard serve else {
            print("Review console (or run the demo with --serve):")
            print("  cd \(directory) && tollguard serve    # http://127.0.0.1:9476/console, \(login)")
            return
        }
        print("Review console: \(login) at /console of the address below (Ctrl-C stops it)")
        let command = try ServeCommand.parse(["--config", site.configurationPath, "--db", site.databasePath])
        try await command.run()
    }

    /// The demo store's console admin (kept when the demo runs again in the same folder).
    private func addConsoleUser(_ path: String) throws {
        let database = try TollGuardDatabase.open(path: path)
        guard try database.user(named: Self.consoleUser) == nil else { return }
        try database.addUser(
            name: Self.consoleUser, role: .admin, passwordHash: PasswordHashing().hash(Self.consolePassword),
            actor: "demo")
    }

    /// The live part: the burst's night through the replay server and `serve`'s pipeline.
    func replayLive(_ simulation: Simulation, site: SimulatedSiteRun) async throws {
        let hookLog = site.folder.appendingPathComponent("live-hook-events.log")
        try? FileManager.default.removeItem(at: hookLog)
        let hook = site.folder.appendingPathComponent("hooks/log-event.sh").path
        let text =
            SimulatedSiteRun.configurationText + DemoSite.livePolicy
            + DemoSite.hookConfiguration(hook: hook, log: hookLog.path)
        let configuration = try ConfigurationLoader.decode(text, path: site.configurationPath).configuration
        print(
            asterisk
                ? "\nLive: the night of the IRSF burst, replayed as Asterisk Manager events through the fake Asterisk"
                : "\nLive: the night of the IRSF burst, replayed as FreeSWITCH events through the event-socket replay server"
        )
        print("      into the live pipeline (policy: \(DemoSite.livePolicySummary)) ...")
        let outcome = try await LiveNightReplay(
            site: site, configuration: configuration, eventsPerSecond: eventsPerSecond,
            switchKind: asterisk ? .asterisk : .freeswitch, logger: Logger(label: "tollguard.demo.live")
        ).run(simulation)
        let zone = Simulation.timeZone
        let time = LocalTimeFormatter(timeZone: zone)
        print(
            "  \(outcome.calls) calls, \(outcome.events) events at \(Int(eventsPerSecond)) events/s; "
                + "the burst: \(outcome.burstCalls) calls from extension \(outcome.burstAccount)")
        for alert in outcome.alerts where alert.subject.value == outcome.burstAccount {
            print("  alert \(alert.severity.name) \(alert.rule): \(TextTable.printable(alert.summary))")
        }
        if let after = outcome.suspendedAfterCalls, let first = outcome.kills.compactMap(\.callTime).min() {
            print(
                "  suspended at \(time.seconds(first)) after \(after) of the burst's calls had started; "
                    + "\(outcome.kills.count) calls hung up with "
                    + (asterisk
                        ? "Action: Hangup (cause \(AMISettings().killCause)):"
                        : "uuid_kill (\(configuration.eventSocket.killCause)):"))
            for kill in outcome.kills.prefix(5) {
                let reason = kill.reason.count > 60 ? kill.reason.prefix(59) + "…" : kill.reason
                print("    \(kill.callTime.map(time.seconds) ?? "-")  \(kill.uuid)  \(reason) -> \(kill.reply)")
            }
            if outcome.kills.count > 5 { print("    (\(outcome.kills.count - 5) more: live.sqlite, table call_kills)") }
        } else {
            print("  the account was not suspended live")
        }
        let logged = (try? String(contentsOf: hookLog, encoding: .utf8))?.split(separator: "\n") ?? []
        print(
            "  the hook logged \(logged.filter { $0.hasPrefix("{") }.count) events with their JSON to \(hookLog.path):")
        for line in logged.filter({ !$0.hasPrefix("{") }).prefix(3) {
            print("    " + TextTable.printable(String(line)))
        }
        let money = { (micros: Int64) in String(format: "%.2f %@", Double(micros) / 1_000_000, outcome.currency) }
        let saved =
            outcome.nightlyMicros > 0
            ? 100 * Double(outcome.nightlyMicros - outcome.liveMicros) / Double(outcome.nightlyMicros) : 0
        print(
            "  Money to the revenue-share numbers: \(money(outcome.nightlyMicros)) by the time the nightly analysis "
                + "acts, \(money(outcome.liveMicros)) live (\(String(format: "%.1f", saved)) % stopped)")
    }
}
