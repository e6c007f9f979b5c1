import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TollGuardCore

/// What open console pages hear by server-sent events: the alerts new or changed since the last
/// look (a quota crossing is a `daily_quota` alert), with the tabs' counts after them.
package struct ConsoleUpdate: Sendable, Encodable, Equatable {
    package struct ChangedAlert: Sendable, Encodable, Equatable {
        package var id: Int64
        package var rule: String
        package var severity: String
        package var subject: String
        package var headline: String
        package var state: String
        /// Raised since the last look (else changed: by analysis or a person).
        package var isNew: Bool

        enum CodingKeys: String, CodingKey {
            case id, rule, severity, subject, headline, state
            case isNew = "new"
        }
    }

    package var alerts: [ChangedAlert]
    /// Open, acknowledged, snoozed and closed (the Mine tab is each person's own).
    package var counts: [String: Int]

    /// The `text/event-stream` frame: `event: alerts` and one line of JSON.
    package var eventText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "event: alerts\ndata: \(json)\n\n"
    }
}

/// Watches the store for alerts new or changed and tells every open console page, with one
/// query per `interval` however many pages listen (no polling storm); a comment line every
/// `heartbeat` keeps idle streams open and finds the closed ones.
///
/// A service of `serve`'s group: at shutdown it ends every stream, so the HTTP server can close.
package final class ConsoleUpdates: Service, Sendable {
    /// What a page's stream receives.
    package enum Message: Sendable, Equatable {
        case update(ConsoleUpdate)
        case heartbeat
    }

    private let feed: any AlertChangeFeed
    private let interval: Duration
    private let heartbeat: Duration
    private let logger: Logger
    private let listeners = Mutex<(next: Int, continuations: [Int: AsyncStream<Message>.Continuation])>((0, [:]))
    private let stopped = Atomic<Bool>(false)
    private let watching = Atomic<Bool>(false)
    private let updatesSent = Atomic<Int>(0)
    private let newestTold = Atomic<Int64>(0)

    /// Watches one box's store.
    package convenience init(
        database: TollGuardDatabase, interval: Duration = .seconds(1), heartbeat: Duration = .seconds(15),
        logger: Logger
    ) {
        self.init(feed: LocalAlertFeed(database: database), interval: interval, heartbeat: heartbeat, logger: logger)
    }

    /// Watches the alerts of `feed` (a cluster's, on a node of one).
    package init(
        feed: any AlertChangeFeed, interval: Duration = .seconds(1), heartbeat: Duration = .seconds(15),
        logger: Logger
    ) {
        self.feed = feed
        self.interval = interval
        self.heartbeat = heartbeat
        self.logger = logger
    }

    /// Whether the watcher has taken its first look: alerts raised from now on reach the pages.
    package var isWatching: Bool { watching.load(ordering: .acquiring) }

    /// How many updates went out (each to every page listening then).
    package var updateCount: Int { updatesSent.load(ordering: .relaxed) }

    /// The newest alert an update told the pages of.
    package var newestAlertTold: Int64 { newestTold.load(ordering: .relaxed) }

    /// How many pages listen now.
    package var listenerCount: Int { listeners.withLock { $0.continuations.count } }

    /// A new page's stream; it ends when the page goes or the service stops.
    package func subscribe() -> AsyncStream<Message> {
        let (stream, continuation) = AsyncStream<Message>.makeStream(bufferingPolicy: .bufferingNewest(16))
        guard !stopped.load(ordering: .acquiring) else {
            continuation.finish()
            return stream
        }
        let id = listeners.withLock { state in
            state.next += 1
            state.continuations[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.listeners.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    /// The alerts raised after alert `id` (those a page made before them has not shown), as one
    /// update; nil when there are none.
    package func raised(after id: Int64) async throws -> ConsoleUpdate? {
        let alerts = try await feed.alerts(raisedAfter: id, limit: 200)
        guard !alerts.isEmpty else { return nil }
        let counts = try await feed.reviewCounts(user: "", now: Date())
        return Self.update(alerts.map { AlertChangeSinceMark(alert: $0, isNew: true) }, counts: counts)
    }

    private static func update(_ changes: [AlertChangeSinceMark], counts: [ReviewTab: Int]) -> ConsoleUpdate {
        ConsoleUpdate(
            alerts: changes.map {
                ConsoleUpdate.ChangedAlert(
                    id: $0.alert.id, rule: $0.alert.rule, severity: $0.alert.severity.name,
                    subject: $0.alert.subject.description, headline: $0.alert.headline,
                    state: $0.alert.state.rawValue, isNew: $0.isNew)
            },
            counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
                .filter { $0.key != ReviewTab.mine.rawValue })
    }

    /// Sends `message` to every page listening.
    package func broadcast(_ message: Message) {
        for continuation in listeners.withLock({ Array($0.continuations.values) }) { continuation.yield(message) }
    }

    package func run() async throws {
        let clock = ContinuousClock()
        var mark = try? await feed.alertChangeMark()
        watching.store(true, ordering: .releasing)
        var lastBeat = clock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            do {
                let (changes, newMark) = try await feed.alertsChanged(since: mark, limit: 200)
                let counts = changes.isEmpty ? [:] : try await feed.reviewCounts(user: "", now: Date())
                mark = newMark
                if !changes.isEmpty {
                    broadcast(.update(Self.update(changes, counts: counts)))
                    updatesSent.add(1, ordering: .relaxed)
                    newestTold.store(max(newestAlertTold, changes.map(\.alert.id).max() ?? 0), ordering: .relaxed)
                    lastBeat = clock.now
                }
            } catch {
                logger.warning("console updates: the store could not be read", metadata: ["error": "\(error)"])
            }
            if clock.now - lastBeat >= heartbeat {
                broadcast(.heartbeat)
                lastBeat = clock.now
            }
        }
        stopped.store(true, ordering: .releasing)
        for continuation in listeners.withLock({ Array($0.continuations.values) }) { continuation.finish() }
    }
}
