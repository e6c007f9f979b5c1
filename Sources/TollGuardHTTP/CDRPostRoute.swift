import Foundation
import Hummingbird
import Logging
import TollGuardCore

/// `POST /cdr`: CDRs from mod_json_cdr and mod_xml_cdr (raw, `cdr=` URL-encoded or base64).
///
/// The answer follows what those modules retry on: 200 only once the call is stored (or is a
/// B leg, not a call of its own); 400 for a body that is no CDR, 401 without valid credentials,
/// 413 for an oversized body, 503 when it could not be stored — the module then retries and,
/// after its retries, writes the CDR to its `err-log-dir`, so nothing is lost.
package struct CDRPostRoute: Sendable {
    /// Hands a completed call on; the closure hears whether it was stored.
    ///
    /// Returns false when
    /// nothing takes calls any more (shutting down).
    package typealias Deliver = @Sendable (CallRecord, String, @escaping @Sendable (Bool) -> Void) -> Bool

    package var settings: CDRPostSettings
    package var credentials: HTTPCredentials
    package var deliver: Deliver
    package var logger: Logger

    package init(settings: CDRPostSettings, credentials: HTTPCredentials, logger: Logger, deliver: @escaping Deliver) {
        self.settings = settings
        self.credentials = credentials
        self.deliver = deliver
        self.logger = logger
    }

    package func add(to router: Router<BasicRequestContext>) {
        router.post("cdr") { request, _ -> Response in try await handle(request) }
    }

    func handle(_ request: Request) async throws -> Response {
        guard credentials.authorize(request.headers[.authorization]) else {
            return Response.credentialsRequired
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: settings.maxBodyBytes)
        } catch {
            return Response.plainText(.contentTooLarge, "body over \(settings.maxBodyBytes) bytes")
        }
        let document: FreeSWITCHCDRDocument
        do {
            document = try FreeSWITCHCDRDocument.decode(body: Array(body.readableBytesView))
        } catch {
            logger.warning("POST /cdr: not a CDR", metadata: ["error": "\(error.description)"])
            return Response.plainText(.badRequest, error.description)
        }
        guard let record = document.record else { return Response.plainText(.ok, "B leg ignored") }
        let stored: Bool = await withCheckedContinuation { continuation in
            if !deliver(record, document.format.rawValue, { continuation.resume(returning: $0) }) {
                continuation.resume(returning: false)
            }
        }
        return stored ? Response.plainText(.ok, "stored") : Response.plainText(.serviceUnavailable, "not stored; retry")
    }
}
