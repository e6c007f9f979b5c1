import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix
import TollGuardCore

extension TollGuardDatabase {
    /// Runs `body` on Dispatch's global pool: the store's calls block (a busy store waits its
    /// timeout), and neither the handlers' threads nor NIO's small thread pool may wait with them;
    /// Dispatch adds threads while its own ones block.
    func inThreadPool<Value: Sendable>(_ body: @escaping @Sendable (TollGuardDatabase) throws -> Value) async throws
        -> Value
    {
        let database = self
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try body(database) })
            }
        }
    }
}

extension HTTPField.Name {
    // Both names are valid header names, so the initializer cannot fail.
    fileprivate static let referrerPolicy = HTTPField.Name("Referrer-Policy") ?? .contentSecurityPolicy
    fileprivate static let frameOptions = HTTPField.Name("X-Frame-Options") ?? .contentSecurityPolicy
}

extension Response {
    /// The headers every console page carries: no script or style from anywhere but this server,
    /// no framing, no caching of pages that show call data.
    static let consoleSecurityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'",
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "same-origin",
        .cacheControl: "no-store",
        .frameOptions: "DENY",
    ]

    /// An HTML page (or a plain message) with the console's security headers.
    static func page(_ html: String, status: HTTPResponse.Status) -> Response {
        var headers = consoleSecurityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}

/// `application/x-www-form-urlencoded` bodies, as browsers send forms.
enum URLEncodedForm {
    /// The body's fields; a name given twice keeps its first value.
    static func fields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for (name, value) in pairs(body) where fields[name] == nil { fields[name] = value }
        return fields
    }

    /// Every name and value of the body, in order (a checkbox list sends one name many times).
    static func pairs(_ body: String) -> [(name: String, value: String)] {
        body.split(separator: "&", omittingEmptySubsequences: true).compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]) else { return nil }
            return (name, parts.count > 1 ? decode(parts[1]) ?? "" : "")
        }
    }

    private static func decode(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
