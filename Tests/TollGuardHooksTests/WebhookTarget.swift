import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A real local HTTP server standing in for an operator's webhook receiver: it checks each
/// request's signature and de-duplicates by idempotency key, as a receiver should.
actor WebhookInbox {
    struct Request: Sendable {
        var key: String
        var event: String
        var signatureValid: Bool
        var body: Data
    }

    let secret: String
    /// Answer this status to the next requests, then 200.
    var scriptedStatuses: [HTTPResponse.Status] = []
    private(set) var requests: [Request] = []
    /// Keys accepted (answered 2xx), in order; a receiver acts once per key.
    private(set) var accepted: [String] = []

    init(secret: String) { self.secret = secret }

    func script(_ statuses: [HTTPResponse.Status]) { scriptedStatuses = statuses }

    func receive(key: String, event: String, signature: String, body: Data) -> HTTPResponse.Status {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        let expected = "sha256=" + code.map { String(format: "%02x", $0) }.joined()
        requests.append(Request(key: key, event: event, signatureValid: signature == expected, body: body))
        guard signature == expected else { return .unauthorized }
        if !scriptedStatuses.isEmpty { return scriptedStatuses.removeFirst() }
        if !accepted.contains(key) { accepted.append(key) }
        return .ok
    }
}

/// Runs the receiver on 127.0.0.1 until stopped; `port` 0 picks a free one.
final class WebhookTarget: Sendable {
    let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    static func start(port: Int = 0, inbox: WebhookInbox) async throws -> WebhookTarget {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let header = { (name: String) in HTTPField.Name(name).flatMap { request.headers[$0] } ?? "" }
            let status = await inbox.receive(
                key: header("Idempotency-Key"), event: header("X-TollGuard-Event"),
                signature: header("X-TollGuard-Signature"), body: Data(body.readableBytesView))
            return Response(status: status)
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? port) })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else { throw CancellationError() }
        return WebhookTarget(port: bound, task: task)
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
