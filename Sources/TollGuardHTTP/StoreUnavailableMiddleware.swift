import Hummingbird
import Logging
import TollGuardCore

/// Answers a request that met an unreachable store (``StoreUnavailable``) with 503 and why, so a
/// page never reads as empty while its store is away.
struct StoreUnavailableMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let unavailable as any StoreUnavailable {
            context.logger.warning(
                "a request met an unreachable store",
                metadata: ["path": "\(request.uri.path)", "error": "\(unavailable.description)"])
            var response = Response.plainText(.serviceUnavailable, unavailable.description + "; try again shortly")
            response.headers[.retryAfter] = "5"
            return response
        }
    }
}
