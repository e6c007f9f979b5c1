import Foundation
import Hummingbird
import Logging

/// The HTTP side of `serve`: `/healthz` (200 while the feeds are healthy, 503 with the reason
/// otherwise), `/metrics` (Prometheus text), `POST /cdr` (``CDRPostRoute``) and `GET /report`
/// (``ReportPageRoute``).
///
/// Binds loopback by default.
package enum StatusServer {
    /// `health` answers whether `serve` is healthy and why not; `metrics` renders the exposition.
    package static func application(
        host: String, port: Int, logger: Logger,
        health: @escaping @Sendable () -> (healthy: Bool, text: String),
        metrics: @escaping @Sendable () -> String,
        cdrPost: CDRPostRoute? = nil,
        reportPage: ReportPageRoute? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        cdrPost?.add(to: router)
        reportPage?.add(to: router)
        router.get("healthz") { _, _ -> Response in
            let (healthy, text) = health()
            return Response(
                status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
        }
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics())))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
