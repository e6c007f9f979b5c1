import AsyncHTTPClient
import Foundation
import Hummingbird
import Synchronization
import Testing
import TollGuardCore
import TollGuardHooks
import TollGuardTestSupport

/// The notification examples in `Data/hooks/`: e-mail through the sendmail interface, and the
/// chat relay that turns a signed webhook event into a Slack/Mattermost or Matrix message.
@Suite struct NotificationHookTests {
    static let hostileReason = "calls to Cuba\nBcc: thief@example.com\r\nSubject: all fine"

    static func event(_ type: HookEventType = .suspend) -> HookEvent {
        var event = HookEvent(
            id: HookEvent.newID(), type: type, time: AlertSeeds.start, subject: .init(type: .account, value: "1001"),
            account: "1001", reason: hostileReason, actor: "policy")
        event.severity = .critical
        event.figures = HookEvent.Figures(calls: [("k1", "+5372000000", "CU", 2_500_000, nil)], currency: "USD")
        return event
    }

    /// A `sendmail` that keeps its arguments and the message it was given.
    static func fakeSendmail(in folder: TemporaryDirectory) throws {
        _ = try folder.writeExecutable(
            "bin/sendmail",
            text: """
                #!/bin/sh
                printf '%s|' "$@" > "\(folder.url.path)/sendmail.args"
                cat > "\(folder.url.path)/sendmail.mail"

                """)
    }

    static func mail(_ arguments: [String], folder: TemporaryDirectory) async throws -> DeliveryAttempt {
        let event = Self.event()
        let runner = ProgramHookRunner(searchPath: folder.url.appendingPathComponent("bin").path + ":/usr/bin:/bin")
        return await runner.run(
            path: ExampleHookTests.hooks.appendingPathComponent("email-event.sh").path, arguments: arguments,
            event: event, payload: try event.payload(), timeout: .seconds(10))
    }

    @Test func theMailHookSendsOneMessageNothingInTheEventCanAddressOrExtend() async throws {
        let folder = try TemporaryDirectory()
        try Self.fakeSendmail(in: folder)
        let attempt = try await Self.mail(["noc@example.net", "tollguard@pbx.example.net"], folder: folder)
        #expect(attempt.outcome == .delivered, "\(attempt.output) \(attempt.error ?? "")")
        let arguments = try String(contentsOfFile: folder.path("sendmail.args"), encoding: .utf8)
        #expect(arguments == "-i|-f|tollguard@pbx.example.net|--|noc@example.net|")
        let mail = try String(contentsOfFile: folder.path("sendmail.mail"), encoding: .utf8)
        let parts = mail.components(separatedBy: "\n\n")
        let headers = parts[0].split(separator: "\n").map { $0.split(separator: ":")[0] }
        #expect(headers == ["From", "To", "Subject", "Content-Type", "Auto-Submitted"], "\(parts[0])")
        #expect(
            parts[0].contains(
                "Subject: [TollGuard] suspend account 1001: calls to CubaBcc: thief@example.comSubject: all fine"))
        #expect(mail.contains("Calls:    1, 2.50 USD"))
        #expect(mail.contains("\"reason\":\"calls to Cuba\\nBcc: thief@example.com\\r\\nSubject: all fine\""))

        // A recipient that is not a plain address is refused before sendmail runs.
        try? FileManager.default.removeItem(atPath: folder.path("sendmail.args"))
        let refused = try await Self.mail(["noc@example.net\nBcc: thief@example.com"], folder: folder)
        #expect(refused.outcome != .delivered)
        #expect(!FileManager.default.fileExists(atPath: folder.path("sendmail.args")))
    }

    /// What the chat service received.
    final class ChatInbox: Sendable {
        let messages = Mutex<[(path: String, body: String, authorization: String)]>([])
    }

    static func startChat(_ inbox: ChatInbox) async throws -> (Int, Task<Void, any Error>) {
        let router = Router()
        for method in [HTTPRequest.Method.post, .put] {
            router.on("**", method: method) { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                let authorization = request.headers[.authorization] ?? ""
                inbox.messages.withLock {
                    $0.append((request.uri.path, String(buffer: body), authorization))
                }
                return Response(status: .ok)
            }
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return (port, task)
    }

    /// A running chat relay: its process, its port, and where it writes its errors.
    struct Relay {
        let process: Process
        let port: Int
        let errors: TemporaryDirectory

        /// What the relay wrote to its standard error: why it answered 502, when it did.
        var errorOutput: String {
            (try? String(contentsOfFile: errors.path("relay.err"), encoding: .utf8)) ?? ""
        }

        /// Stops the relay: SIGKILL, as the test process may pass on an ignored SIGTERM.
        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Starts the relay; returns once it listens.
    static func startRelay(environment: [String: String], arguments: [String] = []) async throws -> Relay {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", ExampleHookTests.hooks.appendingPathComponent("chat-relay.py").path, "--listen", "127.0.0.1:0"]
            + arguments
        // The chat service here runs in the test process, which the whole run shares: a starved
        // moment is not a chat that refused.
        process.environment = ProcessInfo.processInfo.environment.merging(["CHAT_TIMEOUT": "120"]) { $1 }
            .merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        // A file, not the test runner's output: a relay outliving a failed test must not hold that open.
        let errors = try TemporaryDirectory()
        _ = FileManager.default.createFile(atPath: errors.path("relay.err"), contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors.path("relay.err")))
        try process.run()
        let line = try await onOwnThread { () -> String in
            var bytes: [UInt8] = []
            while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 10 {
                bytes.append(byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let port = try #require(line.split(separator: ":").last.flatMap { Int($0) }, "\(line)")
        return Relay(process: process, port: port, errors: errors)
    }

    @Test func theChatRelayPostsSignedEventsAndDropsTheRest() async throws {
        let inbox = ChatInbox()
        let (chatPort, chat) = try await Self.startChat(inbox)
        defer { chat.cancel() }
        let relay = try await Self.startRelay(environment: [
            "TOLLGUARD_RELAY_SECRET": "s3cret", "CHAT_URL": "http://127.0.0.1:\(chatPort)/services/T0/B0",
        ])
        defer { relay.stop() }
        let sender = WebhookSender(client: HTTPClient.shared)
        let event = Self.event()
        let url = "http://127.0.0.1:\(relay.port)/"

        let forged = await sender.send(
            payload: try event.payload(), event: event, url: url, secret: "guess", timeout: .seconds(60))
        #expect(forged.outcome != .delivered && forged.status == 401)
        #expect(inbox.messages.withLock { $0.isEmpty })

        let signed = await sender.send(
            payload: try event.payload(), event: event, url: url, secret: "s3cret", timeout: .seconds(150))
        #expect(signed.outcome == .delivered, "\(signed.error ?? "") \(relay.errorOutput)")
        let received = try #require(inbox.messages.withLock { $0.first })
        #expect(received.path == "/services/T0/B0")
        let text = try #require(
            (try JSONSerialization.jsonObject(with: Data(received.body.utf8)) as? [String: String])?["text"])
        #expect(text.hasPrefix("TollGuard suspend: account 1001\n"), "\(text)")
        #expect(text.contains("calls to CubaBcc: thief@example.comSubject: all fine"))
        #expect(text.contains("severity: critical") && text.contains("calls: 1, 2.50 USD"))
    }

    @Test func theChatRelayPostsToAMatrixRoom() async throws {
        let inbox = ChatInbox()
        let (chatPort, chat) = try await Self.startChat(inbox)
        defer { chat.cancel() }
        let relay = try await Self.startRelay(
            environment: [
                "TOLLGUARD_RELAY_SECRET": "s3cret", "CHAT_URL": "http://127.0.0.1:\(chatPort)",
                "MATRIX_ROOM": "!ops:example.net", "MATRIX_TOKEN": "syt_token",
            ], arguments: ["--matrix"])
        defer { relay.stop() }
        let event = Self.event(.unsuspend)
        let signed = await WebhookSender(client: HTTPClient.shared).send(
            payload: try event.payload(), event: event, url: "http://127.0.0.1:\(relay.port)/", secret: "s3cret",
            timeout: .seconds(150))
        #expect(signed.outcome == .delivered, "\(signed.error ?? "") \(relay.errorOutput)")
        let received = try #require(inbox.messages.withLock { $0.first })
        #expect(received.path.hasPrefix("/_matrix/client/v3/rooms/%21ops%3Aexample.net/send/m.room.message/"))
        #expect(received.authorization == "Bearer syt_token")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(received.body.utf8)) as? [String: String])
        #expect(body["msgtype"] == "m.text")
        #expect(body["body"]?.hasPrefix("TollGuard unsuspend: account 1001") == true)
    }
}
