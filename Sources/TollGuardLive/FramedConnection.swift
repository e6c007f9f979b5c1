import NIOCore
import NIOPosix

/// A TCP connection to a switch's control port whose bytes come framed by `decoder`, as the
/// event socket and the Asterisk Manager clients open theirs (no Nagle delay: commands are small).
enum FramedConnection {
    static func open<Decoder: NIOSingleStepByteToMessageDecoder & Sendable>(
        host: String, port: Int, timeout: TimeAmount, decoder: Decoder
    ) async throws -> NIOAsyncChannel<Decoder.InboundOut, ByteBuffer> where Decoder.InboundOut: Sendable {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(decoder))
                    return try NIOAsyncChannel<Decoder.InboundOut, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }
}
