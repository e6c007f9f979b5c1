import Foundation
import TollGuardCore
import TollGuardHooks

/// `tollguard demo`'s site: the simulated PBX's folder with the demo's suspension policy and a
/// program hook that logs every event, the SIP attack log it watches, and the live night's policy.
package enum DemoSite {
    /// The folder's site, its configuration extended with the demo's policy and hook (the hook
    /// script written into the folder, its old log removed).
    package static func prepare(folder: URL) throws -> (site: SimulatedSiteRun, hookLog: URL) {
        let hookLog = folder.appendingPathComponent("hook-events.log")
        let hookScript = try installHook(in: folder, replacing: hookLog)
        let site = SimulatedSiteRun(
            folder: folder,
            configurationText: SimulatedSiteRun.configurationText
                + actionsConfiguration(hook: hookScript.path, log: hookLog.path))
        return (site, hookLog)
    }

    /// What the SIP attack watcher did over the demo's generated log.
    package struct SIPAttackRun: Sendable {
        package var log: String
        package var banLog: String
        package var lines: Int
        package var attackLines: Int
        package var attackers: Int
        package var alerts: Int
        package var bans: [SIPAttackDetector.Ban]
    }

    /// The SIP attack watcher over a generated FreeSWITCH security log in `folder`: alerts about
    /// addresses, acted on like every alert, and a ban log for fail2ban.
    package static func watchSIPAttacks(
        folder: URL, outcome: SimulatedSiteRun.Outcome, actions: ActionLayer
    ) async throws -> SIPAttackRun {
        let log = folder.appendingPathComponent("freeswitch.log").path
        let banLog = folder.appendingPathComponent("bans.log").path
        try? FileManager.default.removeItem(atPath: banLog)
        let truth = try FreeSWITCHLogGenerator(lines: 20_000, attackers: 30).write(to: log)
        var watch = try SIPWatch(
            database: outcome.database, configuration: outcome.configuration, timeZone: Simulation.timeZone,
            banLog: banLog)
        // As `logs scan` in the demo folder reads it: in the site's time zone.
        var scanner = SecurityLogScanner(timeZone: Simulation.timeZone, year: 2026)
        let summary = try scanner.scan(path: log) { _ = watch.consume($0, file: log) }
        let commit = try await watch.commit()
        _ = try await actions.actOnNewAlerts()
        _ = try await actions.deliverDue()
        return SIPAttackRun(
            log: log, banLog: banLog, lines: summary.lines, attackLines: truth.attackLines,
            attackers: truth.addresses.count, alerts: commit.changes.newCount, bans: commit.bans)
    }

    /// The live run's policy: the demo's, plus suspending on concurrent or rapid international calls.
    package static let livePolicy = """

        [suspension]
        mode = "enforce"
        [suspension.rules]
        daily_quota = "high"
        fraud_list_destination = "high"
        concurrent_international = "high"
        velocity_international = "high"
        "*" = "critical"

        [event_socket]
        kill_on_suspend = true
        kill_new_calls_of_suspended = true

        """
    package static let livePolicySummary =
        "suspend on concurrent_international, velocity_international, daily_quota, fraud_list_destination at high"

    /// The demo's policy and hook, appended to the simulated site's configuration.
    static func actionsConfiguration(hook: String, log: String) -> String {
        """

        # Suspend accounts on quota breaches and known-fraud numbers at high, and on anything critical.
        [suspension]
        mode = "enforce"
        [suspension.rules]
        daily_quota = "high"
        fraud_list_destination = "high"
        "*" = "critical"

        """ + hookConfiguration(hook: hook, log: log)
    }

    /// One program hook: `Data/hooks/log-event.sh`, logging every event of high severity or more to `log`.
    package static func hookConfiguration(hook: String, log: String) -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return """

            # One program hook: Data/hooks/log-event.sh, logging every event to \(URL(fileURLWithPath: log).lastPathComponent).
            [[hooks]]
            name = "demo-log"
            type = "program"
            path = \(quoted(hook))
            arguments = [\(quoted(log))]
            events = ["alert", "suspend", "unsuspend", "quota_warning"]
            min_severity = "high"

            """
    }

    /// Writes the embedded `Data/hooks/log-event.sh` into the demo folder and empties the old log.
    static func installHook(in folder: URL, replacing log: URL) throws -> URL {
        let manager = FileManager.default
        let hooks = folder.appendingPathComponent("hooks")
        try manager.createDirectory(at: hooks, withIntermediateDirectories: true)
        let script = hooks.appendingPathComponent("log-event.sh")
        try ReferenceData.embedded.text("hooks/log-event.sh").write(to: script, atomically: true, encoding: .utf8)
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        if manager.fileExists(atPath: log.path) { try manager.removeItem(at: log) }
        return script
    }
}
