import NIOCore
import TollGuardCore

/// What an Asterisk Manager connection carries: the banner line first, then messages.
package enum AMIFrame: Sendable, Equatable {
    case banner(String)
    case message(AMIMessage)
}

/// Frames an Asterisk Manager byte stream with ``AMIFrameParser``; damaged bytes are dropped and
/// reported through `onSkip`, so one bad message never ends the connection.
///
/// A client expects the banner first; the server side (the fake Asterisk) does not.
package struct AMIFrameDecoder: NIOSingleStepByteToMessageDecoder {
    package typealias InboundOut = AMIFrame

    private var expectingBanner: Bool
    private let onSkip: @Sendable (String) -> Void

    package init(expectingBanner: Bool = true, onSkip: @escaping @Sendable (String) -> Void = { _ in }) {
        self.expectingBanner = expectingBanner
        self.onSkip = onSkip
    }

    package mutating func decode(buffer: inout ByteBuffer) throws -> AMIFrame? {
        while buffer.readableBytes > 0 {
            let banner = expectingBanner
            let step = buffer.withUnsafeReadableBytes { AMIFrameParser.parse($0, expectingBanner: banner) }
            switch step {
            case .banner(let line, let consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
                expectingBanner = false
                return .banner(line)
            case .message(let message, let consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
                return .message(message)
            case .skipped(let consumed, let reason):
                buffer.moveReaderIndex(forwardBy: consumed)
                onSkip(reason)
            case .needMoreData(let consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
                return nil
            }
        }
        return nil
    }

    package mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> AMIFrame? {
        try decode(buffer: &buffer)
    }
}
