import Foundation
import Hummingbird
import Logging
import TollGuardCore

/// Where `serve`'s HTTP side listens.
package struct HTTPServerSettings: Sendable {
    package var host: String
    /// 0: any free port (the one bound is told to `onServerRunning`).
    package var port: Int
    /// How long a client may take, and how many are served at once.
    package var limits = HTTPLimits()

    package init(host: String = "127.0.0.1", port: Int = 9476) {
        self.host = host
        self.port = port
    }

    /// Whether the server is reachable from this machine only.
    package var isLoopback: Bool { ReportPageRoute.isLoopback(host) }
}

/// Whether `serve` works, and in a line why not.
package struct HealthStatus: Sendable, Equatable {
    package var healthy: Bool
    package var reason: String

    package init(healthy: Bool, reason: String) {
        self.healthy = healthy
        self.reason = reason
    }
}

/// What the HTTP routes answer from: the state the rest of `serve` reports, and where posted
/// CDRs and report requests go.
package struct HTTPRoutes: Sendable {
    /// `GET /healthz`: 200 while healthy, 503 with the reason otherwise.
    package var health: @Sendable () async -> HealthStatus
    /// `GET /metrics`: the Prometheus text exposition.
    package var metrics: @Sendable () async -> String
    /// `POST /cdr`; nil when `[cdr_post]` is off.
    package var cdrPost: CDRPostRoute?
    /// `GET /report`; nil when not served.
    package var reportPage: ReportPageRoute?
    /// `/console`: the review console; nil when not served.
    package var console: ConsoleRoute?

    /// What these routes answer, for `GET /` and the start-up line.
    package var endpoints: [IndexPage.Endpoint] {
        IndexPage.endpoints(cdrPost: cdrPost != nil, reportPage: reportPage != nil, console: console != nil)
    }

    package init(
        health: @escaping @Sendable () async -> HealthStatus, metrics: @escaping @Sendable () async -> String,
        cdrPost: CDRPostRoute? = nil, reportPage: ReportPageRoute? = nil, console: ConsoleRoute? = nil
    ) {
        self.health = health
        self.metrics = metrics
        self.cdrPost = cdrPost
        self.reportPage = reportPage
        self.console = console
    }
}

/// The router of `serve`'s HTTP side: `/healthz`, `/metrics`, `POST /cdr`, `GET /report`, `/console`.
package func buildRouter(_ routes: HTTPRoutes) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: StoreUnavailableMiddleware())
    routes.cdrPost?.add(to: router)
    routes.reportPage?.add(to: router)
    routes.console?.add(to: router)
    let index = IndexPage(endpoints: routes.endpoints).render()
    router.get("/") { _, _ -> Response in
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: index)))
    }
    router.get("healthz") { _, _ -> Response in
        let status = await routes.health()
        return Response.plainText(status.healthy ? .ok : .serviceUnavailable, status.reason)
    }
    router.get("metrics") { _, _ -> Response in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: await routes.metrics())))
    }
    return router
}

/// `serve`'s HTTP application, a `Service` of its `ServiceGroup`; binds loopback by default.
///
/// Every connection is bounded (``HTTPLimits``): headers and body must arrive in time, an idle
/// connection is closed, and past the connection limit a new one is closed at once.
/// `onServerRunning` hears the port bound (useful with port 0).
package func buildApplication(
    _ settings: HTTPServerSettings, routes: HTTPRoutes, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let limits = settings.limits
    let count = ConnectionCount()
    return Application(
        router: buildRouter(routes),
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [RequestDeadlineHandler(limits: limits, count: count)],
                idleTimeout: .nanoseconds(Int64(limits.idleTimeout.seconds * 1_000_000_000)))),
        configuration: .init(address: .hostname(settings.host, port: settings.port)),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger)
}
