import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TollGuardCore
import TollGuardHTTP
import TollGuardLive
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Watch calls live: the FreeSWITCH event socket, alerts, suspensions, kills, hooks, /metrics.",
        discussion: """
            Reads the event socket set in [event_socket] (password from password_env or password_file), feeds \
            every call event to the analyzers as it happens, stores completed calls (the same keys as the CSV \
            ingest, so the nightly ingest adds nothing), stores alerts and acts on them at once: suspensions, \
            hooks, and `uuid_kill` of the suspended account's live calls (kill_on_suspend). Quotas set and \
            suspensions made by other commands take effect within 2 s. Follows the CDR files of [cdr_tail] \
            (Master.csv, across rotations) and the PBX logs of [sip_watch] follow (the SIP attack watcher), \
            resuming each where the last run stopped. SIGHUP reloads the configuration file (analysis \
            thresholds, destination rules, quotas, the suspension policy, hooks) and the lists, quotas and rates \
            in the store, keeping the calls in progress; sources and listeners change at restart. Serves /healthz and /metrics on --http-host:--http-port, \
            and takes mod_json_cdr / mod_xml_cdr posts on POST /cdr ([cdr_post]). SIGTERM or SIGINT stops the \
            sources, stores everything received, then exits.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Address for /healthz and /metrics.")
    var httpHost = "127.0.0.1"

    @Option(help: "Port for /healthz and /metrics (0: any free port, printed at start).")
    var httpPort = 9476

    func run() async throws {
        // SIGHUP's default action ends the process: until the reload service traps it, a
        // `systemctl reload` (during a long migration, or waiting for the database lock) is
        // ignored; the configuration is read below anyway.
        signal(SIGHUP, SIG_IGN)
        let configuration = try global.loadConfiguration().configuration
        let zone = global.siteTimeZone(configuration)
        let database = try global.openDatabase(configuration)
        let logger = Logger(label: "tollguard.serve")
        let settings = configuration.eventSocket
        var listener: EventSocketListener?
        var commander: EventSocketCommander?
        if settings.enabled {
            guard let password = settings.password() else {
                throw ValidationError(
                    "event_socket.enabled: no password; set \(settings.passwordEnvironment) or event_socket.password_file"
                )
            }
            let connection = EventSocketConnection(host: settings.host, port: settings.port, password: password)
            listener = EventSocketListener(
                connection: connection, reconnectMaxSeconds: settings.reconnectMaxSeconds,
                heartbeatTimeoutSeconds: settings.heartbeatTimeoutSeconds, logger: logger)
            commander = EventSocketCommander(connection: connection, logger: logger)
        } else if configuration.cdrTail.files.isEmpty {
            logger.warning("event_socket.enabled is false and cdr_tail.files is empty: no live calls")
        }
        var kill: (@Sendable (String) async throws -> String)?
        if let commander {
            kill = { command in try await commander.api(command) }
        }
        let pipeline = LivePipeline(
            database: database, configuration: configuration, timeZone: zone, kill: kill, logger: logger)
        var sources: [LiveService.Source] = []
        if !configuration.cdrTail.files.isEmpty {
            let tail = CDRTailSource(
                database: database, settings: configuration.cdrTail, timeZone: zone,
                columnMap: configuration.ingest.csv.columns, stats: pipeline.stats, logger: logger)
            sources.append { continuation in await tail.run(continuation) }
        }
        let live = LiveService(pipeline: pipeline, listener: listener, sources: sources)
        let counters = listener?.counters
        let secrets = configuration.cdrPost.secrets()
        let credentials = HTTPCredentials(basic: secrets.basic, token: secrets.token)
        var cdrPost: CDRPostRoute?
        if configuration.cdrPost.enabled {
            if credentials.isEmpty {
                logger.warning(
                    "POST /cdr refuses every post: set \(configuration.cdrPost.credentialsEnvironment) (user:password) or \(configuration.cdrPost.tokenEnvironment)"
                )
            }
            let continuation = live.continuation
            cdrPost = CDRPostRoute(settings: configuration.cdrPost, credentials: credentials, logger: logger) {
                record, source, stored in
                if case .enqueued = continuation.yield(.completed(record, source: source, stored: stored)) {
                    return true
                }
                return false
            }
        }
        let countryNames = try global.numberingPlan().countryNames
        let http = StatusServer.application(
            host: httpHost, port: httpPort, logger: logger,
            health: {
                guard let counters else { return (true, "ok (no event socket configured)") }
                if counters.connects.load(ordering: .relaxed) == 0 {
                    return (
                        false, "event socket not connected: " + (counters.lastError.withLock { $0 } ?? "connecting")
                    )
                }
                return (true, "ok")
            },
            metrics: {
                var text = LiveMetrics.render(pipeline.stats, listener: counters)
                if let outbox = try? database.outboxCounts() {
                    text += "# HELP tollguard_hook_deliveries Hook deliveries in the outbox, by status.\n"
                    text += "# TYPE tollguard_hook_deliveries gauge\n"
                    for status in DeliveryStatus.allCases {
                        text += "tollguard_hook_deliveries{status=\"\(status.rawValue)\"} \(outbox[status] ?? 0)\n"
                    }
                }
                return text
            },
            cdrPost: cdrPost,
            reportPage: ReportPageRoute(
                credentials: credentials, loopbackOnly: ReportPageRoute.isLoopback(httpHost), logger: logger
            ) { date in
                try Self.reportPage(
                    date: date, database: database, configuration: pipeline.configuration, zone: zone,
                    countryNames: countryNames)
            },
            onServerRunning: { port in
                print("tollguard serve: /healthz and /metrics on http://\(httpHost):\(port)")
                fflush(nil)
            })
        let current = pipeline.configurationCell
        let hooks = HookDeliveryService(database: database, configuration: current)
        let liveInputs = live.continuation
        let reload = ConfigurationReloadService(
            configuration: current, load: { [global] in try global.loadConfiguration().configuration },
            notify: { liveInputs.yield(.reload) }, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: hooks), .init(service: live), .init(service: http), .init(service: reload),
        ]
        if !configuration.sipWatch.follow.isEmpty {
            services.append(
                .init(
                    service: SecurityLogWatchService(
                        database: database, configuration: current, timeZone: zone, stats: pipeline.stats,
                        logger: logger)))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await commander?.shutdown()
        let stored = pipeline.stats.callsStored.load(ordering: .relaxed)
        print(
            "tollguard serve: stopped; \(pipeline.stats.events.load(ordering: .relaxed)) events, \(stored) calls stored"
        )
    }
}

extension ServeCommand {
    /// `GET /report`: the HTML report of a local day (`date`, default today) as the store has it
    /// now; `nil` when `date` is not a date.
    static func reportPage(
        date: String?, database: TollGuardDatabase, configuration: TollGuardConfiguration, zone: TimeZone,
        countryNames: [String: String]
    ) throws -> String? {
        var day = LocalClock.day(containing: Date(), in: zone)
        if let date {
            var converter = LocalTimeConverter(timeZone: zone)
            guard date.utf8.count == 10, let start = converter.date(localText: date) else { return nil }
            day = LocalClock.day(containing: start, in: zone)
        }
        let builder = ReportBuilder(
            database: database, configuration: configuration, timeZone: zone, countryNames: countryNames)
        return HTMLReportRenderer.render(try builder.build(from: day.from, to: day.to))
    }
}

/// Delivers the hook outbox every 2 s, and once more at shutdown, with the hooks as last (re)loaded.
struct HookDeliveryService: Service {
    let database: TollGuardDatabase
    let configuration: ReloadableConfiguration

    func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            _ = try? await HooksCommand.deliver(database: database, configuration: configuration.current, quiet: true)
            try? await Task.sleep(for: .seconds(2))
        }
        _ = try? await HooksCommand.deliver(database: database, configuration: configuration.current, quiet: true)
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
