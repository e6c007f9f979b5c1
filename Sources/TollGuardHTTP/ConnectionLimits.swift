import NIOCore
import NIOHTTPTypes
import Synchronization
import TollGuardCore

/// How long `serve`'s HTTP side waits on a client, and how many it serves at once.
///
/// A client that sends its request slowly (a byte at a time, or its headers and never its body)
/// would otherwise keep a connection, and a descriptor, for as long as it likes; enough of them
/// lock out `POST /cdr` and `/healthz`.
package struct HTTPLimits: Sendable {
    /// From a connection (or the end of its last response) to the end of the request's headers.
    package var headerTimeout: Duration = .seconds(10)
    /// From the request's headers to the end of its body.
    package var bodyTimeout: Duration = .seconds(30)
    /// A connection with nothing read or written for this long is closed.
    package var idleTimeout: Duration = .seconds(60)
    /// Connections served at once; the next is closed at once (keep it below the descriptor limit,
    /// `LimitNOFILE` in the unit).
    package var maxConnections = 1_000

    package init() {}
}

/// Counts the open connections across the server.
final class ConnectionCount: Sendable {
    private let open = Atomic<Int>(0)

    /// Takes a place; false (and no place taken) when all `limit` are taken.
    func take(limit: Int) -> Bool {
        let now = open.add(1, ordering: .relaxed).newValue
        if now > limit {
            open.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() { open.subtract(1, ordering: .relaxed) }
}

/// Closes a connection over the limit at once, and one whose request does not arrive in time:
/// its headers within ``HTTPLimits/headerTimeout``, its body within ``HTTPLimits/bodyTimeout``.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: HTTPLimits
    private let count: ConnectionCount
    private var counted = false
    private var deadline: Scheduled<Void>?

    init(limits: HTTPLimits, count: ConnectionCount) {
        self.limits = limits
        self.count = count
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard count.take(limit: limits.maxConnections) else {
            context.close(promise: nil)
            return
        }
        counted = true
        arm(limits.headerTimeout, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        if counted {
            counted = false
            count.release()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: arm(limits.bodyTimeout, context: context)
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The response is out: the next request on this connection has its own header deadline.
        if case .end = unwrapOutboundIn(data) { arm(limits.headerTimeout, context: context) }
        context.write(data, promise: promise)
    }

    private func arm(_ timeout: Duration, context: ChannelHandlerContext) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.seconds * 1_000_000_000))) {
            channel.close(promise: nil)
        }
    }
}
