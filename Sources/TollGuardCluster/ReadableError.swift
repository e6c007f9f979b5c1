import PostgresNIO

/// An error as an operator reads it in the log, `/healthz` and a command's message.
///
/// postgres-nio describes every `PSQLError` with one generic sentence (its full text may carry a
/// query's values), which told an operator nothing: "the server closed the connection", "database
/// \"x\" does not exist (SQLSTATE 3D000)" are what they can act on. The server's message and
/// hint, or the connection's fault and its cause, are kept; the query and its values are not.
package struct ReadableError: CustomStringConvertible, Sendable {
    package let description: String

    package init(_ error: any Error) {
        description = (error as? PSQLError).map(Self.text(of:)) ?? "\(error)"
    }

    private static func text(of error: PSQLError) -> String {
        if error.code == .server, let info = error.serverInfo {
            var text = "PostgreSQL: " + (info[.message] ?? "an error")
            if let state = info[.sqlState] { text += " (SQLSTATE \(state))" }
            if let hint = info[.hint] { text += "; hint: \(hint)" }
            return text
        }
        var text = "PostgreSQL: " + fault(error.code)
        if let underlying = error.underlying { text += ": \(ReadableError(underlying))" }
        return text
    }

    private static func fault(_ code: PSQLError.Code) -> String {
        switch code {
        case .connectionError: "cannot connect"
        case .serverClosedConnection: "the server closed the connection"
        case .clientClosedConnection: "the connection was closed on this side"
        case .uncleanShutdown: "the connection ended without a goodbye"
        case .poolClosed: "the connection pool is closed"
        case .queryCancelled: "the statement was cancelled"
        case .authMechanismRequiresPassword: "the server asks for a password; set PGPASSWORD"
        case .unsupportedAuthMechanism: "the server asks for a kind of login this client does not offer"
        case .sslUnsupported: "the server does not take TLS"
        case .listenFailed: "cannot listen for notifications"
        default: "\(code)"
        }
    }
}
