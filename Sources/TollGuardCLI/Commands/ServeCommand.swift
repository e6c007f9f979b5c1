import ArgumentParser
import Foundation
import Logging
import TollGuardCore
import TollGuardHTTP
import TollGuardServer

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
        let database = try global.openDatabase(configuration)
        var settings = ServeSettings(reloadConfiguration: { [global] in try global.loadConfiguration().configuration })
        settings.http = HTTPServerSettings(host: httpHost, port: httpPort)
        settings.countryNames = try global.numberingPlan().countryNames
        settings.onHTTPRunning = { [httpHost] port in
            print("tollguard serve: /healthz and /metrics on http://\(httpHost):\(port)")
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
        try await serve.run()
        print("tollguard serve: stopped; \(serve.summary)")
    }
}
