import Foundation
import Hummingbird
import Logging

/// `GET /report` (`?date=YYYY-MM-DD`, default today, site time): the day's report as the page
/// `analyze` writes (self-contained HTML: inline CSS and SVG, no script), built from the store
/// when asked, so during an attack today's calls, spend and alerts are one click away.
///
/// It shows accounts, numbers and money: when credentials are configured (those `POST /cdr`
/// takes) it asks for them; when none are, it answers only while `serve` listens on loopback.
package struct ReportPageRoute: Sendable {
    /// The page for a local date (`nil`: today); `nil` when the date is not one.
    package typealias Render = @Sendable (_ date: String?) async throws -> String?

    package var credentials: HTTPCredentials
    /// Whether the HTTP side listens on a loopback address only.
    package var loopbackOnly: Bool
    package var render: Render
    package var logger: Logger

    package init(credentials: HTTPCredentials, loopbackOnly: Bool, logger: Logger, render: @escaping Render) {
        self.credentials = credentials
        self.loopbackOnly = loopbackOnly
        self.render = render
        self.logger = logger
    }

    /// Whether `host` (an address `serve` listens on) is reachable from this machine only.
    package static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    package func add(to router: Router<BasicRequestContext>) {
        router.get("report") { request, _ -> Response in await handle(request) }
    }

    func handle(_ request: Request) async -> Response {
        if credentials.isEmpty {
            guard loopbackOnly else {
                return Response.plainText(
                    .forbidden,
                    "the report is served on a loopback address only, unless TOLLGUARD_CDR_CREDENTIALS or TOLLGUARD_CDR_TOKEN is set"
                )
            }
        } else if !credentials.authorize(request.headers[.authorization]) {
            return Response.credentialsRequired
        }
        let html: String?
        do {
            html = try await render(request.uri.queryParameters.get("date"))
        } catch {
            logger.error("GET /report: the report could not be built", metadata: ["error": "\(error)"])
            return Response.plainText(.internalServerError, "the report could not be built; see the log")
        }
        guard let html else { return Response.plainText(.badRequest, "date: use YYYY-MM-DD (site time)") }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
                .xContentTypeOptions: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
