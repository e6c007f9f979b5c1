import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import TollGuardCore

/// POSTs an event to a webhook: the exact payload bytes, signed with HMAC-SHA256 over the body
/// (`X-TollGuard-Signature: sha256=<hex>`), the event id as `Idempotency-Key`.
package struct WebhookSender: Sendable {
    package let client: HTTPClient
    package var outputLimit: Int

    package init(client: HTTPClient, outputLimit: Int = 4096) {
        self.client = client
        self.outputLimit = outputLimit
    }

    /// The signature header's value for `payload`.
    package static func signature(of payload: Data, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: payload, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// Sends `payload`.
    ///
    /// A 2xx answer delivers it; a refused connection, a timeout, 408, 429 and
    /// 5xx are retried; any other answer is refused for good (until `tollguard hooks retry`).
    package func send(
        payload: Data, event: HookEvent, url: String, secret: String, timeout: Duration
    ) async -> DeliveryAttempt {
        let clock = ContinuousClock()
        let started = clock.now
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "TollGuard")
        request.headers.add(name: "Idempotency-Key", value: event.id)
        request.headers.add(name: "X-TollGuard-Event", value: event.type.rawValue)
        request.headers.add(name: "X-TollGuard-Signature", value: Self.signature(of: payload, secret: secret))
        request.body = .bytes(payload)
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.nanosecondsClamped)))
            let prefix = OutputPrefix(limit: outputLimit)
            for try await chunk in response.body { prefix.append(chunk.readableBytesView) }
            let status = Int(response.status.code)
            let outcome: DeliveryAttempt.Outcome =
                switch status {
                case 200..<300: .delivered
                case 408, 429, 500...: .failed
                default: .rejected
                }
            return DeliveryAttempt(
                outcome: outcome, status: status, duration: clock.now - started, output: prefix.text,
                error: outcome == .delivered ? nil : "HTTP \(status)")
        } catch {
            return DeliveryAttempt(
                outcome: .failed, status: nil, duration: clock.now - started, error: "\(url): \(error)")
        }
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to `Int64`.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds < Int64.max / 1_000_000_000 else { return .max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
