import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TollGuardCore
import TollGuardHooks

/// `[sip_watch] follow` as a `Service` of `serve`: the SIP attack watcher over the PBX logs as
/// they grow (what `tollguard logs follow` does) and over the Asterisk Managers' security
/// events, alerts and hook events after each poll, bans to the ban log.
///
/// Where each log was read to is saved after each poll, so a restart resumes
/// there; a first start begins at the logs' ends. A reload (SIGHUP) takes effect after the next poll.
package struct SecurityLogWatchService: Service {
    /// The store, the configuration as last reloaded, and what follows an alert.
    package let actions: ActionLayer
    package let timeZone: TimeZone
    package let stats: LivePipeline.Stats
    /// Where a refused write is recorded while it lasts.
    package let health: StoreHealth
    package let logger: Logger
    /// The security events of the Asterisk Managers, judged at each poll with the logs' lines.
    package let liveEvents: SecurityEventInbox?

    package init(
        actions: ActionLayer, timeZone: TimeZone, stats: LivePipeline.Stats, health: StoreHealth = StoreHealth(),
        liveEvents: SecurityEventInbox? = nil, logger: Logger
    ) {
        self.liveEvents = liveEvents
        self.actions = actions
        self.timeZone = timeZone
        self.stats = stats
        self.health = health
        self.logger = logger
    }

    private var database: TollGuardDatabase { actions.database }
    private var configuration: ReloadableConfiguration { actions.configuration }

    package func run() async throws {
        let settings = configuration.current.sipWatch
        var generation = configuration.generation
        var watch = try SIPWatch(
            database: database, configuration: configuration.current, timeZone: timeZone, raisedBy: "serve")
        let year = LocalClock.calendar(in: timeZone).component(.year, from: Date())
        let follower = SecurityLogFollower(
            paths: settings.follow, timeZone: timeZone, year: year, fromStart: false,
            positions: try await database.followPositions(.securityLog))
        var actionsPending = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await poll(follower, &watch, actionsPending: &actionsPending)
            if configuration.generation != generation {
                // Reloaded (SIGHUP): thresholds, allow-list, ban log and policy as now configured;
                // the per-address counts start again.
                generation = configuration.generation
                do {
                    watch = try SIPWatch(
                        database: database, configuration: configuration.current, timeZone: timeZone, raisedBy: "serve")
                } catch {
                    logger.error("sip_watch: keeping the previous settings", metadata: ["error": "\(error)"])
                }
            }
            try? await Task.sleep(for: .seconds(settings.pollSeconds))
        }
        await poll(follower, &watch, actionsPending: &actionsPending)
    }

    /// The part of `serve` the store health names for this service's writes.
    package static let storeComponent = "sip watcher"

    private func poll(_ follower: SecurityLogFollower, _ watch: inout SIPWatch, actionsPending: inout Bool) async {
        do {
            let summary = try follower.poll { file, entry in
                if case .unparsedAttack(let reason) = entry.reading {
                    logger.warning(
                        "\(SecurityLogEntry.unparsedAttackNotice(file: file, line: entry.line, reason: reason))",
                        metadata: ["file": "\(file)", "line": "\(entry.line)"])
                } else {
                    _ = watch.consume(entry, file: file)
                }
            }
            stats.securityLines.add(summary.recognized, ordering: .relaxed)
        } catch {
            logger.error("sip_watch.follow: a log could not be read", metadata: ["error": "\(error)"])
        }
        for (file, entry) in liveEvents?.drain() ?? [] {
            if case .unparsedAttack(let reason) = entry.reading {
                logger.warning(
                    "\(SecurityLogEntry.unparsedAttackNotice(file: file, line: entry.line, reason: reason))",
                    metadata: ["file": "\(file)", "line": "\(entry.line)", "event": "\(entry.text)"])
            } else {
                _ = watch.consume(entry, file: file)
            }
        }
        // Bans first: the ban log is a file, and fail2ban reads it while the store is down.
        do {
            let bans = try watch.writeBans()
            stats.bans.add(bans.count, ordering: .relaxed)
            for ban in bans {
                logger.notice(
                    "ban", metadata: ["ip": "\(ban.ip)", "rule": "\(ban.rule.rawValue)", "count": "\(ban.count)"])
            }
        } catch {
            logger.error("sip_watch: the ban log could not be written; retrying", metadata: ["error": "\(error)"])
        }
        // Alerts, their actions, then where each log was read to: what the store refuses stays
        // in `watch` (and `actionsPending`) for the next poll.
        do {
            let changes = try await watch.storeAlerts()
            if changes.newCount + changes.updatedCount > 0 { actionsPending = true }
            if actionsPending {
                _ = try await actions.actOnNewAlerts()
                actionsPending = false
            }
            try await database.saveFollowPositions(follower.positions, .securityLog)
            health.succeeded(Self.storeComponent, logger: logger)
        } catch {
            health.failed(Self.storeComponent, error: error, logger: logger)
        }
    }
}
