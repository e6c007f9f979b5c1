import ArgumentParser
import Foundation
import Logging
import Synchronization
import TollGuardCore
import TollGuardDemo
import TollGuardHTTP
import TollGuardServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Watch calls live: FreeSWITCH event sockets, Asterisk Managers, alerts, suspensions, kills, hooks, /metrics.",
        discussion: """
            Reads every switch of the site: the event sockets of [event_socket] or [[event_socket]] (password \
            from password_env or password_file) and the Asterisk Managers of [[ami]] (secret from secret_env or \
            secret_file), each by its name. Feeds every call event to one set of analyzers as it happens, stores \
            completed calls with their switch (the same keys as the CSV ingest, so the nightly ingest adds \
            nothing), stores alerts and acts on them at once: suspensions, hooks, and the hangup of the suspended \
            account's live calls on the switch that carries each (uuid_kill, AMI Hangup; kill_on_suspend); the \
            Managers' security events go to the SIP watcher. Quotas set and \
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

    @Option(
        help: ArgumentHelp(
            "Try serve without a switch: play the calls of this CDR file as live events through the built-in "
                + "replay server (the event socket is pointed at it).", valueName: "cdr-file"))
    var replay: String?

    @Option(help: "Events per second of --replay.")
    var eventsPerSecond = 200.0

    @Option(
        help: ArgumentHelp(
            "With [database] url: edge (watch and ship this node's switches), analyzer (stand by for the "
                + "analyzer lease and analyze the cluster's calls), or all (both). Default: [cluster] role.",
            valueName: "role"))
    var role: ClusterRole?

    func run() async throws {
        // SIGHUP's default action ends the process: until the reload service traps it, a
        // `systemctl reload` (during a long migration, or waiting for the database lock) is
        // ignored; the configuration is read below anyway.
        signal(SIGHUP, SIG_IGN)
        var configuration = try global.loadConfiguration().configuration
        if let role {
            guard configuration.database.postgresURL != nil else {
                throw CommandFailure(
                    "--role \(role.rawValue) needs [database] url: without a cluster store this node runs alone")
            }
            configuration.cluster.role = role
        }
        let replaying = try replay.map { path in
            try CDRFileReplay(
                path: path, format: configuration.ingest.format, timeZone: global.siteTimeZone(configuration))
        }
        let server = replaying == nil ? nil : try await FakeFreeSWITCH.start(password: UUID().uuidString)
        if let server {
            setenv("TOLLGUARD_REPLAY_PASSWORD", server.password, 1)
            configuration.eventSocket.enabled = true
            configuration.eventSocket.host = "127.0.0.1"
            configuration.eventSocket.port = server.port
            configuration.eventSocket.passwordEnvironment = "TOLLGUARD_REPLAY_PASSWORD"
            configuration.eventSocket.passwordFile = ""
        }
        let database = try global.openDatabase(configuration)
        var settings = ServeSettings(reloadConfiguration: { [global] in try global.loadConfiguration().configuration })
        settings.http = HTTPServerSettings(host: httpHost, port: httpPort)
        settings.countryNames = try global.numberingPlan().countryNames
        let endpoints = Mutex<[String]>([])
        settings.onHTTPRunning = { [httpHost] port in
            let listed = endpoints.withLock { $0 }.joined(separator: ", ")
            print("tollguard serve: http://\(httpHost):\(port) answers \(listed)")
            fflush(nil)
        }
        let serve: Serve
        do {
            serve = try buildServeServices(
                configuration: configuration, database: database, timeZone: global.siteTimeZone(configuration),
                settings: settings, logger: Logger(label: "tollguard.serve"))
        } catch let error as ServeError {
            throw CommandFailure(error.description)
        }
        endpoints.withLock { $0 = serve.endpoints.map(\.label) }
        guard let server, let replaying else {
            try await serve.run()
            print("tollguard serve: stopped; \(serve.summary)")
            return
        }
        print(
            "tollguard serve: replaying \(replaying.calls.count) calls of \(replay ?? "") as \(replaying.events.count) "
                + "events at \(Int(eventsPerSecond))/s through the built-in replay server on 127.0.0.1:\(server.port)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await serve.run() }
            group.addTask { [eventsPerSecond] in
                try await server.waitForSubscribers()
                _ = try await server.replay(replaying.events, eventsPerSecond: eventsPerSecond)
                print("tollguard serve: replay done; serving until stopped (Ctrl-C)")
                fflush(nil)
            }
            try await group.waitForAll()
        }
        await server.stop()
        print("tollguard serve: stopped; \(serve.summary)")
    }
}

extension ClusterRole: ExpressibleByArgument {}
