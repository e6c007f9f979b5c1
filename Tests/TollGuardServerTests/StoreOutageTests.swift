import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycleTestKit
import Synchronization
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardHTTP
import TollGuardLive
import TollGuardServer
import TollGuardTestSupport

/// `serve` when its store refuses writes — another writer holding the lock past the busy timeout,
/// the disk full — keeps what every source sent, says so on `/healthz` and `/metrics`, recovers
/// by itself when the cause goes, and still stops when told to.
@Suite(.serialized) struct StoreOutageTests {
    static let logger = Logger(label: "test.outage")
    static let token = "outage-t0ken"
    static let tokenVariable = "TOLLGUARD_TEST_OUTAGE_TOKEN"

    /// A running `serve` over `database` with `POST /cdr`, a tailed CDR file and a followed PBX
    /// log (and the event socket of `server` when given).
    struct Rig: Sendable {
        let serve: Serve
        let port: PortCell
        let tailed: String
        let followed: String
        let banLog: String

        var url: String { "http://127.0.0.1:\(port.value.withLock { $0 } ?? 0)" }
    }

    static func rig(
        database: TollGuardDatabase, folder: TemporaryDirectory, server: FakeFreeSWITCH? = nil,
        drainTimeout: Duration = .seconds(15), maxUnstoredCalls: Int = 100_000
    ) throws -> Rig {
        setenv(tokenVariable, token, 1)
        var configuration = TollGuardConfiguration()
        configuration.site.timezone = "UTC"
        configuration.cdrPost.enabled = true
        configuration.cdrPost.tokenEnvironment = tokenVariable
        configuration.cdrPost.credentialsEnvironment = "TOLLGUARD_TEST_UNSET_CREDENTIALS"
        let tailed = try folder.write("Master.csv", text: "")
        configuration.cdrTail.files = [tailed]
        configuration.cdrTail.format = .fsExample
        configuration.cdrTail.pollSeconds = 0.2
        let followed = try folder.write("freeswitch.log", text: "")
        configuration.sipWatch.follow = [followed]
        configuration.sipWatch.pollSeconds = 0.2
        configuration.sipWatch.banLog = folder.path("bans.log")
        if let server {
            configuration.eventSocket.enabled = true
            configuration.eventSocket.port = server.port
            configuration.eventSocket.passwordEnvironment = "TOLLGUARD_TEST_UNSET_PASSWORD"
            configuration.eventSocket.passwordFile = try folder.write("password", text: server.password)
        }
        let configured = configuration
        var settings = ServeSettings(reloadConfiguration: { configured })
        settings.http.port = 0
        settings.gracefulShutdownSignals = []
        settings.drainTimeout = drainTimeout
        settings.maxUnstoredCalls = maxUnstoredCalls
        let port = PortCell()
        settings.onHTTPRunning = { bound in port.value.withLock { $0 = bound } }
        let serve = try buildServeServices(
            configuration: configuration, database: database, timeZone: .gmt, settings: settings, logger: logger)
        return Rig(serve: serve, port: port, tailed: tailed, followed: followed, banLog: folder.path("bans.log"))
    }

    /// Posts a mod_json_cdr document of one call; the status and the body.
    static func post(_ rig: Rig, uuid: String, account: String = "1001") async throws -> (Int, String) {
        var request = HTTPClientRequest(url: rig.url + "/cdr")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.body = .bytes(jsonCDR(uuid: uuid, account: account))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    static func get(_ rig: Rig, _ path: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: rig.url + path), timeout: .seconds(60))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    static func jsonCDR(uuid: String, account: String) -> ByteBuffer {
        ByteBuffer(bytes: CDRDocuments.json(uuid: uuid, account: account))
    }

    /// Twelve FreeSWITCH auth failures from `address`: a brute force the watcher bans.
    static func authFailures(from address: String) -> String {
        (0..<12).map { index in
            "2026-11-21 03:12:\(String(format: "%02d", index)).123456 [WARNING] sofia_reg.c:1478 SIP auth failure "
                + "(REGISTER) on sofia profile 'internal' for [10\(index)@pbx.example.com] from ip \(address)\n"
        }.joined()
    }

    static func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// The rows `count` calls of the FreeSWITCH example template, and how many calls they are.
    static func tailRows(_ count: Int, folder: TemporaryDirectory) throws -> (text: String, calls: Int) {
        var writer = ExampleCDRWriter(seed: 7, accounts: 5)
        var bytes: [UInt8] = []
        writer.appendRows(count, to: &bytes)
        let path = try folder.write("expected.csv", text: String(decoding: bytes, as: UTF8.self))
        let expected = try TollGuardDatabase.inMemory()
        var options = IngestOptions(timeZone: .gmt)
        options.format = .fsExample
        _ = try CDRFileIngester(database: expected, options: options, logger: logger).ingest(path: path)
        return (String(decoding: bytes, as: UTF8.self), try expected.callCount())
    }

    @Test func aLockedStoreIsAnOutageServeOutlivesWithoutLosingACall() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("serve.sqlite")
        let database = try TollGuardDatabase.open(path: path, busyTimeout: .milliseconds(300))
        let server = try await FakeFreeSWITCH.start()
        let rig = try Self.rig(database: database, folder: folder, server: server)
        let rows = try Self.tailRows(40, folder: folder)
        let events = ServeServicesTests.events(calls: 30)
        let hangups = events.filter { $0.name == "CHANNEL_HANGUP_COMPLETE" }.count

        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await rig.serve.run() }
                try await server.waitForSubscribers()
                #expect(try await poll(upTo: 120) { rig.port.value.withLock { $0 } != nil })
                #expect(try await Self.post(rig, uuid: "b0000000-0000-4000-8000-000000000001").0 == 200)

                // Another writer takes the lock and keeps it past serve's busy timeout.
                let lock = try await WriteLock.take(path: path)
                let (status, body) = try await Self.post(rig, uuid: "b0000000-0000-4000-8000-000000000002")
                #expect(status == 503, "\(body)")
                #expect(body.contains("database is locked"), "\(body)")
                let (health, reason) = try await Self.get(rig, "/healthz")
                #expect(health == 503)
                #expect(reason.contains("live pipeline cannot write to the store"), "\(reason)")
                #expect(reason.contains("database is locked"), "\(reason)")
                // Meanwhile every source goes on: a post is answered at once, the switch's events
                // are analysed, tailed rows and log lines are read; bans still reach the ban log.
                let (quick, _) = try await Self.post(rig, uuid: "b0000000-0000-4000-8000-000000000003")
                #expect(quick == 503)
                let replay = Task { try await server.replay(events, eventsPerSecond: 500) }
                try Self.append(rows.text, to: rig.tailed)
                try Self.append(Self.authFailures(from: "203.0.113.9"), to: rig.followed)
                #expect(
                    try await poll(upTo: 120) {
                        (try? String(contentsOfFile: rig.banLog, encoding: .utf8))?.contains("203.0.113.9") == true
                    }, "no ban while the store is locked")
                #expect(try await poll(upTo: 120) { rig.serve.stats.events.load(ordering: .relaxed) == events.count })
                _ = try await replay.value
                let metrics = try await Self.get(rig, "/metrics").1
                #expect(metrics.contains("tollguard_store_failing{component=\"live pipeline\"} 1"), "\(metrics)")
                #expect(!metrics.contains("tollguard_store_write_failures_total{component=\"live pipeline\"} 0"))
                #expect(try await poll(upTo: 60) { rig.serve.storeHealth.outages.count >= 2 }, "the watcher's outage")

                // The lock goes: serve recovers by itself and stores everything it kept.
                await lock.release()
                #expect(try await poll(upTo: 120) { try await Self.get(rig, "/healthz").0 == 200 })
                let stored = 3 + hangups + rows.calls
                let allStored = try await poll(upTo: 120) { try database.callCount() == stored }
                #expect(allStored, "\((try? database.callCount()) ?? -1) stored of \(stored)")
                // The switch's retry of the refused post is a duplicate, answered 200.
                #expect(try await Self.post(rig, uuid: "b0000000-0000-4000-8000-000000000002").0 == 200)
                #expect(try database.callCount() == stored)
                #expect(
                    try await poll(upTo: 60) {
                        try database.alerts().contains { $0.subject.value == "203.0.113.9" }
                    }, "the watcher's alert was not stored after the outage")
                #expect(
                    try await Self.get(rig, "/metrics").1.contains(
                        "tollguard_store_failing{component=\"live pipeline\"} 0"))
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        await server.stop()
    }

    /// A long outage does not grow the pipeline without bound: past `maxUnstoredCalls` it takes
    /// no more inputs (they wait in the stream, its sources wait on it), and when the store is
    /// back every call is stored.
    @Test func aLongOutageKeepsThePipelineBounded() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("serve.sqlite")
        let database = try TollGuardDatabase.open(path: path, busyTimeout: .milliseconds(200))
        let rig = try Self.rig(database: database, folder: folder, maxUnstoredCalls: 3)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await rig.serve.run() }
                #expect(try await poll(upTo: 120) { rig.port.value.withLock { $0 } != nil })
                let lock = try await WriteLock.take(path: path)
                for index in 1...12 {
                    let answer = try await Self.post(rig, uuid: String(format: "e0000000-0000-4000-8000-%012d", index))
                    #expect(answer.0 == 503, "\(answer.1)")
                }
                // The pipeline holds at most its bound (a batch may pass it by the calls of one
                // input); the rest waits in the stream.
                #expect(try await poll(upTo: 60) { rig.serve.inputs.backlog >= 5 }, "the posts were taken anyway")
                #expect(rig.serve.stats.pendingCalls.load(ordering: .relaxed) <= 4)
                await lock.release()
                #expect(try await poll(upTo: 120) { try database.callCount() == 12 })
                #expect(try await poll(upTo: 60) { rig.serve.inputs.backlog <= 1 }, "the stream was not drained")
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    @Test func aShutdownDuringAnOutageEndsWithinItsDrainTime() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("serve.sqlite")
        let database = try TollGuardDatabase.open(path: path, busyTimeout: .milliseconds(300))
        let rig = try Self.rig(database: database, folder: folder, drainTimeout: .seconds(3))
        let lock = Mutex<WriteLock?>(nil)
        let ended = try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await rig.serve.run() }
                #expect(try await poll(upTo: 120) { rig.port.value.withLock { $0 } != nil })
                let taken = try await WriteLock.take(path: path)
                lock.withLock { $0 = taken }
                #expect(try await Self.post(rig, uuid: "c0000000-0000-4000-8000-000000000001").0 == 503)
                let asked = ContinuousClock.now
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
                return asked.duration(to: .now)
            }
        }
        #expect(ended < .seconds(30), "serve took \(ended) to stop with a drain time of 3 s")
        await lock.withLock { $0 }?.release()
    }

    /// How a test fills the store's disk: a tmpfs it mounts and fills (root only), or SQLite's
    /// page limit set to the pages in use (SQLite then answers as for a full disk, SQLITE_FULL).
    enum FullDisk: String, CaseIterable, Sendable {
        case tmpfs, pageLimit
    }

    @Test(arguments: FullDisk.allCases)
    func aFullDiskIsAnOutageServeOutlives(_ kind: FullDisk) async throws {
        let folder = try TemporaryDirectory()
        let disk = kind == .tmpfs ? try? TemporaryFilesystem(megabytes: 6) : nil
        defer { disk?.unmount() }
        if kind == .tmpfs && disk == nil {
            Self.logger.warning("no tmpfs could be mounted here; the page-limit case covers a full disk")
            return
        }
        let storePath = disk.map { $0.path + "/serve.sqlite" } ?? folder.path("serve.sqlite")
        let database = try TollGuardDatabase.open(path: storePath, busyTimeout: .milliseconds(300))
        let rig = try Self.rig(database: database, folder: folder)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await rig.serve.run() }
                #expect(try await poll(upTo: 120) { rig.port.value.withLock { $0 } != nil })
                #expect(try await Self.post(rig, uuid: "d0000000-0000-4000-8000-000000000001").0 == 200)
                let filler = try disk?.fill()
                if kind == .pageLimit { try Self.limitPages(of: database, to: nil) }
                // Calls until one needs a page the disk has no room for.
                var refused: (Int, String)?
                var sent = 1
                while refused == nil && sent < 5000 {
                    sent += 1
                    let answer = try await Self.post(rig, uuid: String(format: "d0000000-0000-4000-8000-%012d", sent))
                    if answer.0 != 200 { refused = answer }
                }
                let (status, body) = try #require(refused)
                #expect(status == 503)
                #expect(body.contains("full"), "\(body)")
                #expect(try await Self.get(rig, "/healthz").1.contains("full"))
                if let filler { try FileManager.default.removeItem(atPath: filler) }
                if kind == .pageLimit { try Self.limitPages(of: database, to: 1 << 30) }
                #expect(try await poll(upTo: 120) { try await Self.get(rig, "/healthz").0 == 200 })
                #expect(try await poll(upTo: 60) { try database.callCount() == sent })
                #expect(try await Self.post(rig, uuid: "d0000000-0000-4000-8000-999999999999").0 == 200)
                #expect(try database.callCount() == sent + 1)
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    /// Sets SQLite's page limit on the store's writer connection: to the pages in use (nil), or `pages`.
    static func limitPages(of database: TollGuardDatabase, to pages: Int?) throws {
        try database.writer.barrierWriteWithoutTransaction { db in
            let limit = try pages ?? Int.fetchOne(db, sql: "PRAGMA page_count") ?? 1
            try db.execute(sql: "PRAGMA max_page_count = \(limit)")
        }
    }
}

/// The HTTP port `serve` bound, once it runs.
final class PortCell: Sendable {
    let value = Mutex<Int?>(nil)
}

/// Another writer holding the store's write lock (as a long `tollguard ingest` or a `sqlite3`
/// shell in a transaction does) until released.
final class WriteLock: Sendable {
    private let release: DispatchSemaphore
    private let done: Task<Void, any Error>

    private init(done: Task<Void, any Error>, release: DispatchSemaphore) {
        self.done = done
        self.release = release
    }

    static func take(path: String) async throws -> WriteLock {
        let taken = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = Task {
            try await onOwnThread {
                var configuration = Configuration()
                configuration.busyMode = .timeout(30)
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                try queue.inDatabase { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    taken.signal()
                    release.wait()
                    try db.execute(sql: "COMMIT")
                }
            }
        }
        let held = try await onOwnThread { taken.wait(timeout: .now() + 60) == .success }
        guard held else {
            try await done.value
            throw CancellationError()
        }
        return WriteLock(done: done, release: release)
    }

    func release() async {
        release.signal()
        _ = try? await done.value
    }
}
