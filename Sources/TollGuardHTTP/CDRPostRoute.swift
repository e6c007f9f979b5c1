import Foundation
import Hummingbird
import Logging
import Synchronization
import TollGuardCore

/// `POST /cdr`: CDRs from mod_json_cdr and mod_xml_cdr (raw, `cdr=` URL-encoded or base64).
///
/// The answer follows what those modules retry on: 200 only once the call is stored (or is a
/// B leg, not a call of its own); 400 for a body that is no CDR, 401 without valid credentials,
/// 413 for an oversized body, 503 when it could not be stored — the module then retries and,
/// after its retries, writes the CDR to its `err-log-dir`, so nothing is lost.
///
/// A post never waits for ever: one the store has not taken within ``storeWait`` is answered 503
/// (its call may still be stored; the module's retry is then a duplicate, recognized as such).
package struct CDRPostRoute: Sendable {
    /// What became of a call handed on.
    package enum Handoff: Sendable, Equatable {
        /// Taken: the closure given with it will hear whether it was stored.
        case taken
        /// Not stored now, for `reason` (the store failing, the pipeline full, shutting down):
        /// answer 503 at once.
        case notStored(reason: String)
    }

    /// Hands a completed call on; the closure hears whether it was stored — `.taken` — or why
    /// not (the first answer counts).
    package typealias Deliver = @Sendable (CallRecord, String, @escaping @Sendable (Handoff) -> Void) -> Handoff

    package var settings: CDRPostSettings
    package var credentials: HTTPCredentials
    package var deliver: Deliver
    package var logger: Logger
    /// The longest a post waits for its call to be stored before it is answered 503.
    package var storeWait: Duration = .seconds(30)

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
        let call: CallRecord?
        do {
            call = try document.completedCall()
        } catch {
            logger.warning("POST /cdr: not a whole call", metadata: ["error": "\(error.description)"])
            return Response.plainText(.badRequest, error.description)
        }
        guard let record = call else { return Response.plainText(.ok, "B leg ignored") }
        let answer = OnceAnswer()
        let timer = Task { [storeWait] in
            try await Task.sleep(for: storeWait)
            answer.give(.notStored(reason: "the store did not take it within \(storeWait)"))
        }
        defer { timer.cancel() }
        let outcome: Handoff = await withCheckedContinuation { continuation in
            answer.wait(continuation)
            let handoff = deliver(record, document.format.rawValue) { answer.give($0) }
            if case .notStored = handoff { answer.give(handoff) }
        }
        switch outcome {
        case .taken:
            return Response.plainText(.ok, "stored")
        case .notStored(let reason):
            return Response.plainText(
                .serviceUnavailable, "not stored: \(reason); retry", headers: [.retryAfter: "30"])
        }
    }
}

/// The one answer a post gets, whichever comes first: stored, refused, or the wait over.
private final class OnceAnswer: Sendable {
    private struct State {
        var continuation: CheckedContinuation<CDRPostRoute.Handoff, Never>?
        /// An answer given before anyone waited.
        var early: CDRPostRoute.Handoff?
        var answered = false
    }

    private let state = Mutex(State())

    func wait(_ continuation: CheckedContinuation<CDRPostRoute.Handoff, Never>) {
        let early: CDRPostRoute.Handoff? = state.withLock { state in
            guard let early = state.early else {
                state.continuation = continuation
                return nil
            }
            state.early = nil
            return early
        }
        if let early { continuation.resume(returning: early) }
    }

    func give(_ outcome: CDRPostRoute.Handoff) {
        let continuation: CheckedContinuation<CDRPostRoute.Handoff, Never>? = state.withLock { state in
            guard !state.answered else { return nil }
            state.answered = true
            guard let continuation = state.continuation else {
                state.early = outcome
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: outcome)
    }
}
