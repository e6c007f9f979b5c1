import Foundation

/// Where the cluster's PostgreSQL store is (`database.url`), written as libpq writes it.
///
/// - `postgres://tollguard@db1:5432,db2:5432/tollguard` — two servers, a primary and its
///   standby, in any order: nodes use whichever is the primary.
/// - `postgres://tollguard@/tollguard?host=/run/postgresql` — a unix socket's folder (several
///   comma-separated; `port` names the socket, one for all or one per folder).
/// - `sslmode`: `disable`, `prefer` (TLS when the server offers it; the default over TCP) or
///   `require`; a certificate is always checked against the host's name.
///
/// The password never stands in the file: it comes from `PGPASSWORD`, as for libpq's tools.
package struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// One server of the list.
    package enum Host: Sendable, Equatable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        /// The socket file itself: `folder/.s.PGSQL.port`.
        case socket(path: String)

        package var description: String {
            switch self {
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .socket(let path): path
            }
        }
    }

    /// Whether TCP connections use TLS (unix sockets never do).
    package enum TLSMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
    }

    package var hosts: [Host]
    package var user: String
    package var database: String
    package var tls: TLSMode

    /// The text as given, for messages: it holds no password (a URL with one is refused).
    package let text: String
    package var description: String { text }

    package init(hosts: [Host], user: String, database: String, tls: TLSMode = .prefer) {
        self.hosts = hosts
        self.user = user
        self.database = database
        self.tls = tls
        text = "postgres://\(user)@" + hosts.map(\.description).joined(separator: ",") + "/\(database)"
    }

    /// Reads `text`; the error says what is wrong in words an admin can act on.
    package init(parsing text: String) throws(PostgresURLError) {
        self.text = text
        let schemes = ["postgres://", "postgresql://"]
        guard let scheme = schemes.first(where: { text.hasPrefix($0) }) else {
            throw PostgresURLError("\(text) does not start with postgres:// or postgresql://")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let value = parts[1].removingPercentEncoding else {
                    throw PostgresURLError("\(text): \"\(pair)\" is not name=value")
                }
                query[String(parts[0])] = value
            }
            rest = rest[..<mark]
        }
        let authority: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            database = String(rest[rest.index(after: slash)...]).removingPercentEncoding ?? ""
        } else {
            authority = rest
            database = ""
        }
        var hostList = authority
        user = ""
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            if credentials.contains(":") {
                throw PostgresURLError(
                    "the database URL holds a password: leave it out and set PGPASSWORD in the environment instead")
            }
            user = credentials.removingPercentEncoding ?? String(credentials)
            hostList = authority[authority.index(after: at)...]
        }
        if user.isEmpty { user = query["user"] ?? "tollguard" }
        if database.isEmpty { database = query["dbname"] ?? user }
        let mode = query["sslmode"] ?? "prefer"
        guard let tls = TLSMode(rawValue: mode) else {
            throw PostgresURLError(
                "\(text): sslmode=\(mode) is not one of "
                    + TLSMode.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.tls = tls
        hosts = try Self.hosts(hostList, query: query, text: text)
        let unknown = Set(query.keys).subtracting(["host", "port", "user", "dbname", "sslmode"])
        if let name = unknown.sorted().first {
            throw PostgresURLError(
                "\(text): \(name) is not a setting TollGuard reads (host, port, user, dbname, sslmode)")
        }
    }

    /// The servers: `host:port` pairs of the authority, or socket folders of `?host=`.
    private static func hosts(_ list: Substring, query: [String: String], text: String) throws(PostgresURLError)
        -> [Host]
    {
        let ports = try (query["port"].map { $0.split(separator: ",") } ?? []).map { port throws(PostgresURLError) in
            guard let number = Int(port), (1...65_535).contains(number) else {
                throw PostgresURLError("\(text): port \(port) is not a port number")
            }
            return number
        }
        func port(_ index: Int) -> Int { ports.count > index ? ports[index] : ports.first ?? 5432 }
        var hosts: [Host] = []
        if let folders = query["host"], !folders.isEmpty {
            guard list.isEmpty else {
                throw PostgresURLError("\(text): name the servers either before the database or in ?host=, not both")
            }
            for (index, folder) in folders.split(separator: ",").enumerated() {
                guard folder.hasPrefix("/") else {
                    // libpq reads a name that is not a path as a TCP host.
                    hosts.append(.tcp(host: String(folder), port: port(index)))
                    continue
                }
                hosts.append(.socket(path: "\(folder)/.s.PGSQL.\(port(index))"))
            }
            return hosts
        }
        for (index, entry) in list.split(separator: ",").enumerated() {
            var host = entry
            var number = port(index)
            if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
                let after = host[host.index(after: close)...]
                host = host[host.index(after: host.startIndex)..<close]
                if after.hasPrefix(":") {
                    guard let value = Int(after.dropFirst()), (1...65_535).contains(value) else {
                        throw PostgresURLError("\(text): \(entry) does not end in a port number")
                    }
                    number = value
                }
            } else if let colon = host.lastIndex(of: ":") {
                guard let value = Int(host[host.index(after: colon)...]), (1...65_535).contains(value) else {
                    throw PostgresURLError("\(text): \(entry) does not end in a port number")
                }
                number = value
                host = host[..<colon]
            }
            guard !host.isEmpty else { throw PostgresURLError("\(text): a server of the list has no name") }
            hosts.append(.tcp(host: String(host), port: number))
        }
        guard !hosts.isEmpty else {
            throw PostgresURLError(
                "\(text) names no server: postgres://USER@HOST:PORT/DATABASE, or ?host=/socket/folder")
        }
        return hosts
    }
}

/// Why `database.url` cannot be read.
package struct PostgresURLError: Error, CustomStringConvertible, Equatable {
    package var description: String
    init(_ description: String) { self.description = description }
}
