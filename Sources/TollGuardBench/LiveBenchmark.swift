import ArgumentParser
import Foundation
import Logging
import Synchronization
import TollGuardCore
import TollGuardDemo
import TollGuardHooks
import TollGuardLive

/// `serve`'s live path over loopback: the replay server (`--source event-socket`) or the fake
/// Asterisk (`--source ami`) sends generated call events at a fixed rate (honest calls, and every
/// second an account starting an IRSF burst), the event-socket or Manager client and the live
/// pipeline (engine, store, alerts) take them.
///
/// Prints event→alert latency
/// (received → alert stored and acted on), events/s, and RSS early and at the end of the measured
/// run, which follows a warm-up of the same traffic (three hours of call time by default: the
/// windows filled and turned over, SQLite's page cache full, as in a serve up for hours); beside
/// it the same client receiving the same rate with no analysis, as the transport baseline.
struct LiveBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live", abstract: "Event-to-alert latency and memory of serve's live path at a fixed event rate.")

    @Option(help: "Events per second the replay server sends.")
    var rate = 2000.0

    @Option(help: "Seconds to run.")
    var seconds = 60.0

    @Option(
        help:
            "Seconds of call time per second of the run: 60 plays an hour a minute, so the hour-long windows fill and turn over within the run."
    )
    var timeScale = 60.0

    @Option(
        help:
            "Seconds of the same traffic before the measured run with analysis (default: three hours of call time), so the hour-long windows have filled and turned over and SQLite's page cache is full when measuring starts, as in a serve that has been up for hours."
    )
    var warmup: Double?

    @Option(help: "Scratch folder.")
    var directory = "/tmp/tollguard-bench"

    @Flag(help: "Skip the client-only baseline (for long memory runs).")
    var skipBaseline = false

    /// The switch the events come from.
    enum Source: String, ExpressibleByArgument, CaseIterable {
        case eventSocket = "event-socket"
        case ami
    }

    @Option(help: "The switch's interface: event-socket (FreeSWITCH) or ami (the Asterisk Manager).")
    var source = Source.eventSocket

    @Flag(help: "Let the store's writer checkpoint its WAL itself, as serve did before it checkpointed aside.")
    var checkpointOnCommit = false

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        bootstrapQuietLogging()
        let baseline = skipBaseline ? nil : try await drive(analyze: false)
        let live = try await drive(analyze: true)
        func row(_ name: String, _ result: Result) -> String {
            let latency =
                result.latencies.isEmpty
                ? "-"
                : String(
                    format: "%.2f / %.2f / %.2f ms (%d alerts)", result.percentile(0.5), result.percentile(0.99),
                    result.percentile(1), result.latencies.count)
            return String(
                format: "%-34@ %6.0f ev/s sent %6.0f ev/s taken  RSS %6.1f → %6.1f → %6.1f MB  latency p50/p99/max %@",
                name as NSString, result.sentPerSecond, result.takenPerSecond, result.rssStart, result.rssMiddle,
                result.rssEnd,
                latency as NSString)
        }
        print(
            "source: \(source == .ami ? "Asterisk Manager (fake Asterisk)" : "FreeSWITCH event socket (replay server)")"
        )
        if let baseline { print(row("client only (baseline)", baseline)) }
        print(row("client + engine + store + alerts", live))
        print(
            String(
                format:
                    "after %.0f s of warm-up: p99 %.2f ms (target < 5); RSS at 10 %% / 50 %% / 100 %% of the measured run: growth %.1f MB from 10 %% to the end",
                warmupSeconds, live.percentile(0.99), live.rssEnd - live.rssStart))
        // Every event waits behind a write: the longest writes are the pipeline's stalls,
        // whether or not an alert was waiting at the time.
        let writes = live.writes.map { Double($0) / 1000 }
        print(
            String(
                format:
                    "store writes in the measured run: %d, p50 / p99 / max %.2f / %.2f / %.2f ms, %d of 50 ms or more",
                writes.count, quantile(writes, 0.5), quantile(writes, 0.99), quantile(writes, 1),
                writes.filter { $0 >= 50 }.count))
    }

    struct Result {
        var sentPerSecond: Double
        var takenPerSecond: Double
        var rssStart: Double
        var rssMiddle: Double
        var rssEnd: Double
        var latencies: [Int]
        /// How long each store write held the pipeline, in microseconds.
        var writes: [Int] = []

        func percentile(_ p: Double) -> Double {
            quantile(latencies.map { Double($0) / 1000 }, p)
        }
    }

    private var warmupSeconds: Double { warmup ?? 10_800 / timeScale }

    /// A switch of the benchmark: the client's side, and how an event goes out of the switch.
    private struct Switch {
        var live: LiveSwitch
        var ready: () async throws -> Void
        var send: (inout LiveTraffic) async -> Void
        var stop: () async -> Void
    }

    private func makeSwitch(logger: Logger) async throws -> Switch {
        switch source {
        case .eventSocket:
            let server = try await FakeFreeSWITCH.start()
            let connection = EventSocketConnection(host: "127.0.0.1", port: server.port, password: server.password)
            let listener = EventSocketListener(
                connection: connection, reconnectMaxSeconds: 1, heartbeatTimeoutSeconds: 30, logger: logger)
            let live = LiveSwitch(
                name: "freeswitch",
                feed: .eventSocket(
                    listener, EventSocketCommander(connection: connection, logger: logger), killCause: "CALL_REJECTED"))
            return Switch(
                live: live, ready: { try await server.waitForSubscribers() },
                send: { traffic in
                    if case .eventSocket(let event) = traffic.next() { await server.publish(event) }
                }, stop: { await server.stop() })
        case .ami:
            let server = try await FakeAsterisk.start()
            let connection = AMIConnection(
                host: "127.0.0.1", port: server.port, username: server.username, secret: server.secret,
                authentication: .md5)
            let live = LiveSwitch(
                name: "asterisk",
                feed: .manager(
                    AMIListener(connection: connection, reconnectMaxSeconds: 1, logger: logger),
                    AMICommander(connection: connection, logger: logger), killCause: 21))
            return Switch(
                live: live, ready: { try await server.waitForLogins() },
                send: { traffic in
                    if case .manager(let event, let time) = traffic.next() { await server.emit(event, at: time) }
                }, stop: { await server.stop() })
        }
    }

    private func drive(analyze: Bool) async throws -> Result {
        let database = directory + "/live-bench.sqlite"
        for path in [database, database + "-wal", database + "-shm"] {
            try? FileManager.default.removeItem(atPath: path)
        }
        let store = try TollGuardDatabase.open(path: database)
        var configuration = TollGuardConfiguration()
        configuration.site.timezone = "UTC"
        let logger = Logger(label: "bench.live")
        let server = try await makeSwitch(logger: logger)
        let actions = ActionLayer(
            database: store, configuration: ReloadableConfiguration(configuration), logger: logger)
        let pipeline = LivePipeline(actions: actions, timeZone: .gmt, logger: logger)
        let received = EventCounter()
        let inputs = LiveInputs()
        let consumer = Task {
            if analyze {
                try await pipeline.run(inputs)
            } else {
                for await _ in inputs.stream { inputs.took() }
            }
        }
        let live = server.live
        // As serve runs: the WAL copied beside the writer (unless asked otherwise).
        let checkpoints = Task { [checkpointOnCommit] in
            if analyze, !checkpointOnCommit { try await StoreCheckpointService(database: store, logger: logger).run() }
        }
        let sources = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await LivePipeline.tick(inputs) }
                group.addTask {
                    await live.run(feeding: inputs) { received.count.add(1, ordering: .relaxed) }
                }
            }
        }
        try await server.ready()
        received.count.store(0, ordering: .relaxed)

        var traffic = LiveTraffic(eventsPerSecond: rate, timeScale: timeScale, manager: source == .ami)
        if analyze {
            _ = try await send(Int(rate * warmupSeconds), of: &traffic, to: server, received: received)
        }
        received.count.store(0, ordering: .relaxed)
        pipeline.stats.alertLatencies.withLock { $0 = [] }
        pipeline.stats.writeDurations.withLock { $0 = [] }
        let total = Int(rate * seconds)
        // RSS at each tenth of the run: [1] is the run's 10 %, [5] its middle.
        var series: [Double] = []
        let (sentSeconds, takenSeconds) = try await send(total, of: &traffic, to: server, received: received) { index in
            if index % max(1, total / 10) == 0 { series.append(Self.residentMegabytes()) }
        }
        let rssStart = series.count > 1 ? series[1] : 0
        let rssMiddle = series.count > 5 ? series[5] : 0
        let rssEnd = Self.residentMegabytes()
        if analyze {
            print(
                "RSS every tenth of the measured run (MB): "
                    + (series + [rssEnd]).map { String(format: "%.0f", $0) }.joined(separator: " "))
        }
        sources.cancel()
        await sources.value
        inputs.finish()
        try await consumer.value
        checkpoints.cancel()
        try await checkpoints.value
        await live.shutdown()
        await server.stop()
        return Result(
            sentPerSecond: Double(total) / sentSeconds,
            takenPerSecond: Double(received.count.load(ordering: .relaxed)) / takenSeconds,
            rssStart: rssStart, rssMiddle: rssMiddle, rssEnd: rssEnd,
            latencies: pipeline.stats.alertLatencies.withLock { $0 },
            writes: pipeline.stats.writeDurations.withLock { $0 })
    }

    /// Sends `count` events of `traffic` at `rate` a second, calling `each` with each index once
    /// it is sent, then waits (30 s at most) until the client has received them all.
    ///
    /// Returns the
    /// seconds the sending took and the seconds until the last was received.
    private func send(
        _ count: Int, of traffic: inout LiveTraffic, to server: Switch, received: EventCounter,
        each: (Int) -> Void = { _ in }
    ) async throws -> (sent: Double, taken: Double) {
        let clock = ContinuousClock()
        let started = clock.now
        let before = received.count.load(ordering: .relaxed)
        for index in 0..<count {
            let due = started + .milliseconds(Int(Double(index) / rate * 1000))
            if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            await server.send(&traffic)
            each(index)
        }
        let sentSeconds = (clock.now - started).seconds
        while received.count.load(ordering: .relaxed) - before < count, (clock.now - started).seconds < sentSeconds + 30
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        return (sentSeconds, (clock.now - started).seconds)
    }

    static func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
    }
}

final class EventCounter: Sendable {
    let count = Atomic<Int>(0)
}

/// Generated call events, `timeScale` seconds of call time per second of the run: honest 20-second national calls
/// from 20,000 accounts (each behind its own address), and each second one account starting three calls to Somalia at once;
/// as FreeSWITCH's event socket writes them (3 events a call) or as the Asterisk Manager does (6).
struct LiveTraffic {
    /// One event, as its switch writes it.
    enum Event {
        case eventSocket(ESLEvent)
        case manager(AMIMessage, at: Date)
    }

    private var freeswitch = FreeSWITCHEventWriter()
    private var asterisk = AsteriskEventWriter()
    private let manager: Bool
    private var pending = TimeOrderedQueue<Event>()
    private var clock = Date(timeIntervalSince1970: 1_795_000_000)
    private var calls = 0
    /// Calls per second of the run, and seconds of call time per second of the run.
    private let callsPerSecond: Double
    private let timeScale: Double

    /// `origin`: the switch's clock at the first call (default: a fixed moment).
    init(eventsPerSecond: Double, timeScale: Double, manager: Bool = false, origin: Date? = nil) {
        self.manager = manager
        if let origin { clock = origin }
        asterisk.keepsUniqueids = false
        callsPerSecond = eventsPerSecond / (manager ? 6 : 3)
        self.timeScale = timeScale
    }

    /// The events of `call`.
    private mutating func events(for call: CallRecord) -> [(Date, Event)] {
        if manager { return asterisk.events(for: call).map { ($0.time, .manager($0.event, at: $0.time)) } }
        return freeswitch.events(for: call).map { ($0.time, .eventSocket($0.event)) }
    }

    /// The next event in time order.
    mutating func next() -> Event {
        while true {
            if let due = pending.first, due <= clock, let event = pending.removeFirst() { return event }
            clock = clock.addingTimeInterval(timeScale / callsPerSecond)
            calls += 1
            let started = clock
            let uuid = String(format: "1ive0000-0000-4000-8000-%012d", calls)
            var call = CallRecord(
                dedupKey: uuid, callID: uuid, account: String(100_000 + calls % 20_000),
                callerNumber: String(100_000 + calls % 20_000),
                destination: "2125550\(String(format: "%03d", calls % 1000))",
                context: "default", sourceIP: "10.1.\(calls % 20_000 / 250).\(calls % 250 + 1)", startedAt: started,
                answeredAt: started.addingTimeInterval(2), endedAt: started.addingTimeInterval(20), duration: 20,
                billsec: 18,
                disposition: .answered, hangupCause: "NORMAL_CLEARING")
            if calls % Int(callsPerSecond.rounded()) == 0 {
                // An IRSF burst: the account's third simultaneous international call raises an alert.
                call.account = "9\(calls)"
                call.callerNumber = call.account
                call.destination = "01125261\(String(format: "%06d", calls % 1_000_000))0"
            }
            var burst = [call]
            if call.account.hasPrefix("9") {
                for extra in 1...2 {
                    var more = call
                    more.dedupKey += "-\(extra)"
                    more.callID = more.dedupKey
                    more.destination = String(more.destination.dropLast()) + String(extra)
                    burst.append(more)
                }
            }
            for call in burst {
                for (time, event) in events(for: call) { pending.insert(event, at: time) }
            }
        }
    }
}
