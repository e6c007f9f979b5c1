import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TollGuardCluster
import TollGuardCore
import TollGuardHTTP
import TollGuardHooks
import TollGuardLive
import UnixSignals

/// What `serve` is started with besides the configuration and the store.
package struct ServeSettings: Sendable {
    /// Where `/healthz`, `/metrics`, `POST /cdr` and `/report` listen.
    package var http = HTTPServerSettings()
    /// Reads and validates the configuration file again (SIGHUP).
    package var reloadConfiguration: @Sendable () throws -> TollGuardConfiguration
    /// Names of countries by region code, for reports and alert summaries.
    package var countryNames: [String: String] = [:]
    /// Signals that stop `serve` gracefully; none in tests, which trigger the shutdown themselves.
    package var gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]
    /// Hears the HTTP port bound, once the server runs.
    package var onHTTPRunning: @Sendable (Int) async -> Void = { _ in }
    /// How long a graceful shutdown keeps retrying a store that refuses writes before it gives
    /// up (logging what it could not store).
    ///
    /// A store that works is drained whatever it takes.
    package var drainTimeout: Duration = .seconds(10)
    /// Completed calls the pipeline keeps in memory while the store refuses writes before it
    /// stops taking inputs (the sources wait; CDR posts are answered 503).
    package var maxUnstoredCalls = 100_000
    /// The review console's cookies and session length (its currency and quiet time come from the configuration).
    package var console = ConsoleSettings()
    /// How long an edge may fail to reach the cluster store before `/healthz` says so: a
    /// failover of PostgreSQL takes seconds, and the calls wait in the edge's store meanwhile.
    package var shippingGrace: Duration = .seconds(60)
    /// The cluster store's password (`database.url` holds none): `PGPASSWORD`, as for libpq's tools.
    package var postgresPassword = ProcessInfo.processInfo.environment["PGPASSWORD"]

    package init(reloadConfiguration: @escaping @Sendable () throws -> TollGuardConfiguration) {
        self.reloadConfiguration = reloadConfiguration
    }
}

/// Why `serve` cannot start with a configuration.
package struct ServeError: Error, CustomStringConvertible, Sendable {
    package var description: String
}

/// A `serve` assembled: its services in one `ServiceGroup`, and what it reports while and after
/// it runs.
package struct Serve: Sendable {
    /// The services, in start order; a graceful shutdown stops them in reverse: the HTTP side and
    /// the sources first, then the pipeline stores what it received, then the last hook deliveries.
    package let group: ServiceGroup
    /// The live pipeline's counters (events, calls stored, alerts, kills).
    package let stats: LivePipeline.Stats
    /// Where CDR posts, tailed rows and reloads enter the pipeline.
    package let inputs: LiveInputs
    /// What follows an alert: the policy, the outbox, the kills.
    package let actions: ActionLayer
    /// The parts that cannot write to the store now, and why (`/healthz`).
    package let storeHealth: StoreHealth
    /// What the HTTP side answers (`GET /` lists them; the start-up line names them).
    package let endpoints: [IndexPage.Endpoint]
    /// The switches watched live.
    package let switches: LiveSwitches
    /// How shipping to the cluster store goes; nil without `database.url`, or on an analyzer.
    package let shipping: ShippingStatus?
    /// How this node's part in the cluster's analysis goes; nil without `database.url`, or on an edge.
    package let analyzer: AnalyzerStatus?

    fileprivate init(
        group: ServiceGroup, stats: LivePipeline.Stats, inputs: LiveInputs, actions: ActionLayer,
        storeHealth: StoreHealth, endpoints: [IndexPage.Endpoint], switches: LiveSwitches, shipping: ShippingStatus?,
        analyzer: AnalyzerStatus?
    ) {
        self.shipping = shipping
        self.analyzer = analyzer
        self.endpoints = endpoints
        self.group = group
        self.stats = stats
        self.inputs = inputs
        self.actions = actions
        self.storeHealth = storeHealth
        self.switches = switches
    }

    /// Runs every service until a graceful shutdown (a signal, or the group's own) has drained them.
    package func run() async throws {
        try await group.run()
        await switches.shutdown()
    }

    /// The last line `serve` prints: events received and calls stored.
    package var summary: String {
        "\(stats.events.load(ordering: .relaxed)) events, \(stats.callsStored.load(ordering: .relaxed)) calls stored"
    }
}

/// Assembles `serve`: the live pipeline fed by every switch (`[[event_socket]]`, `[[ami]]`), the tailed
/// CDR files (`[cdr_tail]`) and CDR posts (`[cdr_post]`); the SIP attack watcher over followed
/// logs (`[sip_watch] follow`); hook delivery; the SIGHUP reload; the HTTP application; and,
/// with `database.url`, by `[cluster] role`: as an edge, the shipping of the stored calls to the
/// cluster store (with this edge's promise), the analyzer's suspensions enforced and its kill
/// commands carried out on the switches watched; as an analyzer, the cluster's analysis, its
/// suspensions and hook events while this node holds the lease.
///
/// Nothing runs until ``Serve/run()``.
package func buildServeServices(
    configuration: TollGuardConfiguration, database: TollGuardDatabase, timeZone: TimeZone,
    settings: ServeSettings, logger: Logger
) throws -> Serve {
    let switches: LiveSwitches
    do {
        switches = try LiveSwitches(configuration: configuration, logger: logger)
    } catch {
        throw ServeError(description: error.description)
    }
    if switches.isEmpty, configuration.cdrTail.files.isEmpty {
        logger.warning("no event socket or Asterisk Manager enabled and cdr_tail.files is empty: no live calls")
    }
    var hangUpCall: ActionLayer.HangUpCall?
    if !switches.isEmpty {
        hangUpCall = { call in try await switches.hangUp(call) }
    }
    let actions = ActionLayer(
        database: database, configuration: ReloadableConfiguration(configuration), logger: logger,
        hangUpCall: hangUpCall)
    let storeHealth = StoreHealth()
    var pipeline = LivePipeline(actions: actions, timeZone: timeZone, health: storeHealth, logger: logger)
    pipeline.maxPendingCalls = settings.maxUnstoredCalls
    pipeline.drainTimeout = settings.drainTimeout
    // The Managers' failed logins go to the SIP watcher, which then runs without a log to follow.
    let securityEvents =
        configuration.managers.contains { $0.enabled && $0.securityEvents } ? SecurityEventInbox() : nil
    pipeline.securityEvents = securityEvents
    let role = configuration.cluster.role
    let edge = configuration.database.postgresURL.flatMap { url in
        role == .analyzer
            ? nil
            : EdgeServices(
                url: url, configuration: configuration, database: database, switches: switches, settings: settings,
                logger: logger)
    }
    let hookCounters = HookDeliveryService.Counters()
    let analyzer = configuration.database.postgresURL.flatMap { url in
        role == .edge
            ? nil
            : analyzerService(
                url: url, configuration: configuration, database: database, actions: actions, counters: hookCounters,
                timeZone: timeZone, settings: settings, logger: logger)
    }
    let shipping = edge?.shipping
    // An edge with a live view tells the analyzer of its calls up as they start and answer.
    pipeline.callsUp = shipping?.callsUp
    pipeline.eventLateness = .milliseconds(configuration.cluster.eventLatenessMilliseconds)
    if let shipping {
        let doorbell = shipping.doorbell
        pipeline.onCallsStored = { doorbell.ring() }
    }
    var sources: [LiveService.Source] = []
    if !configuration.cdrTail.files.isEmpty {
        let tail = CDRTailSource(
            database: database, settings: configuration.cdrTail, timeZone: timeZone,
            columnMap: configuration.ingest.csv.columns, stats: pipeline.stats, logger: logger)
        sources.append { inputs in await tail.run(inputs) }
    }
    let live = LiveService(pipeline: pipeline, switches: switches, sources: sources)
    let inputs = live.inputs
    let hooks = HookDeliveryService(actions: actions, counters: hookCounters, health: storeHealth)
    // A node of a cluster's console works on the cluster store: the same alerts, people and
    // quotas on every node.
    let consolePrimary = configuration.database.postgresURL.map { url in
        ClusterPrimary(
            connector: ClusterConnector(
                url: url, password: settings.postgresPassword,
                applicationName: "tollguard \(configuration.clusterNodeName) console", logger: logger),
            logger: logger)
    }
    let consoleStore = consolePrimary.map { primary in
        let reloadable = actions.configuration
        return ClusterConsoleStore(
            primary: primary,
            summarizer: AlertSummarizer(
                timeZone: timeZone, currency: configuration.rating.currency, countryNames: settings.countryNames),
            timeZone: timeZone, actions: { ActionSettings(reloadable.current) })
    }
    let updates =
        consoleStore.map { ConsoleUpdates(feed: $0, logger: logger) }
        ?? ConsoleUpdates(database: database, logger: logger)
    let routes = httpRoutes(
        configuration: configuration, database: database, timeZone: timeZone, settings: settings,
        inputs: inputs, pipeline: pipeline, switches: switches, hooks: hooks, updates: updates,
        consoleStore: consoleStore, shipping: shipping?.status, analyzer: analyzer?.status, logger: logger)
    let http = buildApplication(
        settings.http,
        routes: routes, logger: logger, onServerRunning: settings.onHTTPRunning)
    let reload = ConfigurationReloadService(
        configuration: actions.configuration, load: settings.reloadConfiguration,
        notify: { [engineChanges = analyzer?.engineChanges] in
            inputs.yield(.reload)
            engineChanges?.note()
        }, logger: logger)
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
        // Checkpoints beside the writer, first: stopped last, once the pipeline has stored
        // what it held, it gives the writer its own checkpoints back.
        .init(service: StoreCheckpointService(database: database, logger: logger)),
        // The console's updates after the HTTP server: stopped first, they end the open event
        // streams, so the server's shutdown waits for no page.
        .init(service: hooks), .init(service: live), .init(service: http), .init(service: updates),
        .init(service: reload),
    ]
    if let consolePrimary { services.append(.init(service: consolePrimary)) }
    if let shipping {
        // Right after the checkpointer: stopped once the pipeline has stored what it held, it
        // ships that too.
        services.insert(.init(service: shipping), at: 1)
    }
    if var suspensions = edge?.suspensions {
        // The live pipeline hangs up a newly suspended account's calls at once, not at its next
        // look at the store's suspensions (every 2 s).
        suspensions.changed = { inputs.yield(.refresh) }
        services.append(.init(service: suspensions))
    }
    if let kills = edge?.kills { services.append(.init(service: kills)) }
    if let analyzer { services.append(.init(service: analyzer)) }
    // Every node of a cluster takes the cluster's quotas, lists and rate deck into its store; a
    // change of the lists or the deck makes its engines and rater anew, as a SIGHUP does.
    if let url = configuration.database.postgresURL {
        var mirror = ClusterQuotaAndListMirror(
            connector: ClusterConnector(
                url: url, password: settings.postgresPassword,
                applicationName: "tollguard \(configuration.clusterNodeName) quotas and lists", logger: logger),
            local: database, node: configuration.clusterNodeName, logger: logger)
        mirror.listsOrRatesChanged = { [engineChanges = analyzer?.engineChanges] in
            inputs.yield(.reload)
            engineChanges?.note()
        }
        services.append(.init(service: mirror))
    }
    if !configuration.sipWatch.follow.isEmpty || securityEvents != nil {
        services.append(
            .init(
                service: SecurityLogWatchService(
                    actions: actions, timeZone: timeZone, stats: pipeline.stats, health: storeHealth,
                    liveEvents: securityEvents, logger: logger)))
    }
    let group = ServiceGroup(
        configuration: .init(
            services: services, gracefulShutdownSignals: settings.gracefulShutdownSignals, logger: logger))
    return Serve(
        group: group, stats: pipeline.stats, inputs: inputs, actions: actions, storeHealth: storeHealth,
        endpoints: routes.endpoints, switches: switches, shipping: shipping?.status, analyzer: analyzer?.status)
}

/// A node's part in the cluster's analysis: standing by for the lease, analyzing while it holds
/// it, with the engine as this node's configuration and store (lists) make it and the cluster's quotas; the hook
/// events its alerts owe queued in the cluster store and delivered while it leads.
private func analyzerService(
    url: PostgresURL, configuration: TollGuardConfiguration, database: TollGuardDatabase, actions: ActionLayer,
    counters: HookDeliveryService.Counters, timeZone: TimeZone, settings: ServeSettings, logger: Logger
) -> ClusterAnalyzerService {
    let node = configuration.clusterNodeName
    let connector = ClusterConnector(
        url: url, password: settings.postgresPassword, applicationName: "tollguard \(node) analyzer", logger: logger)
    // The engine of the configuration in force: SIGHUP reloads it, and the leader makes its engine anew.
    let reloadable = actions.configuration
    let countryNames = settings.countryNames
    var service = ClusterAnalyzerService(
        connector: connector, node: node, timeZone: timeZone, logger: logger,
        makeEngine: {
            try AnalysisRun(
                database: database, configuration: reloadable.current, timeZone: timeZone, countryNames: countryNames
            ).makeEngine()
        })
    service.leaseDuration = .seconds(configuration.cluster.leaseSeconds)
    service.interval = .milliseconds(configuration.cluster.analyzeIntervalMilliseconds)
    service.keepDays = configuration.cluster.keepDays
    service.snapshotInterval =
        configuration.cluster.snapshotSeconds > 0 ? .seconds(configuration.cluster.snapshotSeconds) : nil
    service.evidenceLimit = configuration.analysis.maxEvidenceCalls
    service.actions = { ActionSettings(reloadable.current) }
    service.summarizer = AlertSummarizer(
        timeZone: timeZone, currency: configuration.rating.currency, countryNames: settings.countryNames)
    service.deliverHooks = { outbox in counters.count(try await actions.deliverDue(from: outbox)) }
    return service
}

/// An edge's services on the cluster store at `database.url`: the shipping of its stored calls,
/// the analyzer's suspensions copied into its store (its live pipeline enforces them), and the
/// kill commands for the switches it watches live (none without one).
private struct EdgeServices {
    var shipping: CallShippingService
    var suspensions: ClusterSuspensionMirror
    var kills: KillCommandService?

    init(
        url: PostgresURL, configuration: TollGuardConfiguration, database: TollGuardDatabase,
        switches: LiveSwitches, settings: ServeSettings, logger: Logger
    ) {
        let node = configuration.clusterNodeName
        let connector = ClusterConnector(
            url: url, password: settings.postgresPassword, applicationName: "tollguard \(node)", logger: logger)
        shipping = CallShippingService(
            connector: connector, local: database, source: node, switchName: configuration.clusterSwitchName,
            logger: logger)
        shipping.interval = .milliseconds(configuration.cluster.shipIntervalMilliseconds)
        suspensions = ClusterSuspensionMirror(connector: connector, local: database, logger: logger)
        guard !switches.isEmpty else { return }
        // Only a live view knows the calls still up: an edge that reads files or posts learns of a
        // call when it ends, and promises nothing.
        // While a switch is not connected, its calls are unknown: the promise stays where it was.
        shipping.callsUp = EdgeCallsUp(seesEverySwitch: {
            switches.all.allSatisfy { $0.counters.isConnected.load(ordering: .relaxed) }
        })
        kills = KillCommandService(
            connector: connector, node: node, switches: switches.all.map(\.name),
            hangUp: { command in
                do {
                    return try await switches.hangUp(
                        switchName: command.switchName, uuid: command.callUUID, channel: command.channel)
                } catch let refused as HangupRefused {
                    return "refused: " + refused.reason
                }
            }, logger: logger)
    }
}

/// The HTTP side's routes over the running services.
private func httpRoutes(
    configuration: TollGuardConfiguration, database: TollGuardDatabase, timeZone: TimeZone, settings: ServeSettings,
    inputs: LiveInputs, pipeline: LivePipeline, switches: LiveSwitches, hooks: HookDeliveryService,
    updates: ConsoleUpdates, consoleStore: ClusterConsoleStore?, shipping: ShippingStatus?,
    analyzer: AnalyzerStatus?, logger: Logger
) -> HTTPRoutes {
    let secrets = configuration.cdrPost.secrets()
    let credentials = HTTPCredentials(basic: secrets.basic, token: secrets.token)
    var cdrPost: CDRPostRoute?
    if configuration.cdrPost.enabled {
        if credentials.isEmpty {
            logger.warning(
                "POST /cdr refuses every post: set the credentials (user:password) or the token variable",
                metadata: [
                    "cdr_post.credentials_env": "\(configuration.cdrPost.credentialsEnvironment)",
                    "cdr_post.token_env": "\(configuration.cdrPost.tokenEnvironment)",
                ])
        }
        let health = pipeline.health
        cdrPost = CDRPostRoute(settings: configuration.cdrPost, credentials: credentials, logger: logger) {
            record, source, stored in
            guard inputs.hasRoom else {
                return .notStored(reason: "the live pipeline holds too many calls the store has not taken")
            }
            if let outage = health.outage(of: LivePipeline.storeComponent) {
                // Analysed now and stored once the store takes writes; the switch keeps it until
                // a retry is answered 200 (the retry is a duplicate, recognized as one).
                guard inputs.yield(.completed(record, source: source, stored: nil)) else {
                    return .notStored(reason: "shutting down")
                }
                return .notStored(reason: outage.reason)
            }
            let answer: @Sendable (Bool) async -> Void = { written in
                let reason = health.outage(of: LivePipeline.storeComponent)?.reason
                stored(written ? .taken : .notStored(reason: reason ?? "the store refused it"))
            }
            guard inputs.yield(.completed(record, source: source, stored: answer)) else {
                return .notStored(reason: "shutting down")
            }
            return .taken
        }
    }
    let page = ReportPage(
        database: database, configuration: pipeline.configurationCell, timeZone: timeZone,
        countryNames: settings.countryNames)
    var consoleSettings = settings.console
    consoleSettings.currency = configuration.rating.currency
    consoleSettings.timeZone = timeZone
    let configurationCell = pipeline.configurationCell
    consoleSettings.analysis = { configurationCell.current.analysis }
    consoleSettings.banLog = { configurationCell.current.sipWatch.banLog }
    if let url = configuration.database.postgresURL {
        consoleSettings.clusterNotice = ConsoleSettings.clusterNotice(
            node: configuration.clusterNodeName, store: "\(url)")
    }
    if !switches.isEmpty || !configuration.cdrTail.files.isEmpty {
        let stats = pipeline.stats
        consoleSettings.liveCalls = { stats.snapshot.withLock { $0 } }
    }
    let console: ConsoleRoute?
    do {
        console = try ConsoleRoute(
            actions: hooks.actions, store: consoleStore, settings: consoleSettings, updates: updates, logger: logger)
    } catch {
        logger.error(
            "the review console's templates do not parse; /console is not served", metadata: ["error": "\(error)"])
        console = nil
    }
    return HTTPRoutes(
        health: {
            ServeHealth.status(
                switches: switches, store: pipeline.health, blindAnalysis: try? database.lastAnalysisBlindPeriod(),
                shipping: shipping?.snapshot, shippingGrace: settings.shippingGrace.seconds,
                analyzer: analyzer?.snapshot, timeZone: timeZone)
        },
        metrics: {
            await ServeMetrics.render(
                pipeline: pipeline.stats, switches: switches, inputs: inputs, hooks: hooks, database: database,
                store: pipeline.health, shipping: shipping?.snapshot, analyzer: analyzer?.snapshot)
        },
        cdrPost: cdrPost,
        reportPage: ReportPageRoute(
            credentials: credentials, loopbackOnly: settings.http.isLoopback, logger: logger
        ) { date in try await page.render(date: date) },
        console: console)
}
