import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TollGuardCore
import TollGuardHTTP
import TollGuardTestSupport

/// `serve`'s HTTP side bounded against slow and partial requests: a client that never finishes
/// its headers or its body is cut off in time, and past the connection limit a new connection
/// is closed at once — so slow clients cannot keep `/healthz` and `POST /cdr` locked out.
@Suite struct ConnectionLimitTests {
    /// A raw TCP client: what a slowloris sends, byte by byte.
    final class RawConnection {
        let descriptor: Int32

        init(port: Int) throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.descriptor = descriptor
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            try #require(connected == 0)
            var timeout = timeval(tv_sec: 0, tv_usec: 20_000)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(descriptor) }

        func send(_ text: String) {
            _ = text.withCString { Foundation.send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        }

        /// What the server sent, if it sent something within the read timeout.
        func answer() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let read = recv(descriptor, &buffer, buffer.count, 0)
            return read > 0 ? String(decoding: buffer.prefix(read), as: UTF8.self) : nil
        }

        /// Whether the server closed the connection (a read gives the end, or an error other than a timeout).
        func isClosedByServer() -> Bool {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let read = recv(descriptor, &buffer, buffer.count, 0)
            if read == 0 { return true }
            if read < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
            return false  // an answer, still open
        }
    }

    static func app(_ limits: HTTPLimits) -> some ApplicationProtocol {
        var settings = HTTPServerSettings(host: "127.0.0.1", port: 0)
        settings.limits = limits
        return buildApplication(
            settings,
            routes: HTTPRoutes(health: { HealthStatus(healthy: true, reason: "ok") }, metrics: { "" }),
            logger: Logger(label: "test.limits"))
    }

    @Test func slowHeadersAndSlowBodiesAreCutOffInTime() async throws {
        var limits = HTTPLimits()
        limits.headerTimeout = .seconds(1)
        limits.bodyTimeout = .seconds(1)
        try await Self.app(limits).test(.live) { client in
            let port = try #require(client.port)
            let headers = try RawConnection(port: port)
            headers.send("POST /cdr HTTP/1.1\r\nHost: tollguard\r\n")  // and never the blank line
            let body = try RawConnection(port: port)
            body.send("POST /cdr HTTP/1.1\r\nHost: tollguard\r\nContent-Length: 100\r\n\r\n{\"variab")
            let started = ContinuousClock.now
            #expect(
                try await poll(upTo: 20) { headers.isClosedByServer() }, "a never-ending header kept its connection")
            #expect(try await poll(upTo: 20) { body.isClosedByServer() }, "a never-ending body kept its connection")
            #expect(started.duration(to: .now) < .seconds(15))
            // A whole request is answered as ever.
            let whole = try RawConnection(port: port)
            whole.send("GET /healthz HTTP/1.1\r\nHost: tollguard\r\n\r\n")
            #expect(try await poll(upTo: 10) { whole.answer()?.hasPrefix("HTTP/1.1 200") == true })
        }
    }

    @Test func pastTheConnectionLimitANewConnectionIsClosedAndTheServiceComesBack() async throws {
        var limits = HTTPLimits()
        limits.maxConnections = 3
        limits.headerTimeout = .seconds(2)
        try await Self.app(limits).test(.live) { client in
            let port = try #require(client.port)
            let hogs = try (0..<3).map { _ in try RawConnection(port: port) }
            for hog in hogs { hog.send("GET /healthz HTTP/1.1\r\n") }
            let extra = try RawConnection(port: port)
            #expect(try await poll(upTo: 10) { extra.isClosedByServer() }, "a connection past the limit was served")
            // The slow ones are cut off at their header deadline; the service answers again.
            #expect(try await poll(upTo: 20) { hogs.allSatisfy { $0.isClosedByServer() } })
            let fresh = try RawConnection(port: port)
            fresh.send("GET /healthz HTTP/1.1\r\nHost: tollguard\r\n\r\n")
            #expect(try await poll(upTo: 10) { fresh.answer()?.hasPrefix("HTTP/1.1 200") == true })
        }
    }
}
