import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycleTestKit
import Synchronization
import Testing
import TollGuardCore
import TollGuardDemo
import TollGuardHTTP
import TollGuardLive
import TollGuardServer
import TollGuardTestSupport

/// `serve` assembled in process by ``buildServeServices(configuration:database:timeZone:settings:logger:)``
/// against the replay server: it answers on HTTP while it runs, and a graceful shutdown in the
/// middle of a replay stops the sources, stores every event received, and ends the group.
@Suite struct ServeServicesTests {
    static let logger = Logger(label: "test.serve")

    /// Calls of 40 accounts, a second apart, as the replay server sends them.
    static func events(calls count: Int) -> [ESLEvent] {
        let calls = (0..<count).map { index in
            let started = Date(timeIntervalSince1970: 1_795_000_000 + Double(index))
            let uuid = String(format: "5e4e0000-0000-4000-8000-%012d", index)
            return CallRecord(
                dedupKey: uuid, callID: uuid, account: String(1000 + index % 40),
                callerNumber: String(1000 + index % 40),
                destination: "2125550\(String(format: "%03d", index % 1000))", context: "default", startedAt: started,
                answeredAt: started.addingTimeInterval(2), endedAt: started.addingTimeInterval(30), duration: 30,
                billsec: 28, disposition: .answered, hangupCause: "NORMAL_CLEARING")
        }
        var writer = FreeSWITCHEventWriter()
        return writer.stream(calls, heartbeatSeconds: 600).map(\.event)
    }

    @Test func aGracefulShutdownStoresEveryEventReceivedAndEndsTheGroup() async throws {
        let server = try await FakeFreeSWITCH.start()
        let folder = try TemporaryDirectory()
        let database = try TollGuardDatabase.open(path: folder.path("serve.sqlite"))
        var configuration = TollGuardConfiguration()
        configuration.site.timezone = "UTC"
        configuration.eventSocket.enabled = true
        configuration.eventSocket.port = server.port
        configuration.eventSocket.passwordEnvironment = "TOLLGUARD_TEST_UNSET_PASSWORD"
        configuration.eventSocket.passwordFile = try folder.write("password", text: server.password)
        configuration.cdrPost.enabled = false
        let configured = configuration
        var settings = ServeSettings(reloadConfiguration: { configured })
        settings.http.port = 0
        settings.gracefulShutdownSignals = []
        let httpPort = Mutex<Int?>(nil)
        settings.onHTTPRunning = { port in httpPort.withLock { $0 = port } }
        let serve = try buildServeServices(
            configuration: configuration, database: database, timeZone: .gmt, settings: settings, logger: Self.logger)
        let events = Self.events(calls: 300)

        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await serve.run() }
                try await server.waitForSubscribers()
                // Serving: /healthz says ok once the event socket is connected.
                let port = try #require(try await Self.value(within: 120) { httpPort.withLock { $0 } })
                #expect(try await Self.get("http://127.0.0.1:\(port)/healthz") == "ok\n")

                let replay = Task { try await server.replay(events, eventsPerSecond: 1000) }
                let aThirdIn = try await poll(upTo: 180) {
                    serve.stats.events.load(ordering: .relaxed) >= events.count / 3
                }
                #expect(aThirdIn, "serve did not receive a third of the events within 180 s")
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
                replay.cancel()
                _ = try? await replay.value
            }
        }
        await server.stop()

        let received = serve.stats.events.load(ordering: .relaxed)
        #expect(received >= events.count / 3)
        let hangups = events.prefix(received).filter { $0.name == "CHANNEL_HANGUP_COMPLETE" }.count
        #expect(try database.callCount() == hangups, "\(serve.summary)")
        #expect(serve.stats.callsStored.load(ordering: .relaxed) == hangups)
    }

    @Test func withoutAnEventSocketPasswordServeDoesNotStart() throws {
        let folder = try TemporaryDirectory()
        let database = try TollGuardDatabase.open(path: folder.path("serve.sqlite"))
        var configuration = TollGuardConfiguration()
        configuration.eventSocket.enabled = true
        configuration.eventSocket.passwordEnvironment = "TOLLGUARD_TEST_UNSET_PASSWORD"
        let configured = configuration
        let settings = ServeSettings(reloadConfiguration: { configured })
        #expect(throws: ServeError.self) {
            _ = try buildServeServices(
                configuration: configuration, database: database, timeZone: .gmt, settings: settings,
                logger: Self.logger)
        }
    }

    /// Waits until `value` gives one (checked every 10 ms).
    static func value<T: Sendable>(within seconds: Double, _ value: @Sendable () -> T?) async throws -> T? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let found = value() { return found }
            try await Task.sleep(for: .milliseconds(10))
        }
        return value()
    }

    /// A GET's body as text.
    static func get(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }
}
